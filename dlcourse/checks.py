"""Helpers for exercise check cells.

A *check* cell gives the learner immediate feedback with :func:`assert_close` and ends by printing a
line; a *hidden check* prints :func:`canonical` values computed on inputs the learner never saw. The
grader compares those printed lines with the instructor's stored outputs outside the learner's
kernel, so replacing these functions from a solution cell changes nothing but the printed text.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def canonical(value: object, digits: int = 6) -> str:
    """A text form of ``value`` that is the same on every machine: numbers rounded to ``digits`` decimals.

    Tensors and arrays print as ``shape [values]``; other objects print as ``repr`` of their type name,
    so an object that pretends to be a number (e.g. one whose ``__eq__`` is always True) shows up as itself.
    """
    if isinstance(value, (torch.Tensor, np.ndarray)):
        array = value.detach().cpu().double().numpy() if isinstance(value, torch.Tensor) else value.astype(float)
        rounded = np.round(array, digits) + 0.0  # + 0.0 turns -0.0 into 0.0
        return f"shape {list(array.shape)} {rounded.ravel().tolist()}"
    if type(value) in (bool, int, str) or value is None:
        return repr(value)
    if type(value) is float:
        return "nan" if math.isnan(value) else repr(round(value, digits) + 0.0)
    if type(value) in (list, tuple):
        return "[" + ", ".join(canonical(v, digits) for v in value) + "]"  # type: ignore[union-attr]
    return f"<{type(value).__name__}>"


def assert_close(actual: object, expected: float | torch.Tensor, tol: float = 1e-6, what: str = "the result") -> None:
    """Fail with a readable message unless ``actual`` is within ``tol`` of ``expected`` (max abs difference)."""
    if isinstance(expected, torch.Tensor):
        if not isinstance(actual, torch.Tensor):
            raise AssertionError(f"{what} should be a torch.Tensor, got {type(actual).__name__}")
        if actual.shape != expected.shape:
            raise AssertionError(f"{what} has shape {tuple(actual.shape)}, expected {tuple(expected.shape)}")
        diff = (actual.detach().double() - expected.double()).abs().max().item() if actual.numel() else 0.0
    else:
        if type(actual) not in (int, float):
            raise AssertionError(f"{what} should be a Python number, got {type(actual).__name__}")
        diff = abs(float(actual) - float(expected))
    if not diff <= tol:  # written so that NaN fails
        raise AssertionError(f"{what} is off by {diff:.3g} (allowed: {tol:g}); expected {expected}, got {actual}")
