"""The helpers that touch tensors keep every tensor on the data's device, checked without a GPU.

The bug a GPU finds first is a tensor made on the CPU (``torch.randperm(n)`` without ``.to(x.device)``)
meeting data on the GPU: "Expected all tensors to be on the same device". PyTorch's ``meta`` device has
shapes and types but no values, and it refuses to mix with CPU tensors just as CUDA does, so running a
helper on ``meta`` inputs finds such a tensor on this CPU-only machine. It cannot check numbers (there are
none), and it cannot run code that reads a value (``.item()``, ``int(tensor)``), such as ``fit``'s epoch
summary or ``select_classes``; those parts are exercised on the CPU by the other tests.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from dlcourse import augment
from dlcourse.batches import Batches
from dlcourse.data import Split, train_val_split
from dlcourse.models import small_cnn
from dlcourse.population import Population, train_population

META = torch.device("meta")


def images(n: int = 8) -> torch.Tensor:
    return torch.empty(n, 1, 28, 28, device=META)


def labels(n: int = 8) -> torch.Tensor:
    return torch.empty(n, dtype=torch.long, device=META)


def test_meta_refuses_a_cpu_tensor_as_cuda_does():
    """The premise of this file: mixing devices fails on meta, so these tests can fail."""
    with pytest.raises(RuntimeError, match="device"):
        images() + torch.zeros(1, 28, 28)
    with pytest.raises(RuntimeError, match="device"):
        torch.where(torch.rand(8)[:, None, None, None] < 0.5, images(), 0.0)  # a mask drawn on the CPU


@pytest.mark.parametrize("transform", [
    lambda x, y: (augment.random_shift(x, 2), y),
    lambda x, y: (augment.random_flip(x), y),
    lambda x, y: (augment.gaussian_noise(x, 0.1), y),
    lambda x, y: augment.mixup(x, y, num_classes=10),
    lambda x, y: augment.cutmix(x, y, num_classes=10),
], ids=["random_shift", "random_flip", "gaussian_noise", "mixup", "cutmix"])
def test_augmentations_stay_on_the_batchs_device(transform):
    x, y = transform(images(), labels())
    assert x.device == META and x.shape == (8, 1, 28, 28)
    assert y.device == META


def test_batches_and_splits_stay_on_the_datas_device():
    x, y = images(10), labels(10)
    batches = list(Batches(x, y, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(0)))
    assert [b.shape[0] for b, _ in batches] == [4, 4, 2]
    assert all(b.device == META and c.device == META for b, c in batches)
    train, val = train_val_split(Split(x, y), val_size=3)
    assert (len(train), len(val)) == (7, 3) and train.x.device == META and val.y.device == META


def test_small_cnn_trains_a_step_on_the_models_device():
    model = small_cnn().to(META, memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = nn.functional.cross_entropy(model(images()), labels())
    loss.backward()
    optimizer.step()
    assert all(p.device == META for p in model.parameters())


def test_population_trains_on_the_models_device():
    models = [nn.Sequential(nn.Flatten(), nn.Linear(784, 16), nn.ReLU(), nn.Linear(16, 10)).to(META)
              for _ in range(3)]
    population = Population(models)
    assert population(images()).shape == (3, 8, 10)
    losses = train_population(population, Split(images(), labels()), lrs=[0.1, 0.05, 0.01], momenta=[0.9] * 3,
                              batch_size=4, generator=torch.Generator().manual_seed(0))
    assert losses.shape == (1, 3) and losses.device == META
