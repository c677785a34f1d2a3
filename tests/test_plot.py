import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlcourse import plot  # noqa: E402
from dlcourse.train import History  # noqa: E402


def test_history_plot_has_loss_and_accuracy_panels():
    history = History([{"epoch": e, "train_loss": 1 / e, "train_acc": 0.5, "val_loss": 1.1 / e, "val_acc": 0.4}
                       for e in (1, 2, 3)])
    fig = history.plot(title="t")
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    plt.close(fig)


def test_show_images_grid_and_wrong_predictions_in_red():
    images = torch.rand(10, 1, 28, 28)
    fig = plot.show_images(images, labels=[0] * 10, classes=["a", "b"], predictions=[0] * 9 + [1], ncols=4)
    assert len(fig.axes) == 12  # 3 rows of 4, two left empty
    assert fig.axes[9].get_title() == "b\n(a)" and fig.axes[9].title.get_color() == "crimson"
    assert fig._suptitle is None
    plt.close(fig)
    fig = plot.show_images(images[:3], title="three images")
    assert fig._suptitle.get_text() == "three images"
    plt.close(fig)
    with pytest.raises(ValueError, match="expected images of shape"):
        plot.show_images(torch.rand(2, 3, 28, 28))


def test_confusion_matrix_counts():
    true = torch.tensor([0, 0, 1, 2, 2, 2])
    pred = torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = plot.confusion_matrix(true, pred, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    fig = plot.plot_confusion_matrix(matrix, ["a", "b", "c"])
    assert fig.axes[0].texts[0].get_text() == "0.50"
    plt.close(fig)


def test_decision_boundary_draws_the_half_probability_line_on_the_given_axes():
    x = torch.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    y = torch.tensor([0, 1, 1, 1])
    seen = {}

    def proba(points: torch.Tensor) -> torch.Tensor:
        seen["dtype"], seen["shape"] = points.dtype, tuple(points.shape)
        return torch.sigmoid(10 * (points.sum(dim=1) - 0.5))

    fig, axes = plt.subplots(1, 2)
    assert plot.plot_decision_boundary(proba, x, y, ax=axes[1], title="OR", resolution=50) is fig
    assert seen == {"dtype": torch.float64, "shape": (2500, 2)}
    assert axes[1].get_title() == "OR" and len(axes[1].collections) >= 3
    assert not axes[0].collections
    plt.close(fig)
    with pytest.raises(ValueError, match=r"2-D inputs of shape \(n, 2\)"):
        plot.plot_decision_boundary(proba, torch.zeros(4, 3), y)


def test_trajectories_one_panel_per_path_and_shape_errors():
    paths = {"a": torch.zeros(5, 2), "b": torch.ones(3, 2), "c": torch.zeros(2, 2)}
    fig = plot.plot_trajectories(lambda x, y: x**2 + y**2, paths, ncols=2)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["a", "b", "c", ""] and not fig.axes[3].axison
    assert len(fig.axes[1].lines[0].get_xdata()) == 3
    plt.close(fig)
    with pytest.raises(ValueError, match=r"path 'a' must have shape \(steps \+ 1, 2\)"):
        plot.plot_trajectories(lambda x, y: x + y, {"a": torch.zeros(4)})


def test_activation_histograms_one_panel_per_layer():
    fig = plot.plot_activation_histograms([torch.rand(100, 10), torch.rand(100, 10)], title="t")
    assert [ax.get_title() for ax in fig.axes] == ["layer 1", "layer 2"]
    assert len(fig.axes[0].patches) == 30
    plt.close(fig)
