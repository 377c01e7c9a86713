import gzip
import os
import struct

import numpy as np
import pytest

from minigrad.data import DataLoader, load_mnist

# Published facts about MNIST (data/README.md) that a correct reader must reproduce.
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


# ---- the shipped data ----------------------------------------------------------------

def test_train_set_size_and_label_counts():
    images, labels = load_mnist(train=True)
    assert images.shape == (60000, 784) and labels.shape == (60000,)
    assert np.bincount(labels).tolist() == TRAIN_COUNTS


def test_test_set_size_and_label_counts():
    images, labels = load_mnist(train=False)
    assert images.shape == (10000, 784) and labels.shape == (10000,)
    assert np.bincount(labels).tolist() == TEST_COUNTS


def test_train_pixel_mean_and_std():
    images, _ = load_mnist(train=True)
    assert round(float(images.mean(dtype=np.float64)), 4) == 0.1307
    assert round(float(images.std(dtype=np.float64)), 4) == 0.3081


def test_dtypes_range_and_unflattened_shape():
    images, labels = load_mnist(train=False, flatten=False)
    assert images.shape == (10000, 1, 28, 28)
    assert images.dtype == np.float32 and labels.dtype == np.int64
    assert images.min() == 0.0 and images.max() == 1.0
    flat, _ = load_mnist(train=False, flatten=True)
    np.testing.assert_array_equal(images.reshape(10000, 784), flat)


def test_cached_arrays_are_shared_and_read_only():
    a, la = load_mnist(train=False)
    b, lb = load_mnist(train=False)
    assert a is b and la is lb
    with pytest.raises(ValueError):
        a[0, 0] = 1.0
    with pytest.raises(ValueError):
        load_mnist(train=False, flatten=False)[0][0, 0, 0, 0] = 1.0


# ---- small IDX files written by the tests ---------------------------------------------

def write_gz(path, data):
    with gzip.open(path, "wb") as f:
        f.write(data)


def images_idx(count, rows=28, cols=28, magic=0x803, payload=None):
    if payload is None:
        payload = bytes(range(256)) * (count * rows * cols // 256 + 1)
        payload = payload[:count * rows * cols]
    return struct.pack(">IIII", magic, count, rows, cols) + payload


def labels_idx(count, magic=0x801, payload=None):
    if payload is None:
        payload = bytes(i % 10 for i in range(count))
    return struct.pack(">II", magic, count) + payload


def write_mnist(root, n_images=3, n_labels=3, **images_kw):
    write_gz(root / "t10k-images-idx3-ubyte.gz", images_idx(n_images, **images_kw))
    write_gz(root / "t10k-labels-idx1-ubyte.gz", labels_idx(n_labels))
    return root / "t10k-images-idx3-ubyte.gz"


def test_small_file_round_trip(tmp_path):
    write_mnist(tmp_path)
    images, labels = load_mnist(train=False, root=tmp_path)
    expected = np.frombuffer(images_idx(3)[16:], dtype=np.uint8).reshape(3, 784) / 255
    np.testing.assert_allclose(images, expected, rtol=1e-7)
    assert labels.tolist() == [0, 1, 2]


def test_env_var_sets_the_root(tmp_path, monkeypatch):
    write_mnist(tmp_path)
    monkeypatch.setenv("MINIGRAD_DATA", str(tmp_path))
    images, _ = load_mnist(train=False)
    assert images.shape == (3, 784)


def test_changed_file_is_read_again(tmp_path):
    path = write_mnist(tmp_path)
    first, _ = load_mnist(train=False, root=tmp_path)
    write_gz(path, images_idx(3, payload=bytes(3 * 784)))
    # Move the timestamp forward explicitly: a rewrite can land in the same clock tick.
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    second, _ = load_mnist(train=False, root=tmp_path)
    assert first.max() > 0 and second.max() == 0


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError) as e:
        load_mnist(train=True, root=tmp_path)
    message = str(e.value)
    assert str(tmp_path / "train-images-idx3-ubyte.gz") in message
    assert "data/" in message and "MINIGRAD_DATA" in message


def test_truncated_gzip(tmp_path):
    path = write_mnist(tmp_path)
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ValueError, match="gzip") as e:
        load_mnist(train=False, root=tmp_path)
    assert str(path) in str(e.value)


def test_not_gzip_at_all(tmp_path):
    path = write_mnist(tmp_path)
    path.write_bytes(images_idx(3))
    with pytest.raises(ValueError, match="gzip") as e:
        load_mnist(train=False, root=tmp_path)
    assert str(path) in str(e.value)


def test_wrong_magic(tmp_path):
    # A labels header in the images file: the most likely mix-up.
    path = write_mnist(tmp_path, magic=0x801)
    with pytest.raises(ValueError) as e:
        load_mnist(train=False, root=tmp_path)
    message = str(e.value)
    assert str(path) in message and "0x00000803" in message and "0x00000801" in message


def test_payload_shorter_than_header_says(tmp_path):
    path = write_mnist(tmp_path, payload=bytes(2 * 784))
    with pytest.raises(ValueError) as e:
        load_mnist(train=False, root=tmp_path)
    message = str(e.value)
    assert str(path) in message and str(3 * 784) in message and str(2 * 784) in message


def test_header_shorter_than_16_bytes(tmp_path):
    path = write_mnist(tmp_path)
    write_gz(path, b"\x00\x00\x08\x03")
    with pytest.raises(ValueError, match="header") as e:
        load_mnist(train=False, root=tmp_path)
    assert str(path) in str(e.value)


def test_wrong_image_size(tmp_path):
    path = write_mnist(tmp_path, rows=32, cols=32)
    with pytest.raises(ValueError, match="28x28.*32x32") as e:
        load_mnist(train=False, root=tmp_path)
    assert str(path) in str(e.value)


def test_image_and_label_counts_differ(tmp_path):
    write_mnist(tmp_path, n_images=3, n_labels=4)
    with pytest.raises(ValueError, match="3 images.*4 labels"):
        load_mnist(train=False, root=tmp_path)


# ---- DataLoader -----------------------------------------------------------------------

def epoch(loader):
    return [yb.tolist() for _, yb in loader]


def test_every_index_once_per_epoch():
    x = np.arange(10 * 3).reshape(10, 3)
    y = np.arange(10)
    loader = DataLoader(x, y, batch_size=4, seed=0)
    for _ in range(3):
        batches = list(loader)
        assert [len(yb) for _, yb in batches] == [4, 4, 2]
        seen = np.concatenate([yb for _, yb in batches])
        assert sorted(seen.tolist()) == list(range(10))
        for xb, yb in batches:  # rows of x stay paired with their labels
            np.testing.assert_array_equal(xb, x[yb])


def test_len_and_drop_last():
    x, y = np.zeros((10, 2)), np.zeros(10)
    assert len(DataLoader(x, y, 4)) == 3
    assert len(DataLoader(x, y, 5)) == 2
    assert len(DataLoader(x, y, 4, drop_last=True)) == 2
    assert len(DataLoader(x, y, 20, drop_last=True)) == 0
    batches = list(DataLoader(x, y, 4, drop_last=True, seed=0))
    assert len(batches) == 2 and all(len(yb) == 4 for _, yb in batches)


def test_no_shuffle_keeps_order():
    y = np.arange(7)
    assert epoch(DataLoader(y, y, 3, shuffle=False)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_same_seed_same_order_and_new_order_each_epoch():
    y = np.arange(100)
    a = DataLoader(y, y, 10, seed=42)
    b = DataLoader(y, y, 10, seed=42)
    a1, a2 = epoch(a), epoch(a)
    assert a1 == epoch(b) and a2 == epoch(b)
    assert a1 != a2
    assert a1 != epoch(DataLoader(y, y, 10, seed=43))


def test_seed_none_follows_manual_seed():
    import minigrad

    y = np.arange(100)
    minigrad.manual_seed(0)
    first = epoch(DataLoader(y, y, 10))
    minigrad.manual_seed(0)
    assert epoch(DataLoader(y, y, 10)) == first


def test_accepts_lists():
    xb, yb = next(iter(DataLoader([[1, 2], [3, 4]], [0, 1], 2, shuffle=False)))
    assert isinstance(xb, np.ndarray) and xb.shape == (2, 2) and yb.tolist() == [0, 1]


def test_length_mismatch_message():
    with pytest.raises(ValueError, match=r"len\(x\)=5 and len\(y\)=4"):
        DataLoader(np.zeros(5), np.zeros(4), 2)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "8", None])
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match=f"batch_size={bad!r}"):
        DataLoader(np.zeros(5), np.zeros(5), bad)
