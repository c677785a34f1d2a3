"""Reproducibility: one call seeds every random number generator a notebook uses."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int = 0, deterministic: bool = True) -> torch.Generator:
    """Seed Python's ``random``, NumPy and PyTorch (CPU and every GPU) with ``seed``.

    With ``deterministic=True`` PyTorch is also told to use only deterministic algorithms
    (``torch.use_deterministic_algorithms``), cuDNN's autotuner is switched off, and cuBLAS is
    given the workspace setting it needs to be deterministic. Then the same code gives the same
    numbers on every run on the same machine.

    Returns a ``torch.Generator`` seeded with ``seed``, handy for shuffling.
    """
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # seeds the CPU and all CUDA/MPS generators
    if deterministic:
        # cuBLAS reads this when it first starts; setting it later has no effect, so it is set here.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
    return torch.Generator().manual_seed(seed)
