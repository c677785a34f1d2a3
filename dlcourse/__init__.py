"""dlcourse: the helpers shared by the notebooks of the dlcourse textbook.

Each module holds one idea: ``device`` (where tensors live), ``seed`` (reproducibility),
``idx`` (the IDX file format), ``data`` (finding and loading datasets), ``batches``
(in-memory mini-batches), ``train`` (fit / evaluate / History) and ``plot`` (figures).
"""

__version__ = "0.1.0"
