"""N small MLPs trained one after another vs as one vmapped population (dlcourse.population).

Both sides train the same N models (784-H-10 ReLU MLPs, learning rates spread log-uniformly from 0.01 to
0.3) with SGD for one epoch over the same images and batches, measured one after the other in this run.
They compute the same weights (tests/test_search.py checks that in float64); only the time differs.
Run:  python bench/population.py [--models 16] [--hidden 64] [--images 20000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import torch

from dlcourse import data
from dlcourse.config import TrainConfig
from dlcourse.device import describe, get_device, synchronize
from dlcourse.population import Population, train_population
from dlcourse.search import build_model
from dlcourse.train import fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=16)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--images", type=int, default=20_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = get_device()
    config = TrainConfig(hidden=args.hidden)  # build_model's MLP; its dropout defaults to 0 (the identity)
    train = data.load("fashion-mnist").train[: args.images].to(device)
    lrs = torch.logspace(-2, -0.5, args.models).tolist()
    print(f"{args.models} MLPs 784-{args.hidden}-10, one epoch of {args.images:,} images, batch {args.batch_size}, "
          f"on {describe(device)}, torch {torch.__version__}")

    def sequential() -> None:
        for lr in lrs:
            torch.manual_seed(0)
            model = build_model(config).to(device)
            fit(model, torch.optim.SGD(model.parameters(), lr=lr), train, batch_size=args.batch_size,
                generator=torch.Generator().manual_seed(0), progress=False, verbose=False)

    def population() -> None:
        torch.manual_seed(0)
        models = [build_model(config).to(device) for _ in lrs]
        train_population(Population(models), train, lrs, batch_size=args.batch_size,
                         generator=torch.Generator().manual_seed(0))

    best = {}
    for name, run in (("one by one", sequential), ("population", population)):
        run()  # warm-up
        times = []
        for _ in range(args.repeats):
            synchronize(device)
            start = time.perf_counter()
            run()
            synchronize(device)
            times.append(time.perf_counter() - start)
        best[name] = min(times)
        print(f"{name:12s}: best of {args.repeats} {best[name]:.2f} s  (all: {', '.join(f'{t:.2f}' for t in times)})")
    print(f"population speed-up: {best['one by one'] / best['population']:.2f}x")


if __name__ == "__main__":
    main()
