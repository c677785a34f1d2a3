"""The IDX file format of MNIST and Fashion-MNIST.

An IDX file is a header followed by raw numbers::

    bytes 0-1   0x0000
    byte  2     type code (0x08 = unsigned byte)
    byte  3     number of dimensions d
    then d big-endian uint32 sizes, then prod(sizes) values in row-major order.

Images are ``(n, 28, 28)`` uint8 arrays, labels ``(n,)`` uint8 arrays. Files may be gzipped
(``*.gz``); gzip's own checksum then catches a corrupted or truncated download.
"""

from __future__ import annotations

import gzip
import hashlib
import math
from pathlib import Path

import numpy as np

UBYTE = 0x08


class IDXError(ValueError):
    """An IDX file is malformed, truncated or not what was expected."""


def read_bytes(path: Path) -> bytes:
    """The file's contents, decompressed if its name ends in ``.gz``."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except PermissionError as err:
        raise IDXError(f"{path}: cannot be read, permission denied for this user; the file may be fine. Make it "
                       f"readable (chmod a+r {path}, or ask its owner) or put a readable copy elsewhere.") from err
    except (OSError, EOFError) as err:  # gzip raises these for truncated or corrupt archives
        raise IDXError(f"{path}: cannot be read ({err}); the file is damaged, delete it and fetch it again.") from err


def parse(raw: bytes, path: Path | str = "<bytes>") -> np.ndarray:
    """Parse the contents of an IDX file of unsigned bytes into an array of its shape."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise IDXError(f"{path}: not an IDX file (bad magic number).")
    if raw[2] != UBYTE:
        raise IDXError(f"{path}: IDX type code {raw[2]:#04x} is not supported (only unsigned bytes, 0x08).")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{path}: truncated header.")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected = header + math.prod(shape)  # Python integers: np.prod would overflow on a corrupt header
    if len(raw) != expected:
        raise IDXError(
            f"{path}: header says shape {shape} ({expected:,} bytes) but the file has {len(raw):,} bytes; "
            "it is truncated or corrupt. Delete it and fetch it again."
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(shape).copy()  # writable, owns its memory


def md5(raw: bytes) -> str:
    """Hex MD5 digest of ``raw`` (used to check decompressed files against known values)."""
    return hashlib.md5(raw).hexdigest()


def write(path: Path, array: np.ndarray) -> None:
    """Write a uint8 ``array`` as an IDX file (gzipped if ``path`` ends in ``.gz``)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UBYTE, array.ndim]) + b"".join(int(s).to_bytes(4, "big") for s in array.shape)
    data = header + array.tobytes()
    path = Path(path)
    if path.suffix == ".gz":
        with gzip.open(path, "wb") as f:
            f.write(data)
    else:
        path.write_bytes(data)
