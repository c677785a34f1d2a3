import pytest
import torch

from dlcourse.batches import Batches


def make(n: int = 10):
    x = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    return x, torch.arange(n)


def test_every_item_once_per_epoch_and_pairs_stay_together():
    x, y = make(10)
    batches = Batches(x, y, batch_size=3, generator=torch.Generator().manual_seed(0))
    assert len(batches) == 4
    seen = []
    for xb, yb in batches:
        assert torch.equal(xb[:, 0].long(), yb)
        seen += yb.tolist()
    assert sorted(seen) == list(range(10)) and seen != list(range(10))


def test_reshuffles_each_epoch_and_seed_reproduces():
    x, y = make(50)
    a = Batches(x, y, 50, generator=torch.Generator().manual_seed(1))
    first, second = (next(iter(a))[1] for _ in range(2))
    assert not torch.equal(first, second)
    b = Batches(x, y, 50, generator=torch.Generator().manual_seed(1))
    assert torch.equal(next(iter(b))[1], first)


def test_no_shuffle_and_drop_last():
    x, y = make(10)
    batches = Batches(x, y, 4, shuffle=False, drop_last=True)
    assert len(batches) == 2
    assert [yb.tolist() for _, yb in batches] == [[0, 1, 2, 3], [4, 5, 6, 7]]


def test_bad_input():
    x, y = make(10)
    with pytest.raises(ValueError, match="x has 10 items but y has 9"):
        Batches(x, y[:9], 2)
    with pytest.raises(ValueError, match="batch_size must be a positive int"):
        Batches(x, y, 0)
