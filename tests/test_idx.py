import gzip

import numpy as np
import pytest

from dlcourse import idx


@pytest.mark.parametrize("name", ["a-idx3-ubyte", "a-idx3-ubyte.gz"])
def test_write_then_read_round_trip(tmp_path, name):
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    idx.write(tmp_path / name, array)
    back = idx.parse(idx.read_bytes(tmp_path / name))
    assert back.shape == (2, 3, 4) and np.array_equal(back, array)
    back[0, 0, 0] = 99  # the array owns writable memory


def test_truncated_file_is_rejected(tmp_path):
    path = tmp_path / "x-idx1-ubyte"
    idx.write(path, np.zeros(100, dtype=np.uint8))
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(idx.IDXError, match="truncated or corrupt"):
        idx.parse(idx.read_bytes(path), path)


def test_truncated_gzip_is_rejected(tmp_path):
    path = tmp_path / "x-idx1-ubyte.gz"
    idx.write(path, np.arange(5000, dtype=np.int64).astype(np.uint8))
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(idx.IDXError, match="damaged"):
        idx.read_bytes(path)


def test_bad_magic_and_type(tmp_path):
    with pytest.raises(idx.IDXError, match="magic"):
        idx.parse(b"\x01\x00\x08\x01\x00\x00\x00\x01\x00")
    with pytest.raises(idx.IDXError, match="type code 0x0d"):
        idx.parse(b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00")


def test_md5_is_of_decompressed_contents(tmp_path):
    raw = b"\x00\x00\x08\x01\x00\x00\x00\x02\x05\x06"
    (tmp_path / "a.gz").write_bytes(gzip.compress(raw))
    assert idx.md5(idx.read_bytes(tmp_path / "a.gz")) == idx.md5(raw)
