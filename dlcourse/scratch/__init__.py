"""From-scratch implementations that the chapters build and the tests check against PyTorch.

``layers`` (Affine, Sigmoid, ReLU, SoftmaxWithLoss, ... with hand-written backward passes),
``network`` (backpropagation through a list of layers), ``gradcheck`` (central differences),
``optimizers`` (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adadelta, Adam, AdamW), ``init``
(zero, normal, Xavier, He), ``batchnorm`` (BatchNorm with running statistics), ``dropout``
(inverted dropout), ``label_smoothing`` and ``conv`` (convolution by loops and by im2col, pooling).
"""

from dlcourse.scratch.batchnorm import BatchNorm
from dlcourse.scratch.conv import AvgPool2d, Conv2d, MaxPool2d, col2im, conv2d_loops, im2col, output_size
from dlcourse.scratch.dropout import Dropout
from dlcourse.scratch.gradcheck import check_layer, numerical_gradient, relative_error
from dlcourse.scratch.layers import Add, Affine, BinaryCrossEntropy, Layer, Mul, ReLU, Sigmoid, SoftmaxWithLoss
from dlcourse.scratch.label_smoothing import smooth_labels, smoothed_cross_entropy
from dlcourse.scratch.network import Sequential
from dlcourse.scratch.optimizers import (
    SGD, AdaGrad, Adadelta, Adam, AdamW, Momentum, Nesterov, RMSprop, make_optimizer,
)

__all__ = [
    "Add", "Affine", "AvgPool2d", "BatchNorm", "Conv2d", "Dropout", "MaxPool2d", "BinaryCrossEntropy", "Layer", "Mul", "ReLU", "Sequential", "Sigmoid", "SoftmaxWithLoss",
    "check_layer", "numerical_gradient", "relative_error", "smooth_labels", "smoothed_cross_entropy",
    "col2im", "conv2d_loops", "im2col", "output_size",
    "SGD", "AdaGrad", "Adadelta", "Adam", "AdamW", "Momentum", "Nesterov", "RMSprop", "make_optimizer",
]
