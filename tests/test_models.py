"""The shared models and the class-subset helpers used for transfer learning."""

import pytest
import torch

from dlcourse.data import Split, per_class, select_classes
from dlcourse.models import conv_block, small_cnn


def test_small_cnn_shapes_and_parameter_count():
    model = small_cnn()
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    assert model.features(torch.zeros(3, 1, 28, 28)).shape == (3, 64 * 7 * 7)
    assert sum(p.numel() for p in model.parameters()) == 421_738
    wide = small_cnn(channels=(8, 16, 32), hidden=20, classes=5, image_size=32, in_channels=3)
    assert wide(torch.zeros(2, 3, 32, 32)).shape == (2, 5)


def test_pooling_before_relu_is_the_same_function():
    """The docstring's claim: max pooling and ReLU commute, so the block's order loses nothing."""
    torch.manual_seed(0)
    x = torch.randn(4, 3, 8, 8, dtype=torch.float64)
    pool, relu = torch.nn.MaxPool2d(2), torch.nn.ReLU()
    assert torch.equal(pool(relu(x)), relu(pool(x)))
    assert conv_block(3, 5)(x.float()).shape == (4, 5, 4, 4)


@pytest.mark.parametrize("kwargs, message", [
    ({"channels": ()}, "at least one conv block"),
    ({"channels": (4, 4, 4, 4, 4, 4)}, "fewer blocks"),
    ({"dropout": 1.0}, "dropout"),
])
def test_small_cnn_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_cnn(**kwargs)


def _toy_split() -> Split:
    y = torch.tensor([0, 1, 2, 3, 1, 2, 3, 0, 2, 2, 1, 3])
    return Split(torch.arange(12.0).view(12, 1, 1, 1), y)


def test_select_classes_keeps_and_relabels_in_the_given_order():
    split = _toy_split()
    picked = select_classes(split, [3, 1])
    assert picked.y.tolist() == [1, 0, 1, 0, 1, 0]  # original labels 1, 3, 1, 3, 1, 3; 3 becomes 0, 1 becomes 1
    assert picked.x.flatten().tolist() == [1.0, 3.0, 4.0, 6.0, 10.0, 11.0]
    with pytest.raises(ValueError, match="distinct"):
        select_classes(split, [1, 1])
    with pytest.raises(ValueError, match=r"label\(s\) \[7\]"):
        select_classes(split, [1, 7])


def test_per_class_draws_n_of_each_class_reproducibly():
    split = _toy_split()
    two = per_class(split, 2, seed=3)
    assert sorted(two.y.tolist()) == [0, 0, 1, 1, 2, 2, 3, 3]
    assert len(set(two.x.flatten().tolist())) == 8  # without replacement
    assert torch.equal(two.x, per_class(split, 2, seed=3).x)
    assert not all(torch.equal(per_class(split, 2, seed=s).x, two.x) for s in range(4, 10))
    with pytest.raises(ValueError, match="class 0 has only 2 items"):
        per_class(split, 3)
