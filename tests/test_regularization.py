"""Dropout, label smoothing, batch augmentation, mixing and early stopping (chapter 6's helpers)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse import augment
from dlcourse.data import Split
from dlcourse.early_stopping import EarlyStopping
from dlcourse.scratch.dropout import Dropout
from dlcourse.scratch.label_smoothing import smooth_labels, smoothed_cross_entropy
from dlcourse.train import History, fit


def test_dropout_is_inverted_like_nn_dropout_in_train_and_identity_in_eval():
    x = torch.rand(200, 500, dtype=torch.float64) + 0.5
    layer = Dropout(0.3, generator=torch.Generator().manual_seed(0))
    out = layer.forward(x)
    kept = out != 0
    reference = nn.Dropout(0.3).train()(x)
    for y in (out, reference):  # kept values are scaled by 1 / (1 - p), the mean is preserved
        assert torch.allclose(y[y != 0], (x / 0.7)[y != 0], atol=1e-12, rtol=0)
        assert abs((y == 0).double().mean().item() - 0.3) < 0.01
        assert abs(y.mean().item() / x.mean().item() - 1) < 0.01
    dout = torch.randn_like(x)
    assert torch.allclose(layer.backward(dout), dout * kept / 0.7, atol=1e-12, rtol=0)
    assert layer.eval().forward(x) is x and torch.equal(layer.backward(dout), dout)
    assert torch.equal(nn.Dropout(0.3).eval()(x), x)


def test_dropout_masks_follow_the_generator_and_bad_p_is_rejected():
    x = torch.ones(4, 6)
    a = Dropout(0.5, torch.Generator().manual_seed(1)).forward(x)
    b = Dropout(0.5, torch.Generator().manual_seed(1)).forward(x)
    assert torch.equal(a, b)
    with pytest.raises(ValueError, match=r"dropout probability must be in \[0, 1\), got 1.0"):
        Dropout(1.0)


@pytest.mark.parametrize("eps", [0.0, 0.1, 0.3])
def test_label_smoothing_matches_cross_entropy_label_smoothing(eps):
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(16, 5, generator=g, dtype=torch.float64) * 3
    labels = torch.randint(0, 5, (16,), generator=g)
    expected = nn.CrossEntropyLoss(label_smoothing=eps)(logits, labels)
    assert abs(smoothed_cross_entropy(logits, labels, eps).item() - expected.item()) <= 1e-12
    targets = smooth_labels(labels, 5, eps)
    assert torch.allclose(targets.sum(dim=1), torch.ones(16))
    assert targets[0, labels[0]].item() == pytest.approx(1 - eps + eps / 5)
    with pytest.raises(ValueError, match="class indices"):
        smooth_labels(targets, 5, eps)


def images(n: int = 8) -> torch.Tensor:
    return torch.arange(n * 2 * 5 * 6, dtype=torch.float32).reshape(n, 2, 5, 6)


def test_random_shift_moves_whole_images_and_fills_the_border():
    x = images()
    out = augment.random_shift(x, 2, fill=-1.0, generator=torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    for i in range(len(x)):  # each output is the input moved by some (dy, dx) with the rest filled
        found = False
        for dy in range(-2, 3):
            for dx in range(-2, 3):
                moved = torch.full_like(x[i], -1.0)
                src = x[i][:, max(-dy, 0):5 - max(dy, 0), max(-dx, 0):6 - max(dx, 0)]
                moved[:, max(dy, 0):max(dy, 0) + src.shape[1], max(dx, 0):max(dx, 0) + src.shape[2]] = src
                found |= torch.equal(out[i], moved)
        assert found, i
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        augment.random_shift(x[0], 1)


def test_random_flip_mirrors_some_images_and_noise_has_its_std():
    x = images(64)
    out = augment.random_flip(x, generator=torch.Generator().manual_seed(0))
    flipped = [torch.equal(out[i], x[i].flip(-1)) for i in range(64)]
    assert all(f or torch.equal(out[i], x[i]) for i, f in enumerate(flipped)) and 16 < sum(flipped) < 48
    noisy = augment.gaussian_noise(torch.zeros(100_000), 0.5, torch.Generator().manual_seed(0))
    assert abs(noisy.std().item() - 0.5) < 0.01


@pytest.mark.parametrize("mix", [augment.mixup, augment.cutmix])
def test_mixing_keeps_targets_probabilities_consistent_with_the_images(mix):
    x = torch.stack([torch.full((1, 8, 8), float(k)) for k in range(6)])
    y = torch.arange(6)
    mixed, targets = mix(x, y, num_classes=6, alpha=1.0, generator=torch.Generator().manual_seed(3))
    assert mixed.shape == x.shape and targets.shape == (6, 6)
    assert torch.allclose(targets.sum(dim=1), torch.ones(6))
    # image i is sum_k targets[i, k] * (image of class k) on average over its pixels
    assert torch.allclose(mixed.mean(dim=(1, 2, 3)), targets @ torch.arange(6.0), atol=1e-5)
    again = mix(x, y, num_classes=6, alpha=1.0, generator=torch.Generator().manual_seed(3))
    assert torch.equal(again[0], mixed)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        mix(x, y, num_classes=6, alpha=0.0)


def test_early_stopping_stops_after_patience_and_restores_the_best_weights():
    model = nn.Linear(1, 1)
    stopper = EarlyStopping(patience=2)
    history = History()
    losses = [1.0, 0.5, 0.6, 0.7, 0.4]
    stopped_at = None
    for epoch, loss in enumerate(losses, start=1):
        with torch.no_grad():
            model.weight.fill_(epoch)
        history.records.append({"epoch": epoch, "val_loss": loss})
        if stopper(history, model):
            stopped_at = epoch
            break
    assert stopped_at == 4 and stopper.best_epoch == 2
    stopper.on_train_end(history, model)
    assert model.weight.item() == 2.0
    by_accuracy = EarlyStopping(patience=1, monitor="val_acc", mode="max")
    assert not by_accuracy(History([{"epoch": 1, "val_acc": 0.5}]), model)
    assert by_accuracy(History([{"epoch": 1, "val_acc": 0.5}, {"epoch": 2, "val_acc": 0.4}]), model)
    with pytest.raises(ValueError, match="mode must be 'min'"):
        EarlyStopping(mode="up")
    with pytest.raises(KeyError, match="pass val=... to fit"):
        EarlyStopping()(History([{"epoch": 1, "train_loss": 1.0}]), model)


def test_fit_applies_augment_to_training_batches_only_and_calls_on_train_end():
    g = torch.Generator().manual_seed(0)
    train = Split(torch.randn(64, 1, 4, 4, generator=g), torch.randint(0, 3, (64,), generator=g))
    seen = []

    def soft(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        seen.append(len(x))
        return augment.mixup(x, y, num_classes=3, generator=g)

    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    stopper = EarlyStopping(patience=10)
    history = fit(model, torch.optim.SGD(model.parameters(), lr=0.1), train, val=train, epochs=3, batch_size=16,
                  augment=soft, callbacks=[stopper], progress=False, verbose=False)
    assert seen == [16] * 12 and len(history) == 3
    assert 0.0 <= history.last()["train_acc"] <= 1.0
    assert torch.equal(model.state_dict()["1.weight"], stopper.best_state["1.weight"])
