"""MNIST and Fashion-MNIST from IDX files (gzip-compressed or raw), with checksums.

Where files are looked for
--------------------------
``root`` defaults to ``$NUMPYGRAD_DATA``, else ``~/.cache/numpygrad``. For each
file the loader tries, in order: ``root/<Name>/raw/<file>.gz``,
``root/<Name>/raw/<file>``, ``root/<file>.gz``, ``root/<file>``, where
``<Name>`` is ``MNIST`` or ``FashionMNIST``. The dataset-specific folder comes
first because both datasets use the same file names. Downloads go to
``root/<Name>/raw/``.

What is checked
---------------
Every file's IDX header (magic number, dimensions, exact byte length) is
validated. Then its checksum: a ``.gz`` file is accepted when the md5 of the
gzip bytes matches the public mirrors' file *or* the sha256 of the decompressed
bytes matches; a raw file must match the decompressed sha256. For MNIST both
are known for all four files. For Fashion-MNIST only the gzip md5s are
published, so raw (uncompressed) Fashion-MNIST files are checked structurally
only (header, length, labels in 0..9).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import tempfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from numpygrad._array import Array, asarray
from numpygrad.data.dataset import Dataset, _as_index_array, _check_index

__all__ = ["MNIST", "FashionMNIST"]


def _default_root() -> Path:
    env = os.environ.get("NUMPYGRAD_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "numpygrad"


def _parse_idx(path: Path | str, raw: bytes, ndim: int) -> np.ndarray:
    """Validate an IDX header and return the uint8 payload as a writable array."""
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 0x08 or raw[3] != ndim:
        magic = int.from_bytes(raw[:4], "big") if len(raw) >= 4 else None
        found = f"0x{magic:08x}" if magic is not None else f"only {len(raw)} bytes"
        raise ValueError(f"{path} is not an IDX file of {ndim}-D uint8 data: magic number "
                         f"{found}, expected 0x{0x800 + ndim:08x}")
    header = 4 + 4 * ndim
    dims = tuple(int.from_bytes(raw[4 + 4 * k:8 + 4 * k], "big") for k in range(ndim))
    expected = header + int(np.prod(dims, dtype=np.int64))
    if len(raw) != expected:
        raise ValueError(f"{path} is truncated or corrupted: it has {len(raw)} bytes but its "
                         f"header (dims {dims}) implies {expected}")
    data = np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
    # A bytearray buffer is already writable and ours: wrap it instead of copying.
    return data if isinstance(raw, bytearray) else data.copy()


class MNIST(Dataset):
    """The MNIST handwritten digits: 60 000 training and 10 000 test images.

    Parameters
    ----------
    root : str or Path, optional
        Data directory; default ``$NUMPYGRAD_DATA`` or ``~/.cache/numpygrad``. See
        the module docstring for the search order and what is checksummed.
    train : bool
        Training split (``train-*`` files) or test split (``t10k-*`` files).
    transform, target_transform : callable, optional
        Applied per sample to the image Array and to the int label.
    download : bool
        Fetch missing files from :attr:`mirrors` (first that gives a verified file).

    Attributes
    ----------
    data : np.ndarray
        uint8 images, shape ``(N, 28, 28)``.
    targets : np.ndarray
        int64 labels, shape ``(N,)``.

    Notes
    -----
    ``dataset[i]`` is ``(image, label)``: a float32 Array of shape ``(1, 28, 28)``
    scaled to ``[0, 1]`` and a Python int. ``get_batch(indices)`` returns a float32
    ``(B, 1, 28, 28)`` Array and an int64 ``(B,)`` Array; it is unavailable when a
    transform is set, so a DataLoader then applies the transforms per sample.

    Examples
    --------
    >>> from numpygrad.data.datasets import MNIST
    >>> MNIST.filenames(train=True)
    ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte')
    >>> test = MNIST(train=False)  # doctest: +SKIP
    >>> image, label = test[0]  # doctest: +SKIP
    >>> image.shape, label  # doctest: +SKIP
    ((1, 28, 28), 7)
    """

    #: Base URLs tried in order by ``download=True``; override to use another mirror.
    mirrors: Sequence[str] = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    #: File stem -> (md5 of the mirrors' .gz file, sha256 of the decompressed file).
    resources: dict[str, tuple[str | None, str | None]] = {
        "train-images-idx3-ubyte": (
            "f68b3c2dcbeaaa9fbdd348bbdeb94873",
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "train-labels-idx1-ubyte": (
            "d53e105ee54ea40749a09fcbcd1e9432",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "t10k-images-idx3-ubyte": (
            "9fb629c4189551a2d022fa330f9573f3",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "t10k-labels-idx1-ubyte": (
            "ec29112dd5afa0611ce80d1b7f02629c",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    }
    classes: Sequence[str] = tuple(f"{d} - {w}" for d, w in enumerate(
        "zero one two three four five six seven eight nine".split()))
    #: Seconds to wait for a mirror before trying the next one.
    timeout: float = 30.0

    def __init__(self, root: str | os.PathLike | None = None, train: bool = True,
                 transform: Callable[[Array], Any] | None = None,
                 target_transform: Callable[[int], Any] | None = None,
                 download: bool = False) -> None:
        self.root = _default_root() if root is None else Path(root).expanduser()
        self.train = bool(train)
        self.transform = transform
        self.target_transform = target_transform
        images_path, labels_path = self._locate(download)
        self.data: np.ndarray = self._load(images_path, ndim=3)
        self.targets: np.ndarray = self._load(labels_path, ndim=1).astype(np.int64)
        if len(self.data) != len(self.targets):
            raise ValueError(f"{images_path} has {len(self.data)} images but {labels_path} "
                             f"has {len(self.targets)} labels")
        if self.targets.size and self.targets.max() >= len(self.classes):
            raise ValueError(f"{labels_path} holds label {self.targets.max()}, outside "
                             f"0..{len(self.classes) - 1}")

    # -------------------------------------------------------------- files

    @classmethod
    def filenames(cls, train: bool = True) -> tuple[str, str]:
        """The (images, labels) file stems of a split, without ``.gz``.

        Examples
        --------
        >>> from numpygrad.data.datasets import MNIST
        >>> MNIST.filenames(train=False)[1]
        't10k-labels-idx1-ubyte'
        """
        prefix = "train" if train else "t10k"
        return f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"

    @property
    def raw_folder(self) -> Path:
        """``root/<Name>/raw``: searched first, and where downloads are written.

        Examples
        --------
        >>> from numpygrad.data.datasets import MNIST
        >>> MNIST(root="data", train=False).raw_folder  # doctest: +SKIP
        PosixPath('data/MNIST/raw')
        """
        return self.root / type(self).__name__ / "raw"

    def _find(self, stem: str) -> Path | None:
        for folder in (self.raw_folder, self.root):
            for name in (stem + ".gz", stem):
                if (folder / name).is_file():
                    return folder / name
        return None

    def _locate(self, download: bool) -> tuple[Path, Path]:
        stems = self.filenames(self.train)
        found = {s: self._find(s) for s in stems}
        missing = [s for s in stems if found[s] is None]
        if missing and download:
            for s in missing:
                found[s] = self._download(s)
        elif missing:
            raise RuntimeError(
                f"{type(self).__name__} {'training' if self.train else 'test'} files not "
                f"found: {', '.join(s + '[.gz]' for s in missing)}. Looked in "
                f"{self.raw_folder} and {self.root}. Put the files there (gzip-compressed "
                "or not), point root= or $NUMPYGRAD_DATA at their folder, or pass "
                f"download=True to fetch them from {self.mirrors[0] if self.mirrors else '-'}")
        return found[stems[0]], found[stems[1]]

    @staticmethod
    def _decompress(path: Path | str, blob: bytes) -> bytearray:
        # Decompress into a bytearray sized by the gzip trailer (ISIZE), so the
        # image array can wrap it writably without a second 47 MB copy.
        try:
            size = int.from_bytes(blob[-4:], "little") if len(blob) >= 18 else 0
            out = bytearray(size)
            with gzip.GzipFile(fileobj=io.BytesIO(blob)) as f:
                view, got = memoryview(out), 0
                while got < size:
                    # Bounded chunks: GzipFile.readinto allocates a temporary
                    # as large as the request.
                    n = f.readinto(view[got:got + (1 << 20)])
                    if not n:
                        break
                    got += n
                if got == size and not f.read(1):
                    return out
            return bytearray(gzip.decompress(blob))  # trailer disagreed: the slow path
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"{path} is truncated or corrupted: not a valid gzip "
                             f"file ({exc})") from exc

    def _check(self, path: Path | str, stem: str, blob: bytes, raw: bytes, gz: bool) -> None:
        """Accept a matching gzip md5 or a matching decompressed sha256 (see module doc)."""
        md5_ok, sha_ok = self.resources.get(stem, (None, None))
        gz_md5 = hashlib.md5(blob, usedforsecurity=False).hexdigest() if gz else None
        if gz_md5 is not None and gz_md5 == md5_ok:
            return
        if sha_ok is not None:
            sha = hashlib.sha256(raw).hexdigest()
            if sha != sha_ok:
                raise ValueError(f"{path} failed its checksum: sha256 of the decompressed "
                                 f"data is {sha}, expected {sha_ok}. The file is corrupted; "
                                 "delete it and retry with download=True")
        elif gz_md5 is not None and md5_ok is not None:
            raise ValueError(f"{path} failed its checksum: md5 is {gz_md5}, expected "
                             f"{md5_ok}. The file is corrupted; delete it and retry with "
                             "download=True")

    def _load(self, path: Path, ndim: int) -> np.ndarray:
        gz = path.name.endswith(".gz")
        stem = path.name[:-3] if gz else path.name
        blob = path.read_bytes() if gz else bytearray(path.read_bytes())
        raw = self._decompress(path, blob) if gz else blob
        array = _parse_idx(path, raw, ndim)  # structural errors first: they say more
        self._check(path, stem, blob, raw, gz)
        return array

    def _download(self, stem: str) -> Path:
        folder = self.raw_folder
        folder.mkdir(parents=True, exist_ok=True)
        dest = folder / (stem + ".gz")
        errors = []
        for mirror in self.mirrors:
            url = mirror.rstrip("/") + "/" + stem + ".gz"
            # Temp file in the destination folder so os.replace is an atomic rename.
            fd, tmp = tempfile.mkstemp(prefix=dest.name + ".", suffix=".part", dir=folder)
            try:
                with os.fdopen(fd, "wb") as f:
                    _fetch(url, f, self.timeout)
                    f.flush()
                    os.fsync(f.fileno())
                blob = Path(tmp).read_bytes()
                raw = self._decompress(url, blob)
                _parse_idx(url, raw, 3 if "idx3" in stem else 1)
                self._check(url, stem, blob, raw, gz=True)
                os.chmod(tmp, 0o644)  # mkstemp creates 0600; data files should be readable
                os.replace(tmp, dest)
                return dest
            except Exception as exc:  # any failure (HTTP, timeout, bad bytes): next mirror
                errors.append(f"{url}: {type(exc).__name__}: {exc}")
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        raise RuntimeError(f"could not download a verified {stem}.gz from any mirror:\n  "
                           + "\n  ".join(errors or ["no mirrors configured"]))

    # -------------------------------------------------------------- samples

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index: int) -> tuple[Any, Any]:
        i = _check_index(index, len(self), type(self).__name__)
        image: Any = asarray(np.divide(self.data[i][None], np.float32(255), dtype=np.float32))
        label: Any = int(self.targets[i])
        if self.transform is not None:
            image = self.transform(image)
        if self.target_transform is not None:
            label = self.target_transform(label)
        return image, label

    @property
    def get_batch(self) -> Callable[[Any], tuple[Array, Array]]:
        """Vectorised fetch: ``(float32 (B, 1, H, W) Array, int64 (B,) Array)``.

        Raises AttributeError (so ``hasattr`` is False) when a transform is set.

        Examples
        --------
        >>> from numpygrad.data.datasets import MNIST
        >>> x, y = MNIST(train=False).get_batch([0, 1])  # doctest: +SKIP
        >>> x.shape, y.dtype  # doctest: +SKIP
        ((2, 1, 28, 28), dtype('int64'))
        """
        if self.transform is not None or self.target_transform is not None:
            raise AttributeError("get_batch is unavailable when transform or "
                                 "target_transform is set (they apply per sample)")
        return self._get_batch

    def _get_batch(self, indices: Any) -> tuple[Array, Array]:
        idx = _as_index_array(indices, len(self), type(self).__name__)
        # One pass from the gathered uint8 rows: the ufunc converts as it divides
        # (the same float32 values as .astype(np.float32) / 255, several times faster).
        images = np.divide(self.data[idx][:, None], np.float32(255), dtype=np.float32)
        return asarray(images), asarray(self.targets[idx])

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split}, n={len(self)}, root={self.root})"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: 28x28 clothing images in 10 classes, MNIST's file format.

    Same interface as :class:`MNIST`; files are looked for in
    ``root/FashionMNIST/raw`` and then ``root``. Only the gzip md5s are known, so
    uncompressed files are validated structurally but not checksummed.

    Examples
    --------
    >>> from numpygrad.data.datasets import FashionMNIST
    >>> FashionMNIST.classes[0]
    'T-shirt/top'
    """

    mirrors: Sequence[str] = (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    )
    resources: dict[str, tuple[str | None, str | None]] = {
        "train-images-idx3-ubyte": ("8d4fb7e6c68d591d4c3dfef9ec88bf0d", None),
        "train-labels-idx1-ubyte": ("25c81989df183df01b3e8a0aad5dffbe", None),
        "t10k-images-idx3-ubyte": ("bef4ecab320f06d8554ea6380940ec79", None),
        "t10k-labels-idx1-ubyte": ("bb300cfdad3c16e7a12a480ee83cd310", None),
    }
    classes: Sequence[str] = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                              "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def _fetch(url: str, out: BinaryIO, timeout: float) -> None:
    """Stream ``url`` into ``out`` with a tqdm progress bar (if tqdm is installed)."""
    import urllib.request  # imported lazily: only downloads need it

    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is optional at runtime; downloads still work
            tqdm = None
        bar = (tqdm(total=total, unit="B", unit_scale=True, desc=url.rsplit("/", 1)[-1],
                    leave=False) if tqdm is not None else None)
        try:
            while chunk := response.read(1 << 16):
                out.write(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        finally:
            if bar is not None:
                bar.close()
        if total is not None and out.tell() != total:
            raise OSError(f"download of {url} stopped after {out.tell()} of {total} bytes")
