"""Tests for numpygrad.data.datasets.MNIST / FashionMNIST (real files shipped in data/mnist).

Downloads are exercised only against a local http.server on 127.0.0.1, never the internet.
"""

import functools
import gzip
import hashlib
import http.server
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.data import DataLoader
from numpygrad.data.datasets import MNIST, FashionMNIST

DATA = Path(__file__).resolve().parents[2] / "data" / "mnist"
TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
T10K = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture(scope="module")
def train():
    return MNIST(DATA, train=True)


@pytest.fixture(scope="module")
def test_set():
    return MNIST(DATA, train=False)


def copy_t10k(dest: Path, gz: bool = True) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    for stem in T10K:
        blob = (DATA / f"{stem}.gz").read_bytes()
        if gz:
            (dest / f"{stem}.gz").write_bytes(blob)
        else:
            (dest / stem).write_bytes(gzip.decompress(blob))
    return dest


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


# ------------------------------------------------------------------ real data


def test_train_split_shapes_dtypes_and_labels(train):
    assert train.data.shape == (60000, 28, 28) and train.data.dtype == np.uint8
    assert train.targets.shape == (60000,) and train.targets.dtype == np.int64
    assert np.bincount(train.targets).tolist() == TRAIN_COUNTS
    assert train.data.min() == 0 and train.data.max() == 255
    assert len(train) == 60000 and train.targets[0] == 5


def test_test_split_shapes_and_labels(test_set):
    assert test_set.data.shape == (10000, 28, 28) and len(test_set) == 10000
    assert np.bincount(test_set.targets).tolist() == TEST_COUNTS
    assert test_set.targets[:3].tolist() == [7, 2, 1]


def test_getitem_returns_scaled_float32_image_and_int_label(test_set):
    image, label = test_set[0]
    assert isinstance(image, npg.Array) and image.shape == (1, 28, 28)
    assert image.dtype == np.float32 and isinstance(label, int) and label == 7
    assert 0.0 <= image.data.min() and image.data.max() <= 1.0
    np.testing.assert_allclose(image.data[0] * 255, test_set.data[0], atol=1e-4)
    assert test_set[-1][1] == int(test_set.targets[-1])
    with pytest.raises(IndexError, match="10000"):
        test_set[10000]


def test_get_batch_matches_getitem(test_set):
    x, y = test_set.get_batch([3, 0, 9999])
    assert x.shape == (3, 1, 28, 28) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [int(test_set.targets[i]) for i in (3, 0, 9999)]
    np.testing.assert_array_equal(x.data[1], test_set[0][0].data)
    # Exactly torch's ``uint8_tensor.float() / 255``: float32 division of the converted bytes.
    expected = test_set.data[[3, 0, 9999]].astype(np.float32) / np.float32(255)
    np.testing.assert_array_equal(x.data[:, 0], expected)


def test_data_loader_uses_vectorised_batches(test_set):
    loader = DataLoader(test_set, batch_size=1000, shuffle=True,
                        generator=npg.random.Generator(0))
    batches = list(loader)
    assert len(batches) == len(loader) == 10
    assert batches[0][0].shape == (1000, 1, 28, 28)
    counts = np.bincount(np.concatenate([y.data for _, y in batches]), minlength=10)
    assert counts.tolist() == TEST_COUNTS


def test_transforms_apply_per_sample_and_disable_get_batch():
    ds = MNIST(DATA, train=False, transform=lambda im: im.data.mean(),
               target_transform=lambda t: t + 100)
    value, label = ds[0]
    assert label == 107 and 0 < value < 1
    assert not hasattr(ds, "get_batch")
    xb, yb = next(iter(DataLoader(ds, batch_size=4)))
    assert xb.shape == (4,) and yb.tolist()[0] == 107


# ------------------------------------------------------------------ file locations


def test_raw_uncompressed_files_in_dataset_folder(tmp_path):
    copy_t10k(tmp_path / "MNIST" / "raw", gz=False)
    ds = MNIST(tmp_path, train=False)
    assert len(ds) == 10000 and ds.targets[0] == 7


def test_root_from_environment_variable(tmp_path, monkeypatch):
    copy_t10k(tmp_path)
    monkeypatch.setenv("NUMPYGRAD_DATA", str(tmp_path))
    assert MNIST(train=False).root == tmp_path


def test_default_root_without_env(monkeypatch, tmp_path):
    monkeypatch.delenv("NUMPYGRAD_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    with pytest.raises(RuntimeError, match=str(tmp_path / ".cache" / "numpygrad")):
        MNIST(train=False)


def test_missing_files_error_names_files_folders_and_download(tmp_path):
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        (DATA / "t10k-images-idx3-ubyte.gz").read_bytes())
    with pytest.raises(RuntimeError) as info:
        MNIST(tmp_path, train=False)
    msg = str(info.value)
    assert "t10k-labels-idx1-ubyte[.gz]" in msg and "t10k-images" not in msg
    assert str(tmp_path / "MNIST" / "raw") in msg and "download=True" in msg


def test_dataset_folder_searched_before_root(tmp_path):
    copy_t10k(tmp_path / "MNIST" / "raw")
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(b"garbage")  # ignored: found later
    assert len(MNIST(tmp_path, train=False)) == 10000


# ------------------------------------------------------------------ corruption


def test_flipped_byte_in_raw_file_fails_checksum(tmp_path):
    copy_t10k(tmp_path, gz=False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    raw = bytearray(path.read_bytes())
    raw[5000] ^= 0x01
    path.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=f"{path}.*failed its checksum.*sha256"):
        MNIST(tmp_path, train=False)


def test_recompressed_corrupted_data_fails_checksum(tmp_path):
    copy_t10k(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    raw = bytearray(gzip.decompress(path.read_bytes()))
    raw[100] = (raw[100] + 1) % 10  # still a valid label, wrong data
    path.write_bytes(gzip.compress(bytes(raw)))
    with pytest.raises(ValueError, match="failed its checksum"):
        MNIST(tmp_path, train=False)


def test_damaged_gzip_is_reported(tmp_path):
    copy_t10k(tmp_path)
    path = tmp_path / "t10k-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-1000])
    with pytest.raises(ValueError, match=f"{path} is truncated or corrupted"):
        MNIST(tmp_path, train=False)


@pytest.mark.parametrize("damage, match", [
    (lambda raw: b"\x00\x00\x08\x03" + raw[4:], "magic number 0x00000803"),
    (lambda raw: raw[:-7], "truncated or corrupted.*10001 bytes.*implies 10008"),
    (lambda raw: raw[:2], "only 2 bytes"),
])
def test_malformed_idx_files_name_the_file(tmp_path, damage, match):
    copy_t10k(tmp_path, gz=False)
    path = tmp_path / "t10k-labels-idx1-ubyte"
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(ValueError, match=match) as info:
        MNIST(tmp_path, train=False)
    assert str(path) in str(info.value)


def test_image_label_count_mismatch(tmp_path):
    class Tiny(MNIST):
        resources = {}

    folder = tmp_path / "Tiny" / "raw"
    folder.mkdir(parents=True)
    (folder / T10K[0]).write_bytes(idx_bytes(np.zeros((3, 28, 28))))
    (folder / T10K[1]).write_bytes(idx_bytes(np.zeros(2)))
    with pytest.raises(ValueError, match="3 images.*2 labels"):
        Tiny(tmp_path, train=False)
    (folder / T10K[1]).write_bytes(idx_bytes(np.array([0, 1, 12])))
    with pytest.raises(ValueError, match="label 12"):
        Tiny(tmp_path, train=False)


# ------------------------------------------------------------------ FashionMNIST


def test_fashion_mnist_reads_own_folder_and_rejects_mnist_gz(tmp_path):
    copy_t10k(tmp_path / "MNIST" / "raw")  # never used by FashionMNIST
    with pytest.raises(RuntimeError, match="FashionMNIST test files not found"):
        FashionMNIST(tmp_path, train=False)
    copy_t10k(tmp_path / "FashionMNIST" / "raw")  # MNIST bytes under Fashion's name
    with pytest.raises(ValueError, match="md5 is 9fb629c4.*expected bef4ecab"):
        FashionMNIST(tmp_path, train=False)


def test_fashion_mnist_raw_files_validated_structurally(tmp_path):
    folder = tmp_path / "FashionMNIST" / "raw"
    folder.mkdir(parents=True)
    images = np.arange(5 * 28 * 28).reshape(5, 28, 28) % 256
    (folder / T10K[0]).write_bytes(idx_bytes(images))
    (folder / T10K[1]).write_bytes(idx_bytes(np.array([9, 0, 1, 2, 3])))
    ds = FashionMNIST(tmp_path, train=False)
    assert len(ds) == 5 and ds.classes[ds[0][1]] == "Ankle boot"
    np.testing.assert_array_equal(ds.data, images)


# ------------------------------------------------------------------ download


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path, monkeypatch):
    """Serve tmp_path/www on 127.0.0.1; yields (base_url, www_dir)."""
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    www = tmp_path / "www"
    www.mkdir()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(www)))
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", www
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def leftovers(folder: Path):
    return sorted(p.name for p in folder.iterdir() if not p.name.endswith(".gz"))


def test_download_good_files(server, tmp_path, monkeypatch):
    base, www = server
    copy_t10k(www / "good")
    monkeypatch.setattr(MNIST, "mirrors", [f"{base}/good/"])
    root = tmp_path / "root"
    ds = MNIST(root, train=False, download=True)
    assert len(ds) == 10000 and ds.targets[0] == 7
    raw = root / "MNIST" / "raw"
    assert sorted(p.name for p in raw.iterdir()) == [f"{s}.gz" for s in T10K]
    # once present, nothing is fetched again even with download=True
    monkeypatch.setattr(MNIST, "mirrors", [f"{base}/nowhere/"])
    assert len(MNIST(root, train=False, download=True)) == 10000


def test_download_rejects_corrupted_mirror_and_falls_back(server, tmp_path, monkeypatch):
    base, www = server
    bad = copy_t10k(www / "bad")
    blob = bytearray(gzip.decompress((bad / f"{T10K[0]}.gz").read_bytes()))
    blob[-1] ^= 0xFF
    (bad / f"{T10K[0]}.gz").write_bytes(gzip.compress(bytes(blob), compresslevel=1))
    copy_t10k(www / "good")
    monkeypatch.setattr(MNIST, "mirrors", [f"{base}/missing/", f"{base}/bad/", f"{base}/good/"])
    root = tmp_path / "root"
    ds = MNIST(root, train=False, download=True)
    assert len(ds) == 10000
    raw = root / "MNIST" / "raw"
    good = hashlib.md5((www / "good" / f"{T10K[0]}.gz").read_bytes()).hexdigest()
    assert hashlib.md5((raw / f"{T10K[0]}.gz").read_bytes()).hexdigest() == good
    assert leftovers(raw) == []


def test_download_all_mirrors_bad_raises_and_leaves_nothing(server, tmp_path, monkeypatch):
    base, www = server
    bad = copy_t10k(www / "bad")
    (bad / f"{T10K[1]}.gz").write_bytes(gzip.compress(idx_bytes(np.zeros(10000))))
    monkeypatch.setattr(MNIST, "mirrors", [f"{base}/bad/", f"{base}/missing/"])
    root = tmp_path / "root"
    with pytest.raises(RuntimeError) as info:
        MNIST(root, train=False, download=True)
    msg = str(info.value)
    assert f"{base}/bad/{T10K[1]}.gz" in msg and f"{base}/missing/{T10K[1]}.gz" in msg
    assert "404" in msg and "expected" in msg
    raw = root / "MNIST" / "raw"
    assert leftovers(raw) == [] and not (raw / f"{T10K[1]}.gz").exists()


def test_download_without_tqdm(server, tmp_path, monkeypatch):
    base, www = server
    copy_t10k(www / "good")
    monkeypatch.setattr(MNIST, "mirrors", [f"{base}/good/"])
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm -> ImportError
    assert len(MNIST(tmp_path / "root", train=False, download=True)) == 10000


def test_download_interrupted_cleans_temp_file(server, tmp_path, monkeypatch):
    import numpygrad.data.datasets.mnist as mnist_module

    base, www = server
    copy_t10k(www / "good")
    monkeypatch.setattr(MNIST, "mirrors", [f"{base}/good/"])

    def interrupted(url, out, timeout):
        out.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(mnist_module, "_fetch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        MNIST(tmp_path / "root", train=False, download=True)
    assert list((tmp_path / "root" / "MNIST" / "raw").iterdir()) == []
