"""Initializers against nn.init (by their statistics and fan rules) and BatchNorm against nn.BatchNorm1d/2d (float64)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from dlcourse.scratch import init
from dlcourse.scratch.batchnorm import BatchNorm

F64 = torch.float64


@pytest.mark.parametrize("shape, fans", [((30, 20), (20, 30)), ((16, 3, 5, 5), (75, 400)), ((8, 4, 3), (12, 24))])
def test_fan_in_and_fan_out_follow_pytorch(shape, fans):
    assert init.fan_in_and_fan_out(shape) == fans
    assert init.fan_in_and_fan_out(shape) == nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.fan_in_and_fan_out((10,))


@pytest.mark.parametrize("nonlinearity", ["linear", "sigmoid", "tanh", "relu"])
def test_gains_match_calculate_gain(nonlinearity):
    assert init.gain(nonlinearity) == pytest.approx(nn.init.calculate_gain(nonlinearity), rel=1e-12)
    with pytest.raises(ValueError, match="unknown nonlinearity 'gelu'"):
        init.gain("gelu")


def std_of(fill, shape) -> tuple[float, float]:
    torch.manual_seed(0)
    w = torch.empty(shape, dtype=F64)
    fill(w)
    return w.mean().item(), w.std().item()


CASES = [
    ("xavier_normal", lambda w: init.xavier_normal_(w), lambda w: nn.init.xavier_normal_(w), (400, 600)),
    ("xavier_uniform", lambda w: init.xavier_uniform_(w), lambda w: nn.init.xavier_uniform_(w), (400, 600)),
    ("xavier_tanh", lambda w: init.xavier_normal_(w, gain=init.gain("tanh")),
     lambda w: nn.init.xavier_normal_(w, gain=nn.init.calculate_gain("tanh")), (500, 500)),
    ("he_normal", lambda w: init.he_normal_(w), lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"), (300, 800)),
    ("he_uniform", lambda w: init.he_uniform_(w), lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"), (300, 800)),
    ("he_fan_out_conv", lambda w: init.he_normal_(w, mode="fan_out"),
     lambda w: nn.init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), (64, 32, 3, 3)),
    ("normal_0.01", lambda w: init.normal_(w, 0.01), lambda w: nn.init.normal_(w, 0.0, 0.01), (500, 500)),
]


@pytest.mark.parametrize("name, ours, theirs, shape", CASES, ids=[c[0] for c in CASES])
def test_initializers_have_the_statistics_of_nn_init(name, ours, theirs, shape):
    mean, std = std_of(ours, shape)
    _, their_std = std_of(theirs, shape)
    assert abs(mean) < 5 * std / math.sqrt(math.prod(shape))  # zero mean, within sampling error
    assert std == pytest.approx(their_std, rel=0.01)


def test_he_std_is_sqrt2_over_fan_in_and_zeros_are_zeros():
    _, std = std_of(lambda w: init.he_normal_(w), (1000, 500))
    assert std == pytest.approx(math.sqrt(2 / 500), rel=0.01)
    w = init.zeros_(torch.ones(3, 3))
    assert torch.equal(w, torch.zeros(3, 3))
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.he_normal_(torch.empty(3, 3), mode="fan")


def bn_pair(channels: int, two_d: bool, seed: int = 0) -> tuple[BatchNorm, nn.Module]:
    g = torch.Generator().manual_seed(seed)
    ours = BatchNorm(channels, momentum=0.2, dtype=F64)
    theirs = (nn.BatchNorm2d if two_d else nn.BatchNorm1d)(channels, momentum=0.2).double()
    gamma, beta = torch.rand(channels, generator=g, dtype=F64) + 0.5, torch.randn(channels, generator=g, dtype=F64)
    ours.params["gamma"], ours.params["beta"] = gamma.clone(), beta.clone()
    with torch.no_grad():
        theirs.weight.copy_(gamma)
        theirs.bias.copy_(beta)
    return ours, theirs


@pytest.mark.parametrize("two_d", [False, True], ids=["BatchNorm1d", "BatchNorm2d"])
def test_batchnorm_matches_pytorch_in_train_and_eval_mode_forward_and_backward(two_d):
    ours, theirs = bn_pair(3, two_d)
    g = torch.Generator().manual_seed(1)
    shape = (6, 3, 4, 5) if two_d else (8, 3)
    for step in range(4):  # several training steps move the running statistics
        x = (3 * torch.randn(shape, generator=g, dtype=F64) + 2).requires_grad_(True)
        dout = torch.randn(shape, generator=g, dtype=F64)
        y = ours.forward(x.detach())
        dx = ours.backward(dout)
        y_ref = theirs(x)
        y_ref.backward(dout)
        assert (y - y_ref.detach()).abs().max().item() <= 1e-8
        assert (dx - x.grad).abs().max().item() <= 1e-8
        assert (ours.grads["gamma"] - theirs.weight.grad).abs().max().item() <= 1e-8
        assert (ours.grads["beta"] - theirs.bias.grad).abs().max().item() <= 1e-8
        theirs.zero_grad()
    assert (ours.running_mean - theirs.running_mean).abs().max().item() <= 1e-12
    assert (ours.running_var - theirs.running_var).abs().max().item() <= 1e-12

    assert ours.eval() is ours and not ours.training
    theirs.eval()
    x = torch.randn(shape, generator=g, dtype=F64).requires_grad_(True)
    dout = torch.randn(shape, generator=g, dtype=F64)
    y = ours.forward(x.detach())
    theirs(x).backward(dout)
    assert (y - theirs(x).detach()).abs().max().item() <= 1e-8
    assert (ours.backward(dout) - x.grad).abs().max().item() <= 1e-8


def test_batchnorm_backward_passes_the_numerical_gradient_check():
    from dlcourse.scratch import check_layer

    ours, _ = bn_pair(4, False)
    x = torch.randn(5, 4, generator=torch.Generator().manual_seed(2), dtype=F64)
    errors = check_layer(ours, x)
    assert set(errors) == {"x", "gamma", "beta"} and max(errors.values()) <= 1e-6, errors


def test_batchnorm_rejects_wrong_shapes_and_single_values_with_advice():
    bn = BatchNorm(3, dtype=F64)
    with pytest.raises(ValueError, match=r"expects input of shape \(N, 3\) or \(N, 3, H, W\), got \(4, 5\)"):
        bn.forward(torch.zeros(4, 5, dtype=F64))
    with pytest.raises(ValueError, match="call .eval"):
        bn.forward(torch.zeros(1, 3, dtype=F64))
