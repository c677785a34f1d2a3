"""Small networks the later chapters train again and again.

Chapter 7 builds ``small_cnn`` step by step and explains each choice; chapters 7 (transfer learning) and 8
(hyperparameter search) reuse it from here. Every model is an ``nn.Sequential`` with two named parts,
``features`` (what a layer learns about images) and ``classifier`` (the head that turns features into class
scores), so a head can be swapped or the features frozen by name.
"""

from collections import OrderedDict
from itertools import pairwise

from torch import nn


def conv_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """3x3 convolution (padding 1), 2x2 max pooling, batch norm, ReLU: (N, C_in, H, W) -> (N, C_out, H/2, W/2).

    Pooling comes right after the convolution. Max pooling and ReLU commute (ReLU is monotone:
    max(relu(a), relu(b)) = relu(max(a, b))), so pooling first computes on a quarter of the values for
    the same result; batch norm then normalizes the pooled maps. The convolution has no bias because
    batch norm subtracts the mean and adds its own shift beta.
    """
    return nn.Sequential(
        nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1, bias=False),
        nn.MaxPool2d(2),
        nn.BatchNorm2d(out_channels),
        nn.ReLU(),
    )


def small_cnn(
    channels: tuple[int, ...] = (32, 64),
    hidden: int = 128,
    classes: int = 10,
    dropout: float = 0.25,
    image_size: int = 28,
    in_channels: int = 1,
) -> nn.Sequential:
    """A LeNet-style CNN: ``len(channels)`` conv blocks, then Linear-ReLU-Dropout-Linear.

    Each block halves the side (28 -> 14 -> 7 with the defaults), so the classifier sees
    ``channels[-1] * (image_size // 2**len(channels))**2`` features. With the defaults it has 421,738
    parameters, 95% of them in the first linear layer.
    """
    if not channels:
        raise ValueError("channels must name at least one conv block, e.g. (32, 64)")
    side = image_size // 2 ** len(channels)
    if side < 1:
        raise ValueError(f"{len(channels)} blocks halve a {image_size}-pixel image to nothing; use fewer blocks")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    widths = (in_channels, *channels)
    features = nn.Sequential(*(conv_block(a, b) for a, b in pairwise(widths)), nn.Flatten())
    classifier = nn.Sequential(
        nn.Linear(channels[-1] * side * side, hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(hidden, classes),
    )
    return nn.Sequential(OrderedDict(features=features, classifier=classifier))
