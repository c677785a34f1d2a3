import numpy as np
import pytest
import torch

from dlcourse.checks import assert_close, canonical


def test_canonical_rounds_and_is_type_strict():
    assert canonical(0.1 + 0.2) == "0.3"
    assert canonical(-0.0000001) == "0.0"
    assert canonical([1, 2.5, "a", None, True]) == "[1, 2.5, 'a', None, True]"
    assert canonical(torch.tensor([[1 / 3, -1e-9]])) == "shape [1, 2] [0.333333, 0.0]"
    assert canonical(np.array([2.0])) == "shape [1] [2.0]"
    assert canonical(float("nan")) == "nan"

    class Sneaky(float):
        def __eq__(self, other: object) -> bool:
            return True

    assert canonical(Sneaky(1.0)) == "<Sneaky>"


def test_assert_close_messages():
    assert_close(0.5, 0.5)
    assert_close(torch.ones(2), torch.ones(2) + 1e-9)
    with pytest.raises(AssertionError, match=r"the result is off by 0.1"):
        assert_close(0.6, 0.5)
    with pytest.raises(AssertionError, match="should be a Python number, got Tensor"):
        assert_close(torch.tensor(0.5), 0.5)
    with pytest.raises(AssertionError, match=r"x has shape \(3,\), expected \(2,\)"):
        assert_close(torch.ones(3), torch.ones(2), what="x")
    with pytest.raises(AssertionError, match="off by nan"):
        assert_close(float("nan"), 0.5)
