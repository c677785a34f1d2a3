import random

import numpy as np
import pytest
import torch

from dlcourse.seed import seed_everything


def draw() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.randn(5)


def test_same_seed_same_numbers_everywhere():
    seed_everything(7)
    first = draw()
    seed_everything(7)
    second = draw()
    assert first[:2] == second[:2]
    assert torch.equal(first[2], second[2])
    seed_everything(8)
    assert not torch.equal(first[2], draw()[2])


def test_deterministic_switches_and_generator():
    generator = seed_everything(3)
    assert torch.are_deterministic_algorithms_enabled()
    assert not torch.backends.cudnn.benchmark
    assert torch.equal(torch.randperm(10, generator=generator), torch.randperm(10, generator=torch.Generator().manual_seed(3)))
    seed_everything(3, deterministic=False)
    torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("bad", [-1, 1.5, "0"])
def test_bad_seed(bad):
    with pytest.raises(ValueError, match="non-negative int"):
        seed_everything(bad)
