"""dlcourse: the helpers shared by the notebooks of the dlcourse textbook.

Each module holds one idea: ``device`` (where tensors live), ``seed`` (reproducibility),
``idx`` (the IDX file format), ``data`` (finding and loading datasets), ``batches``
(in-memory mini-batches), ``train`` (fit / evaluate / History), ``early_stopping``, ``augment``
(batch augmentation, mixup, cutmix), ``plot`` (figures), ``checks`` (exercise checks) and
``scratch`` (from-scratch implementations checked against PyTorch).

Importing the package checks that it is the version the notebook was written for: every
notebook's first cell sets ``$DLCOURSE_BOOK_VERSION`` (see ``dlcourse.book.setup_cell``).
"""

import os
import warnings
from importlib import metadata

__version__ = "0.1.0"
BOOK_VERSION_VAR = "DLCOURSE_BOOK_VERSION"


class BookVersionWarning(UserWarning):
    """The installed dlcourse is not the version the running notebook was written for."""


def repository_url() -> str:
    """The book's repository, from the installed package's metadata (pyproject's ``[project.urls]``)."""
    try:
        urls = metadata.metadata("dlcourse").get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        urls = []
    found = [url.split(",", 1)[1].strip() for url in urls if url.lower().startswith("repository,")]
    return found[0] if found else "<the book's repository URL>"


def check_book_version(wanted: str | None = None) -> bool:
    """Warn, saying how to fix it, if ``wanted`` (default ``$DLCOURSE_BOOK_VERSION``) is not ``__version__``.

    Returns True when the versions match or no version was asked for.
    """
    wanted = wanted if wanted is not None else os.environ.get(BOOK_VERSION_VAR)
    if not wanted or wanted == __version__:
        return True
    warnings.warn(
        f"This notebook was written for dlcourse {wanted}, but dlcourse {__version__} is installed "
        f"({os.path.dirname(__file__)}); its cells may fail or differ from the book. Fix: on Colab, "
        f"Runtime > Restart session and run the first cell again; in a clone of the book's repository, "
        f"`git checkout v{wanted}` then `pip install -e .`; otherwise `pip install --force-reinstall "
        f"\"dlcourse @ git+{repository_url()}@v{wanted}\"`. Then restart the kernel.",
        BookVersionWarning,
        stacklevel=2,
    )
    return False


check_book_version()
