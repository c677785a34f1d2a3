"""Each hand-written optimizer against its torch.optim counterpart: 100 steps, float64, within 1e-8."""

from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from dlcourse.scratch import optimizers as ours

# (our class, our settings, torch class, torch settings): PyTorch's defaults and one non-default setting each
CASES = {
    "sgd": (ours.SGD, {"lr": 0.05}, torch.optim.SGD, {"lr": 0.05}),
    "sgd-weight-decay": (ours.SGD, {"lr": 0.05, "weight_decay": 0.1}, torch.optim.SGD, {"lr": 0.05, "weight_decay": 0.1}),
    "momentum": (ours.Momentum, {"lr": 0.05, "momentum": 0.9}, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
    "momentum-0.5-wd": (ours.Momentum, {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01},
                        torch.optim.SGD, {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    "nesterov": (ours.Nesterov, {"lr": 0.05, "momentum": 0.9}, torch.optim.SGD,
                 {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "nesterov-0.7-wd": (ours.Nesterov, {"lr": 0.02, "momentum": 0.7, "weight_decay": 0.05}, torch.optim.SGD,
                        {"lr": 0.02, "momentum": 0.7, "nesterov": True, "weight_decay": 0.05}),
    "adagrad": (ours.AdaGrad, {}, torch.optim.Adagrad, {}),
    "adagrad-lr-eps": (ours.AdaGrad, {"lr": 0.5, "eps": 1e-6}, torch.optim.Adagrad, {"lr": 0.5, "eps": 1e-6}),
    "rmsprop": (ours.RMSprop, {}, torch.optim.RMSprop, {}),
    "rmsprop-alpha": (ours.RMSprop, {"lr": 0.003, "alpha": 0.9}, torch.optim.RMSprop, {"lr": 0.003, "alpha": 0.9}),
    "adadelta": (ours.Adadelta, {}, torch.optim.Adadelta, {}),
    "adadelta-rho": (ours.Adadelta, {"lr": 0.5, "rho": 0.95, "eps": 1e-5}, torch.optim.Adadelta,
                     {"lr": 0.5, "rho": 0.95, "eps": 1e-5}),
    "adam": (ours.Adam, {}, torch.optim.Adam, {}),
    "adam-betas-wd": (ours.Adam, {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1},
                      torch.optim.Adam, {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.1}),
    "adamw": (ours.AdamW, {}, torch.optim.AdamW, {}),
    "adamw-wd": (ours.AdamW, {"lr": 0.01, "weight_decay": 0.3, "eps": 1e-6}, torch.optim.AdamW,
                 {"lr": 0.01, "weight_decay": 0.3, "eps": 1e-6}),
}


def problem(seed: int = 0) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A small tanh network and a regression batch: curved enough that every optimizer state matters."""
    g = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 2)).double()
    return model, torch.randn(16, 3, generator=g, dtype=torch.float64), torch.randn(16, 2, generator=g, dtype=torch.float64)


def trajectory(model: nn.Module, optimizer: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor,
               steps: int = 100) -> list[torch.Tensor]:
    points = []
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        points.append(torch.cat([p.detach().flatten() for p in model.parameters()]).clone())
    return points


@pytest.mark.parametrize("case", CASES)
def test_matches_torch_optim_for_100_steps(case):
    our_class, our_settings, torch_class, torch_settings = CASES[case]
    model, x, y = problem()
    twin = copy.deepcopy(model)
    ours_path = trajectory(model, our_class(model.parameters(), **our_settings), x, y)
    torch_path = trajectory(twin, torch_class(twin.parameters(), **torch_settings), x, y)
    worst = max((a - b).abs().max().item() for a, b in zip(ours_path, torch_path))
    assert worst <= 1e-8, f"{case}: parameters drift {worst:.3g} from torch.optim"
    assert (ours_path[-1] - ours_path[0]).abs().max().item() > 1e-3, "the parameters should have moved"


def test_textbook_momentum_differs_from_torch_once_the_learning_rate_changes():
    model, x, y = problem()
    twin = copy.deepcopy(model)
    ours_opt = ours.Momentum(model.parameters(), lr=0.05, momentum=0.9)
    torch_opt = torch.optim.SGD(twin.parameters(), lr=0.05, momentum=0.9)
    schedulers = [torch.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.1) for o in (ours_opt, torch_opt)]
    a = trajectory_with(model, ours_opt, schedulers[0], x, y)
    b = trajectory_with(twin, torch_opt, schedulers[1], x, y)
    assert (a[9] - b[9]).abs().max().item() <= 1e-12  # identical while lr is constant
    assert (a[10] - b[10]).abs().max().item() > 1e-6  # then the stored velocity carries the old rate


def trajectory_with(model, optimizer, scheduler, x, y, steps: int = 20) -> list[torch.Tensor]:
    points = []
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        scheduler.step()
        points.append(torch.cat([p.detach().flatten() for p in model.parameters()]).clone())
    return points


def test_adam_efficient_form_is_adam_with_eps_scaled_by_the_bias_correction():
    """The paper's efficient update equals ours when eps' = eps * sqrt(1 - beta2^t) (exact relation)."""
    model, x, y = problem()
    optimizer = ours.Adam(model.parameters(), lr=0.01, eps=1e-3)  # a large eps makes the placement matter
    beta1, beta2, eps = 0.9, 0.999, 1e-3
    p = next(model.parameters())
    m = torch.zeros_like(p)
    v = torch.zeros_like(p)
    for t in range(1, 31):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        g = p.grad.clone()
        before = p.detach().clone()
        optimizer.step()
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        lr_t = 0.01 * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        same = before - lr_t * m / (v.sqrt() + eps * math.sqrt(1 - beta2**t))
        naive = before - lr_t * m / (v.sqrt() + eps)
        assert (p.detach() - same).abs().max().item() <= 1e-12
        if t == 1:
            assert (p.detach() - naive).abs().max().item() > 1e-6


def test_our_optimizers_work_with_torch_schedulers_and_fit_state():
    model, x, y = problem()
    optimizer = ours.Adam(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=10)
    for _ in range(10):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.0, abs=1e-12)
    assert all(optimizer.state[p]["t"] == 10 for p in model.parameters())


def test_make_optimizer_by_name_and_clear_errors():
    model, _, _ = problem()
    assert isinstance(ours.make_optimizer("AdaGrad", model.parameters(), lr=0.1), ours.AdaGrad)
    with pytest.raises(ValueError, match=r"unknown optimizer 'adm'. Did you mean 'adam'\? Choose one of: sgd, "):
        ours.make_optimizer("adm", model.parameters())
    with pytest.raises(ValueError, match="lr must be > 0, got -0.1"):
        ours.SGD(model.parameters(), lr=-0.1)
    with pytest.raises(ValueError, match=r"momentum must be in \[0, 1\), got 1.5"):
        ours.Momentum(model.parameters(), momentum=1.5)
