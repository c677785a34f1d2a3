"""The ``dlcourse`` command (also ``python -m dlcourse``).

    dlcourse data [--name mnist] [--root DIR] [--fetch]   where the dataset is; download it
    dlcourse check-format NOTEBOOK_OR_FOLDER...           validate the exercise cells
    dlcourse release MASTER_OR_FOLDER OUTPUT              write student copies
    dlcourse grade MASTER SUBMISSION... [--out DIR] [--no-sandbox]  grade submissions against a master
    dlcourse train [--lr 0.1 --hidden 128 ...] [--out DIR]  train one config, save config + results
    dlcourse search --storage URL --study NAME --trials N   run trials of a shared Optuna study
    dlcourse stamp-setup [BOOK_ROOT] [--check]            write (or check) every notebook's setup cell
    dlcourse bench [mlp cnn population book] [--repeats 3]  benchmarks, side by side in one run
    dlcourse figures [BOOK_ROOT] [--check]                regenerate (or check) the book's figures
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from dlcourse import data
from dlcourse.config import add_config_arguments
from dlcourse.grading import grade, release
from dlcourse.grading.exercises import FormatError, parse_exercises, read_notebook
from dlcourse.grading.sandbox import SandboxUnavailable


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


def cmd_check_format(args: argparse.Namespace) -> int:
    """Validate every notebook's exercises; print one line per notebook."""
    bad = 0
    for path in (p for root in args.paths for p in release.notebooks_under(Path(root))):
        try:
            exercises = parse_exercises(read_notebook(path), str(path), require_outputs=args.master)
            print(f"ok   {path}: {len(exercises)} exercises, {sum(e.points for e in exercises.values())} points")
        except FormatError as err:
            bad += 1
            print(f"BAD  {err}")
    return 1 if bad else 0


def cmd_release(args: argparse.Namespace) -> int:
    """Write student copies of a master notebook or a tree of them."""
    try:
        written = release.release(Path(args.source), Path(args.output))
    except (FormatError, ValueError, FileNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    for path in written:
        print(f"released {path}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Grade submissions; exit 0 only if every submission earned full marks."""
    try:
        results = grade.grade(Path(args.master), [Path(s) for s in args.submissions],
                              Path(args.out) if args.out else None, args.cell_timeout, args.time_limit,
                              sandbox=not args.no_sandbox)
    except (FormatError, SandboxUnavailable, grade.MasterChanged) as err:
        print(err, file=sys.stderr)
        return 2
    print(grade.table(results))
    if args.out:
        print(f"\nwrote {len(results)} JSON reports and grades.csv to {args.out}")
    return 0 if all(r.points == r.max_points and not r.error for r in results) else 1


def cmd_train(args: argparse.Namespace) -> int:
    """Train one TrainConfig given as flags; print its results and save them with --out."""
    from dlcourse.config import config_from_args, new_run_path, save_run
    from dlcourse.search import train_and_score

    try:
        config = config_from_args(args)
        if args.out:
            new_run_path(args.out)  # refuse an occupied folder before training, not after
        results = train_and_score(config)
    except (ValueError, FileExistsError, data.DatasetNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    print(json.dumps({"config": asdict(config), "results": results}, indent=2))
    if args.out:
        print(f"saved {save_run(config, results, args.out)}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Run --trials trials of a study in --storage; start it in several processes to share the work."""
    import optuna

    from dlcourse.config import config_from_args
    from dlcourse.search import run_study

    try:
        study = run_study(args.storage, args.study, args.trials, config_from_args(args), pruner=args.pruner,
                          sampler_seed=args.sampler_seed)
    except (ValueError, data.DatasetNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    print(f"study {args.study!r}: {len(study.trials)} trials ({len(done)} complete, {len(pruned)} pruned)")
    if done:
        print(f"best validation accuracy {study.best_value:.4f} with {study.best_params}")
    return 0


def cmd_stamp_setup(args: argparse.Namespace) -> int:
    """Write the Colab setup cell into every notebook of the book; with --check, only report stale ones."""
    from dlcourse import setup_cell

    root = Path(args.root)
    try:
        source = setup_cell.render(setup_cell.repository_url(root))
    except (FileNotFoundError, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    notebooks = sorted(root.glob("chapters/*/*.ipynb"))
    if args.check:
        stale = setup_cell.stale(notebooks, source)
        for path in stale:
            print(f"stale setup cell: {path}")
        print(f"{len(notebooks) - len(stale)} of {len(notebooks)} notebooks have the current setup cell"
              + ("; run `dlcourse stamp-setup` and re-execute them." if stale else "."))
        return 1 if stale else 0
    changed = [path for path in notebooks if setup_cell.stamp(path, source)]
    for path in changed:
        print(f"stamped {path}")
    print(f"{len(changed)} of {len(notebooks)} notebooks changed" + ("; re-execute them." if changed else "."))
    return 0


def cmd_figures(args: argparse.Namespace) -> int:
    """Draw every figure of the book from its source; with --check, only list the figures that differ."""
    from dlcourse.book import figures

    try:
        differ = figures.regenerate(Path(args.root), check=args.check)
    except (figures.FigureToolMissing, ValueError) as err:
        print(err, file=sys.stderr)
        return 2
    for path in differ:
        print(f"{'differs from its source' if args.check else 'drew'}: {path}")
    if args.check and differ:
        print("run `dlcourse figures` and commit the figures it draws.")
        return 1
    return 0


BENCHMARKS = ("mlp", "cnn", "population", "book")


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks side by side and print them as a table (see dlcourse/bench.py)."""
    from dlcourse import bench
    from dlcourse.device import get_device

    unknown = [name for name in args.only if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    try:
        print(bench.run(args.only, args.repeats, get_device(args.device), Path(args.book), args.workers))
    except (data.DatasetNotFoundError, ValueError, RuntimeError) as err:
        print(err, file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlcourse", description="Tools of the dlcourse textbook.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("data", help="show where the dataset is found; --fetch downloads it")
    p.add_argument("--name", choices=sorted(data.DATASETS), default="fashion-mnist")
    p.add_argument("--root", help="a folder to look in first")
    p.add_argument("--fetch", action="store_true", help="download into the user cache if not found")
    p.set_defaults(run=cmd_data)
    p = commands.add_parser("check-format", help="validate the exercise cells of notebooks")
    p.add_argument("paths", nargs="+", help="notebooks or folders")
    p.add_argument("--master", action="store_true", help="also require stored outputs on every check cell")
    p.set_defaults(run=cmd_check_format)
    p = commands.add_parser("release", help="write student copies (solutions stubbed, hidden checks removed)")
    p.add_argument("source", help="a master notebook or a folder of them")
    p.add_argument("output", help="the folder to write the student copies into")
    p.set_defaults(run=cmd_release)
    p = commands.add_parser("grade", help="grade submissions against the master notebook")
    p.add_argument("master", help="the instructor's notebook, executed, with its outputs")
    p.add_argument("submissions", nargs="+", help="the students' notebooks")
    p.add_argument("--out", help="folder for one JSON report per submission and grades.csv")
    p.add_argument("--cell-timeout", type=float, default=60, help="seconds per cell (default 60)")
    p.add_argument("--time-limit", type=float, default=600, help="seconds per notebook run (default 600)")
    p.add_argument("--no-sandbox", action="store_true",
                   help="run students' code without the Bubblewrap sandbox: only for code you trust")
    p.set_defaults(run=cmd_grade)
    p = commands.add_parser("train", help="train one config (flags below) and print or save its results")
    add_config_arguments(p)
    p.add_argument("--out", help="folder to save run.json (config and results) in; must not hold a run yet")
    p.set_defaults(run=cmd_train)
    p = commands.add_parser("search", help="run trials of an Optuna study shared through --storage")
    p.add_argument("--storage", default="journal:study.log",
                   help="journal:PATH, sqlite:///PATH.db or postgresql://user:pass@host/db (default: %(default)s)")
    p.add_argument("--study", default="dlcourse", help="study name; workers with the same name share it")
    p.add_argument("--trials", type=int, default=20, help="trials this process runs (default 20)")
    p.add_argument("--pruner", choices=("none", "median", "halving", "hyperband"), default="none")
    p.add_argument("--sampler-seed", type=int, default=None, help="seed TPE (leave unset for parallel workers)")
    add_config_arguments(p)
    p.set_defaults(run=cmd_search)
    p = commands.add_parser("stamp-setup", help="write the Colab setup cell (from _config.yml) into every notebook")
    p.add_argument("root", nargs="?", default=".", help="the book's folder, holding _config.yml (default: .)")
    p.add_argument("--check", action="store_true", help="only list notebooks whose setup cell is stale; exit 1 if any")
    p.set_defaults(run=cmd_stamp_setup)
    p = commands.add_parser("bench", help="benchmarks: dlcourse vs the seed-style DataLoader loop, population vs one by one")
    p.add_argument("only", nargs="*", metavar="BENCHMARK", default=list(BENCHMARKS),
                   help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    p.add_argument("--repeats", type=int, default=3, help="timed runs per side after a warm-up; the median is shown")
    p.add_argument("--workers", type=int, default=0, help="num_workers of the seed-style DataLoader (default 0)")
    p.add_argument("--device", help="cpu, cuda, mps (default: the best available)")
    p.add_argument("--book", default=".", help="the book's folder, for the last nbval run's times (default: .)")
    p.set_defaults(run=cmd_bench)
    p = commands.add_parser("figures", help="draw the book's figures from their sources (chapters/*/figures/)")
    p.add_argument("root", nargs="?", default=".", help="the book's folder (default: .)")
    p.add_argument("--check", action="store_true", help="draw nothing; list figures that differ; exit 1 if any")
    p.set_defaults(run=cmd_figures)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
