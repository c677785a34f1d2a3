import pytest
import torch
from torch import nn

from dlcourse.data import Split
from dlcourse.train import History, accuracy, evaluate, fit, predict


def blobs(n: int = 200, seed: int = 0) -> Split:
    """Two well-separated Gaussian blobs in 2-D: a linear model must get them right."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=g)
    x = torch.randn(n, 2, generator=g) + 3 * (2 * y.unsqueeze(1) - 1)
    return Split(x, y)


def model(seed: int = 0) -> nn.Module:
    torch.manual_seed(seed)
    return nn.Linear(2, 2)


def test_fit_learns_and_records_history(capsys):
    net = model()
    history = fit(net, torch.optim.SGD(net.parameters(), lr=0.1), blobs(), val=blobs(seed=1), epochs=4,
                  batch_size=16, progress=False)
    assert len(history) == 4 and history["epoch"] == [1, 2, 3, 4]
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history.last()["val_acc"] > 0.97
    assert set(history.last()) == {"epoch", "train_loss", "train_acc", "lr", "val_loss", "val_acc", "seconds"}
    assert capsys.readouterr().out.count("val loss") == 4
    with pytest.raises(KeyError, match="'nope' was not recorded"):
        history["nope"]


def test_train_metrics_are_epoch_averages():
    """With lr=0 the weights never change, so the epoch average equals a plain evaluation."""
    net = model()
    data = blobs()
    history = fit(net, torch.optim.SGD(net.parameters(), lr=0.0), data, epochs=1, batch_size=7,
                  progress=False, verbose=False)
    scores = evaluate(net, data)
    assert history.last()["train_loss"] == pytest.approx(scores["loss"], rel=1e-5)
    assert history.last()["train_acc"] == pytest.approx(scores["acc"])


def test_same_seed_same_history():
    runs = []
    for _ in range(2):
        net = model()
        runs.append(fit(net, torch.optim.SGD(net.parameters(), lr=0.1), blobs(), epochs=2, batch_size=8,
                        generator=torch.Generator().manual_seed(0), progress=False, verbose=False)["train_loss"])
    assert runs[0] == runs[1]


def test_callback_can_stop_training():
    net = model()
    calls = []

    def stop_after_two(history: History, _model: nn.Module) -> bool:
        calls.append(len(history))
        return len(history) == 2

    history = fit(net, torch.optim.SGD(net.parameters(), lr=0.1), blobs(), epochs=10, callbacks=[stop_after_two],
                  progress=False, verbose=False)
    assert len(history) == 2 and calls == [1, 2]


def test_schedulers_per_epoch_per_batch_and_on_plateau():
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    history = fit(net, opt, blobs(), epochs=3, scheduler=torch.optim.lr_scheduler.StepLR(opt, 1, gamma=0.5),
                  progress=False, verbose=False)
    assert history["lr"] == [1.0, 0.5, 0.25]
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    fit(net, opt, blobs(n=64), epochs=1, batch_size=16, scheduler_per_batch=True,
        scheduler=torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5), progress=False, verbose=False)
    assert opt.param_groups[0]["lr"] == 0.5**4  # 4 batches


class RecordingPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        super().__init__(optimizer)
        self.metrics: list[float] = []

    def step(self, metrics: float, epoch: None = None) -> None:  # type: ignore[override]
        self.metrics.append(metrics)
        super().step(metrics)


@pytest.mark.parametrize("with_val", [True, False])
def test_reduce_on_plateau_watches_validation_loss(with_val):
    net = model()
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    plateau = RecordingPlateau(opt)
    history = fit(net, opt, blobs(), val=blobs(seed=1) if with_val else None, epochs=3, scheduler=plateau,
                  progress=False, verbose=False)
    assert plateau.metrics == history["val_loss" if with_val else "train_loss"]


def test_accuracy_and_predict():
    logits = torch.tensor([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match=r"expected logits \(n, classes\) and labels \(n,\)"):
        accuracy(logits, torch.tensor([0, 1]))
    net = model()
    net.train()
    out = predict(net, torch.randn(10, 2), batch_size=3)
    assert out.shape == (10, 2) and net.training and not out.requires_grad


def test_bad_epochs():
    net = model()
    with pytest.raises(ValueError, match="epochs must be at least 1"):
        fit(net, torch.optim.SGD(net.parameters(), lr=0.1), blobs(), epochs=0)


@pytest.mark.parametrize(("amp", "computes_in", "scales"), [
    (False, torch.float32, False),
    (True, torch.bfloat16, False),  # what amp=True picks on the CPU
    (torch.float16, torch.float16, True),  # what amp=True picks on a GPU: the GradScaler path, run on the CPU
])
def test_mixed_precision_runs_the_forward_pass_in_low_precision(monkeypatch, amp, computes_in, scales):
    """amp=False keeps float32 end to end; otherwise the training forward pass runs in the chosen type, float16
    with the GradScaler switched on, the weights stay float32, and the model still learns."""
    scaler_on = []
    original_scale = torch.amp.GradScaler.scale
    monkeypatch.setattr(torch.amp.GradScaler, "scale",
                        lambda self, loss: scaler_on.append(self.is_enabled()) or original_scale(self, loss))
    seen = []
    net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
    torch.manual_seed(0)
    net.register_forward_hook(lambda _m, _i, out: seen.append(out.dtype))
    fit(net, torch.optim.SGD(net.parameters(), lr=0.1), blobs(), epochs=3, batch_size=16, progress=False,
        verbose=False, amp=amp)
    accuracy_after = evaluate(net, blobs(seed=1))["acc"]
    assert len(seen) == 3 * 13 + 1  # 200 images in batches of 16: 13 training passes per epoch, then evaluate
    assert set(seen[:-1]) == {computes_in} and seen[-1] == torch.float32  # evaluation is never autocast
    assert scaler_on == [scales] * (3 * 13)
    assert all(p.dtype == torch.float32 for p in net.parameters())
    assert accuracy_after > 0.95


@pytest.mark.parametrize("amp", [torch.float32, "bf16", 1])
def test_mixed_precision_names_the_accepted_types(amp):
    net = model()
    with pytest.raises(ValueError, match=r"amp must be True, False, torch.float16 or torch.bfloat16, got"):
        fit(net, torch.optim.SGD(net.parameters(), lr=0.1), blobs(), progress=False, verbose=False, amp=amp)
