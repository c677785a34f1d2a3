import pytest
import torch

from dlcourse import device as dev


def fake_hardware(monkeypatch: pytest.MonkeyPatch, cuda: int = 0, mps: bool = False) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    monkeypatch.delenv(dev.ENV_VAR, raising=False)


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(0, False, "cpu"), (0, True, "mps"), (2, True, "cuda:0"), (1, False, "cuda:0")],
)
def test_order_is_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected):
    fake_hardware(monkeypatch, cuda, mps)
    assert dev.get_device() == torch.device(expected)
    assert dev.available_devices()[-1] == "cpu"


def test_environment_variable_overrides(monkeypatch):
    fake_hardware(monkeypatch, cuda=1)
    monkeypatch.setenv(dev.ENV_VAR, "cpu")
    assert dev.get_device() == torch.device("cpu")


def test_argument_beats_environment(monkeypatch):
    fake_hardware(monkeypatch, cuda=2)
    monkeypatch.setenv(dev.ENV_VAR, "cpu")
    assert dev.get_device("cuda:1") == torch.device("cuda:1")


def test_unknown_name_is_a_clear_error(monkeypatch):
    fake_hardware(monkeypatch)
    monkeypatch.setenv(dev.ENV_VAR, "gpu")
    with pytest.raises(ValueError, match=r"Unknown device 'gpu' \(from the \$DLCOURSE_DEVICE\).*cpu, cuda, mps"):
        dev.get_device()


def test_unavailable_device_lists_what_is_available(monkeypatch):
    fake_hardware(monkeypatch, cuda=1)
    with pytest.raises(RuntimeError, match=r"'cuda:3' .* not available here; available: \['cuda:0', 'cpu'\]"):
        dev.get_device("cuda:3")
    monkeypatch.setenv(dev.ENV_VAR, "mps")
    with pytest.raises(RuntimeError, match="Unset DLCOURSE_DEVICE"):
        dev.get_device()


def test_describe_cpu():
    assert dev.describe(torch.device("cpu")).startswith("cpu (")


def test_synchronize_is_a_no_op_on_the_cpu_and_waits_on_cuda(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.cuda, "synchronize", lambda device=None: calls.append(device))
    dev.synchronize(torch.device("cpu"))
    assert calls == []
    dev.synchronize(torch.device("cuda:1"))
    assert calls == [torch.device("cuda:1")]
