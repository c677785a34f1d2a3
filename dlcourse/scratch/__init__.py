"""From-scratch implementations that the chapters build and the tests check against PyTorch.

``layers`` (Affine, Sigmoid, ReLU, SoftmaxWithLoss, ... with hand-written backward passes),
``network`` (backpropagation through a list of layers), ``gradcheck`` (central differences),
``optimizers`` (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adadelta, Adam, AdamW), ``init``
(zero, normal, Xavier, He) and ``batchnorm`` (BatchNorm with running statistics).
"""

from dlcourse.scratch.batchnorm import BatchNorm
from dlcourse.scratch.gradcheck import check_layer, numerical_gradient, relative_error
from dlcourse.scratch.layers import Add, Affine, BinaryCrossEntropy, Layer, Mul, ReLU, Sigmoid, SoftmaxWithLoss
from dlcourse.scratch.network import Sequential
from dlcourse.scratch.optimizers import (
    SGD, AdaGrad, Adadelta, Adam, AdamW, Momentum, Nesterov, RMSprop, make_optimizer,
)

__all__ = [
    "Add", "Affine", "BatchNorm", "BinaryCrossEntropy", "Layer", "Mul", "ReLU", "Sequential", "Sigmoid", "SoftmaxWithLoss",
    "check_layer", "numerical_gradient", "relative_error",
    "SGD", "AdaGrad", "Adadelta", "Adam", "AdamW", "Momentum", "Nesterov", "RMSprop", "make_optimizer",
]
