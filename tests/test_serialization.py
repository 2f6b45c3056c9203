"""Tests for numpygrad.serialization: round trips, atomic writes, corruption detection."""

import io
import os
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
import numpygrad.serialization as ser
from numpygrad.serialization import CheckpointError, load, save


def same(a, b):
    """Structural equality that is exact on bits (nan, -0.0) and on types."""
    if type(a) is not type(b):
        return False
    if isinstance(a, npg.Array):
        return not b.requires_grad and b.is_leaf and same(a.data, b.data)
    if isinstance(a, (np.ndarray, np.generic)):
        return (a.dtype == b.dtype and np.shape(a) == np.shape(b)
                and np.asarray(a).tobytes() == np.asarray(b).tobytes())
    if isinstance(a, float):
        return a.hex() == b.hex()
    if isinstance(a, dict):
        return (list(a) == list(b) and all(type(k) is type(m) for k, m in zip(a, b))
                and all(same(a[k], b[k]) for k in a))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


DTYPES = st.sampled_from([np.float32, np.float64, np.float16, np.int8, np.int32, np.int64,
                          np.uint8, np.bool_, np.complex64])
ndarrays = DTYPES.flatmap(lambda dt: hnp.arrays(
    dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)))
leaves = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8), ndarrays,
    ndarrays.map(npg.Array), st.sampled_from([np.float32(1.5), np.int64(-3)]))
keys = st.one_of(st.text(max_size=6), st.integers(-5, 5))
trees = st.recursive(leaves, lambda children: st.one_of(
    st.lists(children, max_size=4), st.lists(children, max_size=4).map(tuple),
    st.dictionaries(keys, children, max_size=4)), max_leaves=12)


@given(obj=trees)
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_round_trip_property(tmp_path, obj):
    path = tmp_path / "ckpt.npz"
    save(obj, path)
    assert same(obj, load(path))


def test_round_trip_state_dict_exact(tmp_path):
    w = npg.Array(np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32),
                  requires_grad=True)
    state = {"model": {"layers.0.weight": w, "layers.0.bias": np.zeros(4, np.float64)},
             "optimizer": {"state": {0: {"step": 5, "exp_avg": np.ones((3, 4), np.float32)}},
                           "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "params": [0],
                                             "nesterov": False, "name": None}]},
             "scalar0d": np.array(2.5), "empty": np.zeros((0, 3), np.int32),
             "nan": float("nan"), "negzero": -0.0, "big": 2**100}
    path = tmp_path / "state.npz"
    save(state, path)
    out = load(path)
    assert same(state, out)
    loaded_w = out["model"]["layers.0.weight"]
    assert isinstance(loaded_w, npg.Array) and not loaded_w.requires_grad
    assert loaded_w.dtype == np.float32
    assert isinstance(out["model"]["layers.0.bias"], np.ndarray)
    assert isinstance(out["optimizer"]["param_groups"][0]["betas"], tuple)
    assert list(out["optimizer"]["state"]) == [0]
    out["optimizer"]["state"][0]["exp_avg"] += 1  # loaded buffers are writable
    loaded_w.data[0, 0] = 42.0
    assert w.data[0, 0] != 42.0


def test_non_contiguous_arrays_saved_by_value(tmp_path):
    base = np.arange(12.0).reshape(3, 4)
    save({"t": base.T, "s": base[:, ::2]}, tmp_path / "v.npz")
    out = load(tmp_path / "v.npz")
    np.testing.assert_array_equal(out["t"], base.T)
    np.testing.assert_array_equal(out["s"], base[:, ::2])


def test_file_is_plain_npz_without_pickle(tmp_path):
    path = tmp_path / "c.npz"
    save({"a": np.arange(3)}, path)
    with zipfile.ZipFile(path) as z:
        assert sorted(z.namelist()) == ["__manifest__.npy", "__sha256__.npy", "a0.npy"]
    with np.load(path, allow_pickle=False) as npz:
        assert b'"format":"numpygrad-checkpoint"' in npz["__manifest__"].tobytes()


# ------------------------------------------------------------------ save errors


@pytest.mark.parametrize("obj, where", [
    ({"a": {"b": object()}}, r"obj\['a'\]\['b'\]"),
    ({"a": [1, {2.5: 3}]}, r"obj\['a'\]\[1\]"),
    ({"a": {True: 1}}, r"obj\['a'\]"),
    ([np.array(["x", "y"])], r"obj\[0\]"),
    ({"o": np.array([None], dtype=object)}, r"obj\['o'\]"),
    ({"s": {1, 2}}, r"obj\['s'\]"),
])
def test_unsupported_objects_raise_type_error_naming_key_path(tmp_path, obj, where):
    with pytest.raises(TypeError, match=where):
        save(obj, tmp_path / "x.npz")
    assert list(tmp_path.iterdir()) == []


def test_circular_reference_raises(tmp_path):
    loop = {"a": []}
    loop["a"].append(loop)
    with pytest.raises(ValueError, match="circular"):
        save(loop, tmp_path / "x.npz")


def test_shared_non_circular_references_are_fine(tmp_path):
    shared = np.arange(3)
    save({"a": shared, "b": [shared, shared]}, tmp_path / "x.npz")
    assert same(load(tmp_path / "x.npz"), {"a": shared, "b": [shared, shared]})


def test_missing_parent_directory(tmp_path):
    target = tmp_path / "no" / "such" / "ckpt.npz"
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "no" / "such")):
        save({}, target)


def test_save_onto_directory_raises(tmp_path):
    with pytest.raises(IsADirectoryError):
        save({}, tmp_path)


# ------------------------------------------------------------------ atomicity


def write_old(path):
    save({"version": "old", "w": np.arange(1000.0)}, path)
    return path.read_bytes()


def test_interrupted_write_keeps_old_file_and_removes_temp(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    old_bytes = write_old(path)
    real = ser._write_container

    class Exploding(io.RawIOBase):
        def __init__(self, f):
            self.f, self.written = f, 0

        def writable(self):
            return True

        def write(self, b):
            if self.written > 2000:
                raise OSError("disk full (injected)")
            self.written += len(b)
            return self.f.write(b)

        def tell(self):
            return self.f.tell()

        def seek(self, *args):
            return self.f.seek(*args)

    def half_write(f, entries):
        real(Exploding(f), entries)

    monkeypatch.setattr(ser, "_write_container", half_write)
    with pytest.raises(OSError, match="injected"):
        save({"version": "new", "w": np.zeros(100_000)}, path)
    assert path.read_bytes() == old_bytes
    assert load(path)["version"] == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError, RuntimeError])
def test_any_exception_during_write_cleans_up(tmp_path, monkeypatch, exc):
    path = tmp_path / "ckpt.npz"
    old_bytes = write_old(path)

    def failing(f, entries):
        f.write(b"PK\x03\x04 partial")
        raise exc("injected")

    monkeypatch.setattr(ser, "_write_container", failing)
    with pytest.raises(exc):
        save({"new": 1}, path)
    assert path.read_bytes() == old_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


def test_failed_replace_cleans_up(tmp_path, monkeypatch):
    path = tmp_path / "ckpt.npz"
    old_bytes = write_old(path)

    def no_replace(src, dst):
        raise PermissionError("injected")

    monkeypatch.setattr(os, "replace", no_replace)
    with pytest.raises(PermissionError):
        save({"new": 1}, path)
    assert path.read_bytes() == old_bytes
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


def test_new_save_replaces_file_completely(tmp_path):
    path = tmp_path / "ckpt.npz"
    write_old(path)
    save({"version": "new"}, path)
    assert load(path) == {"version": "new"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.npz"]


# ------------------------------------------------------------------ load errors


@pytest.fixture
def good(tmp_path):
    path = tmp_path / "good.npz"
    save({"w": npg.Array(np.linspace(-1, 1, 500, dtype=np.float32)), "step": 7,
          "m": np.arange(64).reshape(8, 8)}, path)
    return path


def test_missing_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load(tmp_path / "nope.npz")
    with pytest.raises(IsADirectoryError):
        load(tmp_path)


@pytest.mark.parametrize("damage", [
    pytest.param(lambda b: b"", id="empty"),
    pytest.param(lambda b: b[:-10], id="short-by-10"),
    pytest.param(lambda b: b[:-100], id="short-by-100"),
    pytest.param(lambda b: b[: len(b) // 2], id="half"),
    pytest.param(lambda b: b[:1000], id="cut-to-1000"),
    pytest.param(lambda b: b[:3], id="cut-to-3"),
    pytest.param(lambda b: b"not a checkpoint at all" * 10, id="garbage"),
    pytest.param(lambda b: b"\x80\x04\x95" + b"\x00" * 50, id="pickle-header"),
    pytest.param(lambda b: b"\x93NUMPY" + b"\x00" * 50, id="npy-header"),
    pytest.param(lambda b: b[:600] + bytes(64) + b[664:], id="zeroed-64-bytes"),
])
def test_damaged_files_raise_checkpoint_error(good, damage):
    good.write_bytes(damage(good.read_bytes()))
    with pytest.raises(CheckpointError, match=f"{good} is truncated or corrupted"):
        load(good)


def test_checkpoint_error_is_value_error():
    assert issubclass(CheckpointError, ValueError)


def test_zeroed_payload_bytes_detected_even_with_valid_zip(tmp_path):
    # torch loads such files silently; our SHA-256 must catch them.
    path = tmp_path / "c.npz"
    w = np.arange(1, 257, dtype=np.float64)
    save({"w": w}, path)
    raw = bytearray(path.read_bytes())
    at = bytes(raw).find(w[10:12].tobytes())
    raw[at:at + 16] = bytes(16)
    path.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match="corrupted"):
        load(path)


def rezip(path, edit):
    """Rewrite the container with one entry edited; the zip CRCs stay self-consistent."""
    with zipfile.ZipFile(path) as z:
        entries = {name: z.read(name) for name in z.namelist()}
    name, data = edit(entries)
    entries[name] = data
    with zipfile.ZipFile(path, "w") as z:
        for n, d in entries.items():
            z.writestr(n, d)


def test_tampered_array_with_valid_zip_fails_sha256(good):
    # The zip CRC alone would accept this file; only the SHA-256 catches it.
    def edit(entries):
        data = bytearray(entries["a0.npy"])
        data[-4:] = np.float32(123.0).tobytes()
        return "a0.npy", bytes(data)

    rezip(good, edit)
    with pytest.raises(CheckpointError, match="SHA-256 checksum mismatch"):
        load(good)


def test_tampered_manifest_with_valid_zip_fails_sha256(good):
    def edit(entries):
        return "__manifest__.npy", entries["__manifest__.npy"].replace(b'"v":7', b'"v":8')

    rezip(good, edit)
    with pytest.raises(CheckpointError, match="SHA-256 checksum mismatch"):
        load(good)


def test_every_single_bit_flip_is_caught_or_harmless(good):
    """Flipping any one bit either raises CheckpointError or leaves the content exact."""
    original = good.read_bytes()
    expected = load(good)
    harmless = 0
    for pos in range(0, len(original), 7):
        flipped = bytearray(original)
        flipped[pos] ^= 1 << (pos % 8)
        good.write_bytes(bytes(flipped))
        try:
            out = load(good)
        except CheckpointError:
            continue
        assert same(out, expected), f"bit flip at byte {pos} changed the loaded data silently"
        harmless += 1
    assert harmless < len(original) // 7 // 4  # most flips hit checked bytes


def test_other_npz_files_are_rejected(tmp_path):
    path = tmp_path / "plain.npz"
    np.savez(path, x=np.arange(3))
    with pytest.raises(CheckpointError, match="not a numpygrad checkpoint"):
        load(path)


def test_newer_format_version_rejected(tmp_path, monkeypatch):
    path = tmp_path / "v2.npz"
    monkeypatch.setattr(ser, "FORMAT_VERSION", 2)
    save({"a": 1}, path)
    monkeypatch.setattr(ser, "FORMAT_VERSION", 1)
    with pytest.raises(CheckpointError, match="version 2 is not supported"):
        load(path)
