"""A model's computational graph, drawn by torchview and rendered by Graphviz.

torchview runs the model once on a dummy input of the given size (on PyTorch's ``meta`` device, so no
real arithmetic is done) and records every module and tensor operation the forward pass goes through;
Graphviz lays the records out as a picture. Where Graphviz's ``dot`` program is not installed, the
graph cannot be drawn: ``show_model_graph`` says so, names the fix and returns ``None``, and the
notebook goes on.
"""

from __future__ import annotations

import copy
import shutil

import torch
from torch import nn

INSTALL_GRAPHVIZ = ("Graphviz's `dot` program is not installed, so the model's graph can't be drawn. Install it "
                    "(Debian/Ubuntu: `sudo apt install graphviz`; macOS: `brew install graphviz`; conda: "
                    "`conda install graphviz`; Colab has it) and run this cell again.")


def show_model_graph(model: nn.Module, input_size: tuple[int, ...], depth: int = 2, dpi: int = 80):
    """Return the graph of ``model`` applied to a batch of shape ``input_size`` as a PNG image for Jupyter.

    ``depth`` is how many levels of nested modules are drawn as boxes of their own. Returns an
    ``IPython.display.Image`` (a PNG, so the page shows it and nbval does not compare its pixels), or
    ``None`` after printing how to install Graphviz where it is missing.
    """
    from IPython.display import Image
    from torchview import draw_graph

    if shutil.which("dot") is None:
        print(INSTALL_GRAPHVIZ)
        return None
    # torchview moves the model it traces to the meta device: trace a copy, so the caller's model keeps its weights.
    graph = draw_graph(copy.deepcopy(model), input_size=input_size, depth=depth, device="meta", expand_nested=True,
                       graph_dir="TB", dtypes=[torch.float32])
    graph.visual_graph.graph_attr.update(dpi=str(dpi), bgcolor="white")
    return Image(graph.visual_graph.pipe(format="png"))
