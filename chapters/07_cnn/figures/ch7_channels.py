"""Many channels: an input of C channels, F filters of shape C x h x h, an output of F channels."""

import matplotlib.pyplot as plt

from dlcourse.book.drawing import COLORS, arrow, box3d


def draw() -> plt.Figure:
    fig, ax = plt.subplots(figsize=(9, 3.4))
    box3d(ax, 0, 0, 4, 4, 3, label="input  $C \\times H \\times W$")
    ax.text(6.0, 2.0, "$\\ast$", fontsize=18, ha="center", va="center")
    for f, shade in enumerate(("#fdd0a2", "#fdae6b", "#fd8d3c")):
        box3d(ax, 6.6 + 1.7 * f, 1.0, 1.2, 1.2, 3, color=shade)
    ax.text(8.6, 0.45, "$F$ filters, each $C \\times h \\times h$", ha="center", va="top", fontsize=9)
    ax.text(8.6, -0.35, "(one bias each)", ha="center", va="top", fontsize=9)
    arrow(ax, (12.2, 2.0), (13.4, 2.0))
    box3d(ax, 13.8, 0.5, 3, 3, 1.5 * 3 / 3, color=COLORS["output"], label="output  $F \\times H' \\times W'$")
    ax.text(17.9, 3.0, "filter $f$ makes\nchannel $f$:\na sum over all\n$C$ input channels",
            fontsize=9, va="top")
    ax.set(xlim=(-0.5, 20.5), ylim=(-1.2, 6.0), aspect="equal")
    ax.axis("off")
    return fig
