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
    dlcourse book build [student|teacher] [--out DIR]     build an edition of the site
    dlcourse book catalogs                                extract the prose, update the Korean catalogs
    dlcourse book student-tree DIR                        the tree of the repository's student branch
    dlcourse book tag                                     tag this version (the setup cells pin it)

Each command imports what it needs when it runs: a plain ``pip install dlcourse`` runs the learners'
commands (data, train, search); the grading and book commands need the ``dev`` extra.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from dlcourse import __version__, data
from dlcourse.config import CONNECT_TIMEOUT, HEARTBEAT, SEARCHED, add_config_arguments, json_safe


def cmd_data(args: argparse.Namespace) -> int:
    """Print where the dataset's files are found (downloading them with --fetch)."""
    spec = data.DATASETS[args.name]
    print(f"{spec.title}: searching, in order:")
    for base, why in data.search_path(spec, args.root):
        try:
            state = "found" if data.find_files(spec, base) else ""
        except PermissionError:
            state = "no access"
        print(f"  {state:9}  {base.resolve()}  ({why})")
    try:
        dataset = data.load(spec, root=args.root, download=args.fetch, timeout=args.timeout)
    except (data.DatasetNotFoundError, ValueError) as err:
        print(f"\n{err}", file=sys.stderr)
        return 1
    print(f"\nusing {dataset.source}: {len(dataset.train)} training and {len(dataset.test)} test images, all checked.")
    return 0


def cmd_check_format(args: argparse.Namespace) -> int:
    """Validate every notebook's exercises; print one line per notebook."""
    from dlcourse.grading import release
    from dlcourse.grading.exercises import FormatError, parse_exercises, read_notebook

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
    from dlcourse.grading import release
    from dlcourse.grading.exercises import FormatError

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
    from dlcourse.grading import grade
    from dlcourse.grading.exercises import FormatError
    from dlcourse.grading.sandbox import SandboxUnavailable

    # A SIGTERM (a scheduler's, `timeout`'s) becomes an exit that runs the grader's clean-up: the grading
    # processes are stopped and the scratch folders removed, as on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
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
    from dlcourse import search
    from dlcourse.config import config_from_args, new_run_path, save_run
    from dlcourse.device import get_device

    try:  # everything that can be checked is checked before training, not after
        config = config_from_args(args)
        device = get_device()
        if args.out:
            new_run_path(args.out)  # an occupied, unwritable or impossible folder
        results = search.train_and_score(config, device=device)
    except (ValueError, RuntimeError, FileExistsError, data.DatasetNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    print(json.dumps(json_safe({"config": asdict(config), "results": results}), indent=2))
    if args.out:
        print(f"saved {save_run(config, results, args.out)}")
    if "diverged" in results:
        print(f"{results['diverged']}\n(the run is recorded as diverged)", file=sys.stderr)
        return 1
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    """Run --trials trials of a study in --storage; start it in several processes to share the work."""
    import optuna

    from dlcourse import search
    from dlcourse.config import config_from_args
    from dlcourse.device import get_device

    fixed = [f"--{name}" for name in SEARCHED if getattr(args, name) is not None]
    if fixed:
        print(f"{', '.join(fixed)}: searched by `dlcourse search` itself ("
              + "; ".join(f"{name} {space}" for name, space in SEARCHED.items())
              + "), so a value given here would be ignored. Leave them out, or train one config with "
              "`dlcourse train`.", file=sys.stderr)
        return 2
    try:  # flags, device and storage are checked before any data is read or trial started
        base = config_from_args(args)
        get_device()
        study = search.open_study(args.storage, args.study, args.heartbeat, args.connect_timeout,
                                  sampler=optuna.samplers.TPESampler(seed=args.sampler_seed),
                                  pruner=search.make_pruner(args.pruner))
        search.optimize(study, search.objective(base, search.search_data(base)), args.trials)
    except (ValueError, RuntimeError, data.DatasetNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    states = [t.state.name.lower() for t in study.trials]
    counts = ", ".join(f"{states.count(s)} {s}" for s in ("complete", "pruned", "fail", "running", "waiting")
                       if s in states)
    print(f"study {args.study!r}: {len(study.trials)} trials ({counts})")
    if "running" in states:
        print(f"running trials belong to other workers, or to dead ones: a trial whose worker is silent for "
              f"{2 * args.heartbeat} s (2 x --heartbeat) is marked failed and run once more by the next worker "
              "that starts a trial")
    if "complete" in states:
        print(f"best validation accuracy {study.best_value:.4f} with {study.best_params}")
    return 0


def cmd_stamp_setup(args: argparse.Namespace) -> int:
    """Write the Colab setup cell into every notebook of the book; with --check, only report stale ones."""
    from dlcourse.book import setup_cell

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


def cmd_book(args: argparse.Namespace) -> int:
    """Build an edition of the site, write the student branch's tree, or tag the version."""
    from dlcourse.book import editions, publish

    root = Path(args.root)
    try:
        if args.action == "build":
            html = Path(args.out) if args.out else editions.html_folder(args.edition, root)
            result = editions.build(args.edition, root, html)
            if result.returncode != 0:
                print(result.stdout[-6000:] + result.stderr[-6000:], file=sys.stderr)
                print(f"the {args.edition} edition did not build (warnings are errors); the old site is kept.",
                      file=sys.stderr)
                return 1
            print(f"{args.edition} edition: {html}/index.html (Korean: {html}/ko/index.html)")
        elif args.action == "catalogs":
            catalogs = editions.update_catalogs(root)
            todo = editions.untranslated(root)
            print(f"updated {len(catalogs)} catalogs in {editions.LOCALES}/ko/LC_MESSAGES")
            for message in todo:
                print(message)
            print(f"{len(todo)} messages to translate" if todo else "every message is translated")
        elif args.action == "student-tree":
            print(f"wrote the student branch's tree to {publish.student_tree(root, Path(args.dest))}")
        else:
            print(f"tagged {publish.tag(root)}; publish it with `git push origin v{__version__}`")
    except (ValueError, FileNotFoundError, RuntimeError, publish.PublishError) as err:
        print(err, file=sys.stderr)
        return 2
    return 0


BENCHMARKS = ("mlp", "cnn", "population", "book")


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmarks side by side and print them as a table (see dlcourse/bench.py)."""
    from dlcourse.book import bench
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


def positive(kind: type) -> Callable[[str], int | float]:
    """An argparse type: a finite number of ``kind`` that is at least 1 (ints) or above 0 (floats)."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {'an integer' if kind is int else 'a number'}") from None
        if kind is int and value < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
        if not (0 < value < float("inf")):
            raise argparse.ArgumentTypeError(f"must be a positive number, got {value}")
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dlcourse", description="Tools of the dlcourse textbook.")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("data", help="show where the dataset is found; --fetch downloads it")
    p.add_argument("--name", choices=sorted(data.DATASETS), default="fashion-mnist")
    p.add_argument("--root", help="a folder to look in first")
    p.add_argument("--fetch", action="store_true", help="download into the user cache if not found")
    p.add_argument("--timeout", type=positive(float), default=data.DOWNLOAD_TIMEOUT,
                   help="seconds a download server may stay silent before giving up (default %(default)s)")
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
    p = commands.add_parser(
        "search", help="run trials of an Optuna study shared through --storage",
        description="Run trials of an Optuna study shared through --storage. It searches lr, momentum and hidden "
        "itself; the other TrainConfig flags fix the rest of every trial's config.",
        epilog=f"A worker sends a heartbeat every --heartbeat seconds while a trial runs (journal, SQLite and "
        f"PostgreSQL storages alike); a trial whose worker is silent for twice that is marked failed, and run "
        f"once more with the same parameters, by the next worker that starts a trial. The journal judges "
        f"silence by each worker's own clock, so machines sharing a journal need not agree on the time.")
    p.add_argument("--storage", default="journal:study.log",
                   help="journal:PATH, sqlite:///PATH.db or postgresql+psycopg://USER:PASSWORD@HOST:5432/DB "
                        '(postgresql:// works too; needs pip install "dlcourse[postgres]") (default: %(default)s)')
    p.add_argument("--study", default="dlcourse", help="study name; workers with the same name share it")
    p.add_argument("--trials", type=positive(int), default=20, help="trials this process runs (default 20)")
    p.add_argument("--pruner", choices=("none", "median", "halving", "hyperband"), default="none")
    p.add_argument("--sampler-seed", type=int, default=None, help="seed TPE (leave unset for parallel workers)")
    p.add_argument("--heartbeat", type=positive(int), default=HEARTBEAT,
                   help="seconds between heartbeats of a running trial (default %(default)s)")
    p.add_argument("--connect-timeout", type=positive(float), default=CONNECT_TIMEOUT,
                   help="seconds to wait for a database server to answer (default %(default)s)")
    add_config_arguments(p, searched=SEARCHED)
    p.set_defaults(run=cmd_search)
    p = commands.add_parser("stamp-setup", help="write the Colab setup cell (from _config.yml) into every notebook")
    p.add_argument("root", nargs="?", default=".", help="the book's folder, holding _config.yml (default: .)")
    p.add_argument("--check", action="store_true", help="only list notebooks whose setup cell is stale; exit 1 if any")
    p.set_defaults(run=cmd_stamp_setup)
    p = commands.add_parser("bench", help="benchmarks: dlcourse vs the seed-style DataLoader loop, population vs one by one")
    p.add_argument("only", nargs="*", metavar="BENCHMARK", default=list(BENCHMARKS),
                   help=f"any of {', '.join(BENCHMARKS)} (default: all)")
    p.add_argument("--repeats", type=positive(int), default=3, help="timed runs per side after a warm-up; the median is shown")
    p.add_argument("--workers", type=int, default=0, help="num_workers of the seed-style DataLoader (default 0)")
    p.add_argument("--device", help="cpu, cuda, mps (default: the best available)")
    p.add_argument("--book", default=".", help="the book's folder, for the last nbval run's times (default: .)")
    p.set_defaults(run=cmd_bench)
    p = commands.add_parser("figures", help="draw the book's figures from their sources (chapters/*/figures/)")
    p.add_argument("root", nargs="?", default=".", help="the book's folder (default: .)")
    p.add_argument("--check", action="store_true", help="draw nothing; list figures that differ; exit 1 if any")
    p.set_defaults(run=cmd_figures)
    p = commands.add_parser("book", help="the site's editions and publishing (build, student-tree, tag)")
    p.add_argument("--root", default=".", help="the book's folder, holding _config.yml (default: .)")
    actions = p.add_subparsers(dest="action", required=True)
    a = actions.add_parser("build", help="build the student (default) or teacher edition with -W")
    a.add_argument("edition", nargs="?", choices=("student", "teacher"), default="student")
    a.add_argument("--out", help="the folder for the HTML (default: _build/html, _build/teacher/html)")
    actions.add_parser("catalogs", help="extract the English prose and update chapters/locales/ko (sphinx-intl)")
    a = actions.add_parser("student-tree", help="write the tree of the student branch (Colab and Binder open it)")
    a.add_argument("dest", help="an empty or new folder outside the book")
    actions.add_parser("tag", help="create the tag v<version> at HEAD that the notebooks' setup cell pins")
    p.set_defaults(run=cmd_book)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ModuleNotFoundError as err:  # the grading and book commands need the dev extra's packages
        print(f"`dlcourse {args.command}` needs the module {err.name!r}, which a plain install lacks: "
              "pip install 'dlcourse[dev]'", file=sys.stderr)
        return 2
