"""From-scratch implementations that the chapters build and the tests check against PyTorch.

``layers`` (Affine, Sigmoid, ReLU, SoftmaxWithLoss, ... with hand-written backward passes),
``network`` (backpropagation through a list of layers) and ``gradcheck`` (central differences).
"""

from dlcourse.scratch.gradcheck import check_layer, numerical_gradient, relative_error
from dlcourse.scratch.layers import Add, Affine, BinaryCrossEntropy, Layer, Mul, ReLU, Sigmoid, SoftmaxWithLoss
from dlcourse.scratch.network import Sequential

__all__ = [
    "Add", "Affine", "BinaryCrossEntropy", "Layer", "Mul", "ReLU", "Sequential", "Sigmoid", "SoftmaxWithLoss",
    "check_layer", "numerical_gradient", "relative_error",
]
