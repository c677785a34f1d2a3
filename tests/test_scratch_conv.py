"""Convolution and pooling from scratch against F.conv2d / F.max_pool2d / F.avg_pool2d, forward and backward, float64."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch.nn import functional as F

from dlcourse.scratch import check_layer
from dlcourse.scratch.conv import AvgPool2d, Conv2d, MaxPool2d, col2im, conv2d_loops, im2col, output_size

F64 = torch.float64
GRID = list(itertools.product([1, 3], [1, 2], [(3, 3), (2, 4)], [1, 2], [0, 1]))  # C, F, kernel, stride, padding


def randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=F64)


@pytest.mark.parametrize("c, f, kernel, stride, padding", GRID)
def test_conv2d_forward_and_backward_match_pytorch(c, f, kernel, stride, padding):
    x, w, b = randn(2, c, 7, 8, seed=1), randn(f, c, *kernel, seed=2), randn(f, seed=3)
    layer = Conv2d(w.clone(), b.clone(), stride=stride, padding=padding)
    out = layer.forward(x)
    leaves = [t.clone().requires_grad_(True) for t in (x, w, b)]
    expected = F.conv2d(*leaves, stride=stride, padding=padding)
    assert out.shape == expected.shape
    assert (out - expected.detach()).abs().max().item() <= 1e-8
    assert (conv2d_loops(x, w, b, stride, padding) - expected.detach()).abs().max().item() <= 1e-8
    dout = randn(*out.shape, seed=4)
    expected.backward(dout)
    dx = layer.backward(dout)
    for ours, leaf in ((dx, leaves[0]), (layer.grads["W"], leaves[1]), (layer.grads["b"], leaves[2])):
        assert (ours - leaf.grad).abs().max().item() <= 1e-8


@pytest.mark.parametrize("kernel, padding", [(3, 0), (3, 1), (5, 2), (2, 0)])
def test_the_input_gradient_of_a_convolution_is_a_full_convolution_with_the_flipped_kernel(kernel, padding):
    x, w = randn(2, 3, 9, 9, seed=5), randn(4, 3, kernel, kernel, seed=6)
    layer = Conv2d(w, torch.zeros(4, dtype=F64), padding=padding)
    dout = randn(*layer.forward(x).shape, seed=7)
    dx = layer.backward(dout)
    # pad dout by (kernel - 1 - padding), convolve with the kernel rotated by 180 degrees and in/out channels swapped
    flipped = w.flip(2, 3).transpose(0, 1)
    assert (dx - F.conv2d(dout, flipped, padding=kernel - 1 - padding)).abs().max().item() <= 1e-8


@pytest.mark.parametrize("pool, reference", [(MaxPool2d, F.max_pool2d), (AvgPool2d, F.avg_pool2d)])
@pytest.mark.parametrize("kernel, stride", [(2, None), (3, None), (2, 1), (3, 2)])
def test_pooling_forward_and_backward_match_pytorch(pool, reference, kernel, stride):
    x = randn(2, 3, 8, 7, seed=8).requires_grad_(True)
    layer = pool(kernel, stride)
    out = layer.forward(x.detach())
    expected = reference(x, kernel, stride)
    assert (out - expected.detach()).abs().max().item() <= 1e-8
    dout = randn(*out.shape, seed=9)
    expected.backward(dout)
    assert (layer.backward(dout) - x.grad).abs().max().item() <= 1e-8


def test_im2col_and_col2im_are_adjoint_and_conv_passes_the_gradient_check():
    x, cols = randn(2, 2, 6, 5, seed=10), randn(2, 2 * 3 * 3, 3 * 3, seed=11)  # 3 x 3 output positions
    # <im2col(x), cols> == <x, col2im(cols)>: col2im is the transpose of im2col, which is what backward needs
    lhs = (im2col(x, 3, 3, stride=2, padding=1) * cols).sum()
    rhs = (x * col2im(cols, x.shape, 3, 3, stride=2, padding=1)).sum()
    assert abs(lhs.item() - rhs.item()) <= 1e-10
    errors = check_layer(Conv2d(randn(2, 2, 3, 3, seed=12), randn(2, seed=13), stride=2, padding=1), x)
    assert set(errors) == {"x", "W", "b"} and max(errors.values()) <= 1e-6, errors


def test_output_size_and_clear_errors():
    assert output_size(28, 5) == 24 and output_size(28, 3, padding=1) == 28 and output_size(7, 3, stride=2) == 3
    assert output_size(8, 3, stride=2) == 3  # floor, as PyTorch
    with pytest.raises(ValueError, match="does not fit"):
        output_size(2, 5)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3, H, W\)"):
        Conv2d(randn(4, 3, 3, 3, seed=0), randn(4, seed=0)).forward(randn(1, 2, 5, 5, seed=0))
    with pytest.raises(ValueError, match="kernels expect 3"):
        conv2d_loops(randn(1, 2, 5, 5, seed=0), randn(4, 3, 3, 3, seed=0))
