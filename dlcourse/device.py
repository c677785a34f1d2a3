"""Choosing the device tensors live on: CUDA, then Apple MPS, then the CPU.

Set the environment variable ``DLCOURSE_DEVICE`` (``cpu``, ``cuda``, ``cuda:1``, ``mps``) to
override the automatic choice, e.g. to run a notebook on the CPU on a machine with a GPU.
"""

from __future__ import annotations

import os

import torch

ENV_VAR = "DLCOURSE_DEVICE"
KNOWN_TYPES = ("cpu", "cuda", "mps")


def available_devices() -> list[str]:
    """The device names usable on this machine, best first (always ends with ``"cpu"``)."""
    names = [f"cuda:{i}" for i in range(torch.cuda.device_count())] if torch.cuda.is_available() else []
    if torch.backends.mps.is_available():
        names.append("mps")
    return names + ["cpu"]


def get_device(name: str | None = None) -> torch.device:
    """Return the device to compute on.

    Order: the ``name`` argument, then ``$DLCOURSE_DEVICE``, then the best available device
    (CUDA, then MPS, then CPU). A name that is unknown or not available here raises an error
    that lists what is available, instead of failing later inside a kernel.
    """
    requested = name if name is not None else os.environ.get(ENV_VAR, "").strip() or None
    if requested is None:
        return torch.device(available_devices()[0])
    source = "argument" if name is not None else f"${ENV_VAR}"
    try:
        device = torch.device(requested)
    except RuntimeError as err:
        raise ValueError(
            f"Unknown device {requested!r} (from the {source}). Use one of {', '.join(KNOWN_TYPES)}, "
            f"optionally with an index such as 'cuda:1'."
        ) from err
    if device.type not in KNOWN_TYPES:
        raise ValueError(f"Device type {device.type!r} (from the {source}) is not supported; use one of {KNOWN_TYPES}.")
    usable = available_devices()
    wanted = f"{device.type}:{device.index}" if device.index is not None else device.type
    if not any(u == wanted or u.split(":")[0] == wanted for u in usable):
        hint = f" Unset {ENV_VAR} to choose automatically." if name is None else ""
        raise RuntimeError(f"Device {wanted!r} (from the {source}) is not available here; available: {usable}.{hint}")
    return device


def describe(device: torch.device) -> str:
    """A one-line description of ``device`` for printing, e.g. ``'cuda:0 (NVIDIA H100)'``."""
    if device.type == "cuda":
        return f"{device} ({torch.cuda.get_device_name(device)})"
    if device.type == "mps":
        return "mps (Apple GPU)"
    return f"cpu ({torch.get_num_threads()} threads)"


def synchronize(device: torch.device) -> None:
    """Wait until ``device`` has finished its queued work; a no-op on the CPU.

    GPUs run kernels asynchronously: a Python call returns before the GPU is done. Call this
    before reading a clock, or the time measured is only the time to queue the work.
    """
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()
