"""The ``dlcourse`` command (also ``python -m dlcourse``).

    dlcourse data [--name mnist] [--root DIR] [--fetch]   where the dataset is; download it
"""

from __future__ import annotations

import argparse
import sys

from dlcourse import data


def cmd_data(args: argparse.Namespace) -> int:
    """Print where the dataset's files are found (downloading them with --fetch)."""
    spec = data.DATASETS[args.name]
    print(f"{spec.title}: searching, in order:")
    for base, why in data.search_path(spec, args.root):
        print(f"  {'found' if data.find_files(spec, base) else '     '}  {base.resolve()}  ({why})")
    try:
        dataset = data.load(spec, root=args.root, download=args.fetch)
    except (data.DatasetNotFoundError, ValueError) as err:
        print(f"\n{err}", file=sys.stderr)
        return 1
    print(f"\nusing {dataset.source}: {len(dataset.train)} training and {len(dataset.test)} test images, all checked.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlcourse", description="Tools of the dlcourse textbook.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("data", help="show where the dataset is found; --fetch downloads it")
    p.add_argument("--name", choices=sorted(data.DATASETS), default="fashion-mnist")
    p.add_argument("--root", help="a folder to look in first")
    p.add_argument("--fetch", action="store_true", help="download into the user cache if not found")
    p.set_defaults(run=cmd_data)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
