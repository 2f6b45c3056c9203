"""Save and load checkpoints (state dicts) safely: no pickle, atomic writes, checksums.

File format (version 1)
-----------------------
A NumPy ``.npz`` (zip) container written with ``np.savez`` and read with
``allow_pickle=False``. It holds:

- ``a0``, ``a1``, ...: every array leaf, in depth-first order;
- ``__manifest__``: UTF-8 JSON (as a uint8 array) with the format name and
  version, the nested structure (dict keys with their types, lists vs tuples,
  Python scalars, which leaves were ``numpygrad.Array`` and which ``np.ndarray``)
  and each array's dtype and shape;
- ``__sha256__``: the hex SHA-256 of the manifest bytes followed by every
  array's raw bytes, verified on load.

Writes go to a temporary file in the destination directory, are flushed and
fsynced, then renamed over ``path`` with ``os.replace``; a failure at any point
removes the temporary file and leaves an existing ``path`` untouched.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from numpygrad._array import Array, asarray

__all__ = ["save", "load", "CheckpointError"]

FORMAT_NAME = "numpygrad-checkpoint"
FORMAT_VERSION = 1
_MANIFEST, _DIGEST = "__manifest__", "__sha256__"
_ARRAY_KINDS = "biufc"  # bool, ints, floats, complex: plain bytes, never pickled


class CheckpointError(ValueError):
    """Raised when a checkpoint file is truncated, corrupted or not a checkpoint.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.serialization import CheckpointError
    >>> issubclass(CheckpointError, ValueError)
    True
    """


def _key_path(path: str, key: Any) -> str:
    return f"{path}[{key!r}]"


def _encode(obj: Any, path: str, arrays: list[np.ndarray], active: list[int]) -> Any:
    """Turn ``obj`` into a JSON-able tree, appending array leaves to ``arrays``."""
    if obj is None:
        return {"t": "none"}
    if isinstance(obj, bool):
        return {"t": "bool", "v": obj}
    if isinstance(obj, int):
        return {"t": "int", "v": int(obj)}
    if isinstance(obj, float):
        return {"t": "float", "v": float(obj).hex()}  # exact, and covers nan/inf
    if isinstance(obj, str):
        return {"t": "str", "v": obj}
    if isinstance(obj, (Array, np.ndarray, np.generic)):
        kind = "Array" if isinstance(obj, Array) else (
            "ndarray" if isinstance(obj, np.ndarray) else "scalar")
        data = obj.data if isinstance(obj, Array) else np.asarray(obj)
        if data.dtype.kind not in _ARRAY_KINDS or data.dtype.fields is not None:
            raise TypeError(f"cannot save {kind} of dtype {data.dtype} at {path}: only bool, "
                            "integer, float and complex arrays are supported")
        # np.ascontiguousarray would turn 0-d arrays into 1-d ones; copy(order="C") does not.
        arrays.append(data if data.flags.c_contiguous else data.copy(order="C"))
        return {"t": kind, "i": len(arrays) - 1, "dtype": data.dtype.str,
                "shape": list(data.shape)}
    if isinstance(obj, (dict, list, tuple)):
        if id(obj) in active:
            raise ValueError(f"cannot save a circular reference at {path}")
        active.append(id(obj))
        try:
            if isinstance(obj, dict):
                items = []
                for k, v in obj.items():
                    if isinstance(k, bool) or not isinstance(k, (str, int)):
                        raise TypeError(f"cannot save dict key {k!r} of type "
                                        f"{type(k).__name__} at {path}: keys must be str or int")
                    items.append(["s" if isinstance(k, str) else "i", k,
                                  _encode(v, _key_path(path, k), arrays, active)])
                return {"t": "dict", "items": items}
            return {"t": "tuple" if isinstance(obj, tuple) else "list",
                    "items": [_encode(v, _key_path(path, i), arrays, active)
                              for i, v in enumerate(obj)]}
        finally:
            active.pop()
    raise TypeError(f"cannot save object of type {type(obj).__name__} at {path}: supported "
                    "are dict, list, tuple, Array, ndarray, int, float, bool, str and None")


def _digest(manifest: bytes, arrays: list[np.ndarray]) -> str:
    h = hashlib.sha256(manifest)
    for a in arrays:
        # A flat uint8 view hashes the raw bytes without a copy (also for empty arrays).
        h.update((a if a.flags.c_contiguous else a.copy(order="C")).reshape(-1).view(np.uint8))
    return h.hexdigest()


def _write_container(f: BinaryIO, entries: dict[str, np.ndarray]) -> None:
    """Write the npz container (split out so tests can inject faults here)."""
    np.savez(f, allow_pickle=False, **entries)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save a (nested) state dict to ``path`` atomically.

    Parameters
    ----------
    obj : dict, list, tuple, Array, ndarray, int, float, bool, str or None
        Nested containers; dict keys must be str or int. Arrays are stored
        detached (data only), with exact dtype and bits.
    path : str or PathLike
        Destination; written exactly as given (no suffix is added). Its parent
        directory must exist.

    Raises
    ------
    TypeError
        For unsupported objects or keys; the message names the key path.
    FileNotFoundError
        If the parent directory does not exist.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpygrad as npg
    >>> path = os.path.join(tempfile.mkdtemp(), "ckpt.npz")
    >>> npg.save({"w": npg.ones(2), "step": 3}, path)
    >>> npg.load(path)["step"]
    3
    """
    path = Path(path)
    arrays: list[np.ndarray] = []
    tree = _encode(obj, "obj", arrays, [])
    manifest = json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "tree": tree,
                           "arrays": len(arrays)}, separators=(",", ":")).encode()
    entries = {f"a{i}": a for i, a in enumerate(arrays)}
    entries[_MANIFEST] = np.frombuffer(manifest, dtype=np.uint8)
    entries[_DIGEST] = np.frombuffer(_digest(manifest, arrays).encode(), dtype=np.uint8)

    parent = path.parent
    if not parent.is_dir():
        raise FileNotFoundError(f"Parent directory {parent} does not exist (saving {path})")
    if path.is_dir():
        raise IsADirectoryError(f"cannot save to {path}: it is a directory")
    # Same directory as the target so os.replace is an atomic rename on one filesystem.
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".tmp", dir=parent)
    try:
        with os.fdopen(fd, "wb") as f:
            _write_container(f, entries)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; a checkpoint is an ordinary file
        os.replace(tmp, path)
    except BaseException:  # includes KeyboardInterrupt: never leave a partial temp file
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(parent)


def _fsync_dir(folder: Path) -> None:
    # Persist the rename itself; not possible on every platform, so best effort.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _decode(node: Any, arrays: list[np.ndarray]) -> Any:
    t = node["t"]
    if t == "none":
        return None
    if t in ("bool", "str"):
        if not isinstance(node["v"], bool if t == "bool" else str):
            raise ValueError(f"bad {t} leaf")
        return node["v"]
    if t == "int":
        if isinstance(node["v"], bool) or not isinstance(node["v"], int):
            raise ValueError("bad int leaf")
        return node["v"]
    if t == "float":
        return float.fromhex(node["v"])
    if t in ("Array", "ndarray", "scalar"):
        a = arrays[node["i"]]
        if a.dtype.str != node["dtype"] or list(a.shape) != node["shape"]:
            raise ValueError(f"array {node['i']} is {a.dtype.str}{a.shape}, manifest says "
                             f"{node['dtype']}{tuple(node['shape'])}")
        if t == "Array":
            return asarray(a)  # freshly read from the file: no copy needed
        return a if t == "ndarray" else a[()]
    if t in ("list", "tuple"):
        items = [_decode(v, arrays) for v in node["items"]]
        return items if t == "list" else tuple(items)
    if t == "dict":
        out = {}
        for ktype, key, value in node["items"]:
            if (ktype == "s") != isinstance(key, str) or ktype not in ("s", "i"):
                raise ValueError(f"bad dict key {key!r}")
            out[key] = _decode(value, arrays)
        return out
    raise ValueError(f"unknown node type {t!r}")


def _parse(raw: bytes) -> Any:
    with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
        names = set(npz.files)
        if _MANIFEST not in names or _DIGEST not in names:
            raise ValueError("not a numpygrad checkpoint (no manifest)")
        manifest = npz[_MANIFEST].tobytes()
        digest = npz[_DIGEST].tobytes().decode("ascii")
        meta = json.loads(manifest)
        if meta.get("format") != FORMAT_NAME:
            raise ValueError(f"not a numpygrad checkpoint (format {meta.get('format')!r})")
        if meta.get("version") != FORMAT_VERSION:
            raise ValueError(f"format version {meta.get('version')!r} is not supported "
                             f"(this numpygrad reads version {FORMAT_VERSION})")
        n = meta["arrays"]
        if names != {_MANIFEST, _DIGEST} | {f"a{i}" for i in range(n)}:
            raise ValueError("the container's entries do not match its manifest")
        arrays = [npz[f"a{i}"] for i in range(n)]
    if _digest(manifest, arrays) != digest:
        raise ValueError("SHA-256 checksum mismatch")
    return _decode(meta["tree"], arrays)


def load(path: str | os.PathLike) -> Any:
    """Load an object saved by :func:`save`, verifying its checksum.

    Saved Arrays come back as ``numpygrad.Array`` (``requires_grad=False``),
    ndarrays as ndarrays, with identical dtypes and bits; tuples stay tuples and
    int dict keys stay ints. Nothing is unpickled.

    Raises
    ------
    FileNotFoundError, IsADirectoryError
        If ``path`` is missing or a directory.
    CheckpointError
        If the file is empty, truncated, corrupted, or not a checkpoint. The
        message names the file.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> path = os.path.join(tempfile.mkdtemp(), "state.npz")
    >>> npg.save({"layers": [np.arange(3)], 0: (1.5, None)}, path)
    >>> npg.load(path)
    {'layers': [array([0, 1, 2])], 0: (1.5, None)}
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"cannot load {path}: it is a directory")
    if not path.exists():
        raise FileNotFoundError(f"No such checkpoint file: {path}")
    raw = path.read_bytes()
    try:
        return _parse(raw)
    except Exception as exc:  # any structural failure means the bytes are not what we wrote
        raise CheckpointError(f"checkpoint {path} is truncated or corrupted: "
                              f"{type(exc).__name__}: {exc}") from exc
