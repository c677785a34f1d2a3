"""dlcourse: the helpers shared by the notebooks of the dlcourse textbook.

Each module holds one idea: ``device`` (where tensors live), ``seed`` (reproducibility),
``idx`` (the IDX file format), ``data`` (finding and loading datasets), ``batches``
(in-memory mini-batches), ``train`` (fit / evaluate / History), ``early_stopping``, ``augment``
(batch augmentation, mixup, cutmix), ``plot`` (figures), ``checks`` (exercise checks) and
``scratch`` (from-scratch implementations checked against PyTorch).
"""

__version__ = "0.1.0"
