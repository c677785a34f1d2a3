"""Fast mini-batches from tensors already in memory.

A ``DataLoader`` with a ``ToTensor()`` transform turns every image into a PIL object and back
on every epoch; that costs more than the training step of a small model. Here the data is a
tensor loaded once, and an epoch is one random permutation of the indices, sliced::

    order = randperm(n)
    batch k = x[order[k*B : (k+1)*B]], y[order[k*B : (k+1)*B]]
"""

from __future__ import annotations

from collections.abc import Iterator

import torch


class Batches:
    """Iterate over ``(x_batch, y_batch)`` pairs, reshuffled on every pass.

    The permutation is drawn on the CPU from ``generator`` (or the global seed) and then moved
    to the data's device, so the batches are the same on every device for the same seed.
    """

    def __init__(
        self,
        x: torch.Tensor,
        y: torch.Tensor,
        batch_size: int,
        shuffle: bool = True,
        drop_last: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        if x.shape[0] != y.shape[0]:
            raise ValueError(f"x has {x.shape[0]} items but y has {y.shape[0]}; they must match.")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}.")
        self.x, self.y = x, y
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    def __len__(self) -> int:
        n = self.x.shape[0]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        order = torch.randperm(self.x.shape[0], generator=self.generator).to(self.x.device) if self.shuffle else None
        for k in range(len(self)):
            rows = slice(k * self.batch_size, (k + 1) * self.batch_size)
            if order is None:
                yield self.x[rows], self.y[rows]  # views, no copy
            else:
                index = order[rows]
                yield self.x[index], self.y[index]
