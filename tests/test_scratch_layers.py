"""Hand-written layers against torch.autograd (float64, max abs diff <= 1e-8) and central differences (<= 1e-6)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse.scratch import (
    Add, Affine, BinaryCrossEntropy, Mul, ReLU, Sequential, Sigmoid, SoftmaxWithLoss, check_layer, numerical_gradient,
    relative_error,
)

F64 = torch.float64


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def randn(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=gen(seed), dtype=F64)


def autograd_grads(fn, tensors: dict[str, torch.Tensor], upstream: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    leaves = {k: v.detach().clone().requires_grad_(True) for k, v in tensors.items()}
    out = fn(**leaves)
    out.backward(upstream if upstream is not None else torch.ones_like(out))
    return {k: v.grad for k, v in leaves.items()}


def max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    assert a.shape == b.shape
    return (a - b).abs().max().item()


@pytest.mark.parametrize("shape", [(1, 3, 2), (5, 4, 3), (16, 7, 1)])
def test_affine_matches_autograd_and_numerical_gradient(shape):
    n, n_in, n_out = shape
    x, w, b, dout = randn(n, n_in, seed=1), randn(n_in, n_out, seed=2), randn(n_out, seed=3), randn(n, n_out, seed=4)
    layer = Affine(w.clone(), b.clone())
    out = layer.forward(x)
    dx = layer.backward(dout)
    expected = autograd_grads(lambda x, W, b: x @ W + b, {"x": x, "W": w, "b": b}, dout)
    assert max_diff(out, x @ w + b) <= 1e-12
    assert max_diff(dx, expected["x"]) <= 1e-8
    assert max_diff(layer.grads["W"], expected["W"]) <= 1e-8
    assert max_diff(layer.grads["b"], expected["b"]) <= 1e-8
    errors = check_layer(Affine(w.clone(), b.clone()), x)
    assert set(errors) == {"x", "W", "b"} and max(errors.values()) <= 1e-6, errors


def test_affine_agrees_with_nn_linear_given_the_transposed_weight():
    linear = nn.Linear(6, 4).double()
    x = randn(3, 6)
    layer = Affine(linear.weight.detach().T.clone(), linear.bias.detach().clone())
    assert max_diff(layer.forward(x), linear(x).detach()) <= 1e-12


@pytest.mark.parametrize("layer_class, torch_fn", [(Sigmoid, torch.sigmoid), (ReLU, torch.relu)])
def test_activations_match_autograd_and_numerical_gradient(layer_class, torch_fn):
    x, dout = randn(8, 5, seed=5) * 3, randn(8, 5, seed=6)
    layer = layer_class()
    assert max_diff(layer.forward(x), torch_fn(x)) <= 1e-12
    assert max_diff(layer.backward(dout), autograd_grads(torch_fn, {"input": x}, dout)["input"]) <= 1e-8
    assert check_layer(layer_class(), x)["x"] <= 1e-6


def test_relu_gradient_at_zero_is_zero_like_pytorch():
    x = torch.tensor([[-1.0, 0.0, 2.0]], dtype=F64)
    layer = ReLU()
    layer.forward(x)
    assert layer.backward(torch.ones_like(x)).tolist() == [[0.0, 0.0, 1.0]]
    assert autograd_grads(torch.relu, {"input": x})["input"].tolist() == [[0.0, 0.0, 1.0]]


def test_add_and_mul_nodes_route_the_gradient():
    x, y, dout = randn(4, seed=1), randn(4, seed=2), randn(4, seed=3)
    add, mul = Add(), Mul()
    assert torch.equal(add.forward(x, y), x + y) and torch.equal(mul.forward(x, y), x * y)
    expected = autograd_grads(lambda x, y: x * y, {"x": x, "y": y}, dout)
    dx, dy = mul.backward(dout)
    assert max_diff(dx, expected["x"]) <= 1e-12 and max_diff(dy, expected["y"]) <= 1e-12
    assert all(torch.equal(g, dout) for g in add.backward(dout))


@pytest.mark.parametrize("targets", ["indices", "probabilities"])
def test_softmax_with_loss_matches_cross_entropy_and_autograd(targets):
    logits = randn(6, 4, seed=7) * 4
    if targets == "indices":
        t = torch.tensor([0, 3, 1, 1, 2, 0])
    else:
        t = torch.softmax(randn(6, 4, seed=8), dim=1)
    node = SoftmaxWithLoss()
    loss = node.forward(logits, t)
    reference = nn.functional.cross_entropy(logits, t)
    assert abs(loss.item() - reference.item()) <= 1e-12
    expected = autograd_grads(lambda z: nn.functional.cross_entropy(z, t), {"z": logits})["z"]
    assert max_diff(node.backward(1.0), expected) <= 1e-8

    def f() -> float:
        return SoftmaxWithLoss().forward(logits, t).item()

    assert relative_error(node.backward(1.0), numerical_gradient(f, logits)) <= 1e-6


def test_softmax_with_loss_is_stable_for_huge_logits_and_rejects_bad_targets():
    logits = torch.tensor([[1000.0, 0.0], [0.0, -1000.0]], dtype=F64)
    loss = SoftmaxWithLoss().forward(logits, torch.tensor([1, 0]))
    assert torch.isfinite(loss) and abs(loss.item() - 500.0) <= 1e-9
    with pytest.raises(ValueError, match="class indices of shape"):
        SoftmaxWithLoss().forward(logits, torch.tensor([1, 0, 1]))
    with pytest.raises(ValueError, match="logits of shape"):
        SoftmaxWithLoss().forward(logits[0], torch.tensor([1]))


def test_binary_cross_entropy_matches_bce_loss_and_autograd():
    p = torch.sigmoid(randn(5, 1, seed=9))
    y = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0]], dtype=F64)
    node = BinaryCrossEntropy()
    assert abs(node.forward(p, y).item() - nn.functional.binary_cross_entropy(p, y).item()) <= 1e-12
    expected = autograd_grads(lambda p: nn.functional.binary_cross_entropy(p, y), {"p": p})["p"]
    assert max_diff(node.backward(1.0), expected) <= 1e-8
    with pytest.raises(ValueError, match="same shape"):
        node.forward(p, y.squeeze(1))


def test_affine_rejects_wrong_shapes_with_advice():
    with pytest.raises(ValueError, match=r"W of shape \(in, out\)"):
        Affine(randn(3, 2), randn(3))
    layer = Affine(randn(784, 10), randn(10))
    with pytest.raises(ValueError, match="flatten images first"):
        layer.forward(randn(2, 1, 28, 28))


def test_gradient_check_catches_a_wrong_backward():
    class WrongSigmoid(Sigmoid):
        def backward(self, dout: torch.Tensor) -> torch.Tensor:
            return dout * self.out  # forgot the (1 - out) factor

    assert check_layer(WrongSigmoid(), randn(4, 3))["x"] > 0.1
    with pytest.raises(ValueError, match="float64"):
        check_layer(Sigmoid(), randn(4, 3).float())


def xor_data() -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=F64)
    return x, torch.tensor([[0], [1], [1], [0]], dtype=F64)


def test_manual_xor_network_and_autograd_give_identical_losses_for_100_steps():
    x, y = xor_data()
    g = gen(0)
    start = [torch.randn(2, 2, generator=g, dtype=F64), torch.randn(2, generator=g, dtype=F64),
             torch.randn(2, 1, generator=g, dtype=F64), torch.randn(1, generator=g, dtype=F64)]

    manual = Sequential([Affine(start[0].clone(), start[1].clone()), Sigmoid(),
                         Affine(start[2].clone(), start[3].clone()), Sigmoid()], BinaryCrossEntropy())
    manual_losses = []
    for _ in range(100):
        manual_losses.append(manual.loss(x, y).item())
        manual.backward()
        manual.sgd_step(lr=1.0)

    w1, b1, w2, b2 = (t.clone().requires_grad_(True) for t in start)
    autograd_losses = []
    for _ in range(100):
        loss = nn.functional.binary_cross_entropy(torch.sigmoid(torch.sigmoid(x @ w1 + b1) @ w2 + b2), y)
        autograd_losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (w1, b1, w2, b2):
                p -= 1.0 * p.grad
                p.grad = None

    assert manual_losses[-1] < manual_losses[0]
    assert max(abs(a - b) for a, b in zip(manual_losses, autograd_losses)) <= 1e-12
    final = {name: t for name, t, _ in manual.parameters()}
    assert max_diff(final["0.W"], w1.detach()) <= 1e-10 and max_diff(final["2.b"], b2.detach()) <= 1e-10


def test_scratch_network_on_the_input_device_and_dtype():
    x = randn(3, 4).float()
    net = Sequential([Affine(torch.randn(4, 5), torch.zeros(5)), ReLU(), Affine(torch.randn(5, 3), torch.zeros(3))],
                     SoftmaxWithLoss())
    loss = net.loss(x, torch.tensor([0, 2, 1]))
    net.backward()
    assert loss.dtype == torch.float32
    assert all(g.shape == t.shape and g.dtype == torch.float32 for _, t, g in net.parameters())
