"""Convolution and pooling (chapter 7), written twice: as loops to understand, with im2col to be fast.

A 2-D convolution layer (a cross-correlation, as in every deep learning library) slides ``F`` kernels
of shape ``(C, kh, kw)`` over an input ``(N, C, H, W)``:

    out[n, f, i, j] = b[f] + sum_{c, u, v} w[f, c, u, v] * x_pad[n, c, i*S + u, j*S + v]

with padding ``P`` (zeros around the border) and stride ``S``; the output is ``(N, F, H', W')`` with
``H' = (H + 2P - kh) / S + 1`` (:func:`output_size`). **im2col** copies every receptive field into a
column, so the whole convolution becomes one matrix product ``W_matrix @ columns``; its backward is
two more products and **col2im**, which adds the column gradients back into image positions.
"""

from __future__ import annotations

import torch
from torch.nn import functional as F

from dlcourse.scratch.layers import Layer


def output_size(size: int, kernel: int, padding: int = 0, stride: int = 1) -> int:
    """``floor((size + 2 * padding - kernel) / stride) + 1``; as in PyTorch, rows the kernel cannot reach are dropped."""
    span = size + 2 * padding - kernel
    if span < 0:
        raise ValueError(f"a kernel of {kernel} does not fit an input of {size} with padding {padding}; "
                         "use a smaller kernel or more padding")
    return span // stride + 1


def conv2d_loops(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor | None = None, stride: int = 1,
                 padding: int = 0) -> torch.Tensor:
    """The definition, one output position at a time (slow; for understanding and for checking)."""
    n, c, h, width = x.shape
    f, c_w, kh, kw = w.shape
    if c != c_w:
        raise ValueError(f"input has {c} channels but the kernels expect {c_w}")
    out_h, out_w = output_size(h, kh, padding, stride), output_size(width, kw, padding, stride)
    x = F.pad(x, (padding, padding, padding, padding))
    out = x.new_zeros(n, f, out_h, out_w)
    for i in range(out_h):
        for j in range(out_w):
            patch = x[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]  # (N, C, kh, kw)
            out[:, :, i, j] = torch.einsum("ncuv,fcuv->nf", patch, w)
    return out if b is None else out + b.view(1, f, 1, 1)


def im2col(x: torch.Tensor, kh: int, kw: int, stride: int = 1, padding: int = 0) -> torch.Tensor:
    """``(N, C, H, W)`` to ``(N, C*kh*kw, H'*W')``: column ``l`` holds the receptive field of output position ``l``.

    One loop over the ``kh * kw`` kernel offsets (not over the output positions): offset ``(u, v)``
    reads the strided grid of input pixels it meets at every output position.
    """
    n, c, h, w = x.shape
    out_h, out_w = output_size(h, kh, padding, stride), output_size(w, kw, padding, stride)
    x = F.pad(x, (padding, padding, padding, padding))
    cols = x.new_empty(n, c, kh, kw, out_h, out_w)
    for u in range(kh):
        for v in range(kw):
            cols[:, :, u, v] = x[:, :, u:u + stride * out_h:stride, v:v + stride * out_w:stride]
    return cols.reshape(n, c * kh * kw, out_h * out_w)


def col2im(cols: torch.Tensor, shape: tuple[int, int, int, int], kh: int, kw: int, stride: int = 1,
           padding: int = 0) -> torch.Tensor:
    """The adjoint of :func:`im2col`: add every column entry back to the input pixel it was copied from."""
    n, c, h, w = shape
    out_h, out_w = output_size(h, kh, padding, stride), output_size(w, kw, padding, stride)
    cols = cols.reshape(n, c, kh, kw, out_h, out_w)
    x = cols.new_zeros(n, c, h + 2 * padding, w + 2 * padding)
    for u in range(kh):
        for v in range(kw):
            x[:, :, u:u + stride * out_h:stride, v:v + stride * out_w:stride] += cols[:, :, u, v]
    return x[:, :, padding:padding + h, padding:padding + w]


class Conv2d(Layer):
    """Convolution by im2col. Forward: ``out = W_matrix @ im2col(x) + b``.

    Backward, with ``dout`` reshaped to ``(N, F, H'*W')``: ``dW = sum_n dout_n @ cols_n^T``,
    ``db = sum of dout over n, i, j`` and ``dx = col2im(W_matrix^T @ dout)``.
    """

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor, stride: int = 1, padding: int = 0) -> None:
        super().__init__()
        if weight.ndim != 4 or bias.shape != (weight.shape[0],):
            raise ValueError(f"Conv2d needs a weight (F, C, kh, kw) and a bias (F,); got {tuple(weight.shape)} and "
                             f"{tuple(bias.shape)}")
        self.params = {"W": weight, "b": bias}
        self.stride, self.padding = stride, padding

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.params["W"]
        f, c, kh, kw = w.shape
        if x.ndim != 4 or x.shape[1] != c:
            raise ValueError(f"Conv2d expects input of shape (N, {c}, H, W), got {tuple(x.shape)}")
        self.x_shape = tuple(x.shape)
        self.cols = im2col(x, kh, kw, self.stride, self.padding)  # (N, C*kh*kw, L)
        out = w.reshape(f, -1) @ self.cols + self.params["b"].view(1, f, 1)  # (N, F, L)
        out_h = output_size(x.shape[2], kh, self.padding, self.stride)
        return out.reshape(x.shape[0], f, out_h, -1)

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        w = self.params["W"]
        f, _, kh, kw = w.shape
        dout = dout.reshape(dout.shape[0], f, -1)  # (N, F, L)
        self.grads = {"W": (dout @ self.cols.transpose(1, 2)).sum(dim=0).reshape(w.shape), "b": dout.sum(dim=(0, 2))}
        dcols = w.reshape(f, -1).T @ dout  # (N, C*kh*kw, L)
        return col2im(dcols, self.x_shape, kh, kw, self.stride, self.padding)


class Pool2d(Layer):
    """What both poolings share: ``k x k`` windows (stride ``k`` unless given) of every channel, as im2col columns."""

    def __init__(self, kernel: int, stride: int | None = None) -> None:
        super().__init__()
        self.kernel, self.stride = kernel, stride or kernel

    def windows(self, x: torch.Tensor) -> torch.Tensor:
        """``(N, C, H, W)`` to ``(N*C, k*k, H'*W')``: each channel on its own, one column per window."""
        n, c, h, w = x.shape
        self.x_shape = tuple(x.shape)
        self.out_shape = (n, c, output_size(h, self.kernel, 0, self.stride), output_size(w, self.kernel, 0, self.stride))
        return im2col(x.reshape(n * c, 1, h, w), self.kernel, self.kernel, self.stride)

    def to_image(self, dcols: torch.Tensor) -> torch.Tensor:
        """The adjoint of :meth:`windows`: window gradients back to an input-shaped gradient."""
        n, c, h, w = self.x_shape
        return col2im(dcols, (n * c, 1, h, w), self.kernel, self.kernel, self.stride).reshape(self.x_shape)


class MaxPool2d(Pool2d):
    """The maximum of each window. Backward: each upstream gradient goes to the position of its maximum."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cols = self.windows(x)
        self.argmax = cols.argmax(dim=1)  # the first maximum, as PyTorch
        return cols.max(dim=1).values.reshape(self.out_shape)

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        dcols = dout.new_zeros(self.argmax.shape[0], self.kernel**2, self.argmax.shape[1])
        dcols.scatter_(1, self.argmax.unsqueeze(1), dout.reshape(self.argmax.shape[0], 1, -1))
        return self.to_image(dcols)


class AvgPool2d(Pool2d):
    """The mean of each window. Backward: ``dout / k^2`` to every pixel of the window."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.windows(x).mean(dim=1).reshape(self.out_shape)

    def backward(self, dout: torch.Tensor) -> torch.Tensor:
        per_window = dout.reshape(self.out_shape[0] * self.out_shape[1], 1, -1) / self.kernel**2
        return self.to_image(per_window.expand(-1, self.kernel**2, -1))
