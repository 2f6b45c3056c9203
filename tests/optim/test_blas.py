"""NumPy's BLAS for optimizer updates: results, the cases it declines, how it is found."""

from __future__ import annotations

import ctypes

import numpy as np
import pytest
from optim_testutils import assert_trajectories_close, npg_trajectory, torch_trajectory

import numpygrad as npg
from numpygrad.optim import _blas

N = _blas.MIN_SIZE + 5  # just above the size where the BLAS is used


def _operands(dtype, n=N, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype)


def _assert_rounding_close(actual, expected, magnitude):
    """Equal up to one rounding of the operands: a fused multiply-add rounds once, NumPy twice."""
    eps = np.finfo(actual.dtype).eps
    assert np.all(np.abs(actual - expected) <= 2 * eps * magnitude)


# ---------------------------------------------------------------------------- the kernels
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpy_adds_a_scaled_vector(dtype, blas_passes):
    y, x = _operands(dtype)
    x0, expected = x.copy(), y + x * dtype(-0.1)
    assert _blas.axpy(-0.1, x, y)
    _assert_rounding_close(y, expected, np.abs(expected) + np.abs(0.1 * x))
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_axpby_blends_two_vectors(dtype, blas_passes):
    y, x = _operands(dtype)
    expected = y * dtype(0.9) + x * dtype(0.1)
    assert _blas.axpby(0.1, x, 0.9, y)
    _assert_rounding_close(y, expected, np.abs(0.9 * y) + np.abs(0.1 * x) + np.abs(expected))


def test_kernels_use_the_whole_2d_array(blas_passes):
    y = np.zeros((130, 130), np.float32)
    assert _blas.axpy(2.0, np.ones((130, 130), np.float32), y)
    assert np.all(y == 2.0)


def test_kernels_work_on_views_at_an_offset(blas_passes):
    """Adam's blocks are views into the middle of a parameter: the kernels must
    read and write exactly the view's elements."""
    xs, ys = _operands(np.float32, N + 20, seed=1)
    x, y = xs[7:7 + N], ys[3:3 + N]
    y_before, expected = ys.copy(), y * np.float32(0.9) + x * np.float32(0.5)
    assert _blas.axpby(0.5, x, 0.9, y)
    _assert_rounding_close(y, expected, np.abs(0.9 * y_before[3:3 + N]) + np.abs(0.5 * x)
                           + np.abs(expected))
    np.testing.assert_array_equal(ys[:3], y_before[:3])
    np.testing.assert_array_equal(ys[3 + N:], y_before[3 + N:])


def test_addresses_are_those_of_the_first_element():
    base = np.arange(3 * N, dtype=np.float32)
    readonly = np.ones(N, np.float32)
    readonly.flags.writeable = False
    for a in (base, base[5:5 + N], base.reshape(3, N)[1], readonly):
        assert _blas._address(a) == a.ctypes.data


def test_an_exporter_that_refuses_its_buffer_falls_back_to_numpys_address(monkeypatch):
    class Refusing:
        @staticmethod
        def from_buffer(a):
            raise TypeError("no writable buffer")

    monkeypatch.setattr(_blas, "_byte", Refusing)
    a = np.ones(N, np.float32)
    assert _blas._address(a) == a.ctypes.data


def _declined_cases():
    f32, f64 = np.float32, np.float64
    big = np.ones(N, f32)
    shared = np.ones(2 * N, f32)
    readonly = np.ones(N, f32)
    readonly.flags.writeable = False
    return {
        "too small": (np.ones(N - 10, f32), np.ones(N - 10, f32)),
        "dtypes differ": (np.ones(N, f64), np.ones(N, f32)),
        "float16": (np.ones(N, np.float16), np.ones(N, np.float16)),
        "integers": (np.ones(N, np.int64), np.ones(N, np.int64)),
        "y strided": (big, np.ones(2 * N, f32)[::2]),
        "x strided": (np.ones(2 * N, f32)[::2], np.ones(N, f32)),
        "Fortran order": (np.ones((200, 100), f32, order="F"), np.ones((200, 100), f32)),
        "shapes differ": (np.ones((N, 1), f32), np.ones(N, f32)),
        "overlap": (shared[1:N + 1], shared[:N]),
        "same array": (big, big),
        "read-only y": (np.ones(N, f32), readonly),
    }


@pytest.mark.parametrize("case", list(_declined_cases()))
def test_declined_cases_leave_y_untouched(case, blas_passes):
    x, y = _declined_cases()[case]
    before = y.copy()
    assert not _blas.axpy(0.5, x, y)
    assert not _blas.axpby(0.5, x, 0.5, y)
    np.testing.assert_array_equal(y, before)


def test_zero_coefficients_are_declined(blas_passes):
    """BLAS skips the pass for alpha == 0 (and ignores y for beta == 0), where NumPy
    turns infinities into NaN: those calls stay with NumPy."""
    x = np.full(N, np.inf, np.float32)
    y = np.full(N, np.nan, np.float32)
    assert not _blas.axpy(0.0, x, y)
    assert not _blas.axpby(0.0, x, 0.5, y)
    assert not _blas.axpby(0.5, x, 0.0, y)
    assert np.isnan(y).all()


# ---------------------------------------------------------------------------- finding the BLAS
def _reload(monkeypatch):
    monkeypatch.setattr(_blas, "_loaded", False)
    monkeypatch.setattr(_blas, "_kernels", None)


def test_environment_variable_turns_the_blas_off(monkeypatch):
    _reload(monkeypatch)
    monkeypatch.setenv("NUMPYGRAD_BLAS", "0")
    assert not _blas.available()
    assert not _blas.axpy(1.0, np.ones(N, np.float32), np.ones(N, np.float32))


def _fake_config(monkeypatch, blas):
    monkeypatch.setattr(np, "show_config", lambda mode="stdout": {"Build Dependencies":
                                                                   {"blas": blas}})


@pytest.mark.parametrize("blas", [
    {"name": "accelerate", "found": True},
    {"name": "mkl-sdl", "found": True},
    {"name": "scipy-openblas", "found": False},
    {},
])
def test_a_blas_of_unknown_calling_convention_is_not_used(blas, monkeypatch):
    _fake_config(monkeypatch, blas)
    assert _blas._symbol_names() is None
    _reload(monkeypatch)
    assert not _blas.available()


def test_a_numpy_without_build_record_is_not_trusted(monkeypatch):
    def broken(mode="stdout"):
        raise ValueError("no config")
    monkeypatch.setattr(np, "show_config", broken)
    assert _blas._symbol_names() is None


@pytest.mark.parametrize("config, suffix", [
    ("OpenBLAS 0.3.31 USE64BITINT DYNAMIC_ARCH NO_AFFINITY Haswell", "64_"),
    ("OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY Haswell", ""),
])
def test_integer_width_follows_the_build_record(config, suffix, monkeypatch):
    _fake_config(monkeypatch, {"name": "scipy-openblas", "found": True,
                               "openblas configuration": config})
    assert _blas._symbol_names() == ("scipy_", suffix)


def test_a_file_that_is_not_a_library_is_skipped(tmp_path, monkeypatch):
    junk = tmp_path / "libscipy_openblas64_-0000.so"
    junk.write_bytes(b"not a shared library")
    monkeypatch.setattr(_blas, "_library_files", lambda: [str(junk)])
    _fake_config(monkeypatch, {"name": "scipy-openblas", "found": True,
                               "openblas configuration": "USE64BITINT"})
    assert _blas._load() is None


def test_kernels_that_compute_wrong_values_are_rejected():
    def does_nothing(*args):
        return None

    def ignores_n(n, alpha, x, incx, beta, y, incy):
        xs = np.ctypeslib.as_array((ctypes.c_float * 5).from_address(x))
        ys = np.ctypeslib.as_array((ctypes.c_float * 5).from_address(y))
        ys[:] = alpha * xs + beta * ys

    f32 = np.dtype(np.float32)
    assert not _blas._verified({f32: (does_nothing, does_nothing)})
    if _blas.available():
        axpy_fn, axpby_fn = _blas._kernels[f32]
        assert _blas._verified({f32: (axpy_fn, axpby_fn)})
        assert not _blas._verified({f32: (axpy_fn, ignores_n)})


def test_the_blas_of_this_numpy_is_found_when_numpy_records_scipy_openblas(monkeypatch):
    monkeypatch.delenv("NUMPYGRAD_BLAS", raising=False)
    _reload(monkeypatch)
    blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    if blas.get("name") != "scipy-openblas" or not _blas._library_files():
        pytest.skip(f"this NumPy uses {blas.get('name')!r}")
    assert _blas.available()


# ---------------------------------------------------------------------------- in the optimizers
OPTIMIZERS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.1, "momentum": 0.9}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.1}),
    ("RMSprop", {"lr": 0.01}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.9, "centered": True, "weight_decay": 0.01}),
    ("Adagrad", {"lr": 0.1}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.01}),
    ("Adadelta", {"lr": 1.0}),
    ("Adadelta", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}),
]


def _run(name, kwargs, values, grads):
    p = npg.array(values.copy(), requires_grad=True)
    opt = getattr(npg.optim, name)([p], **kwargs)
    for g in grads:
        p.grad = npg.array(g)
        opt.step()
        np.testing.assert_array_equal(p.grad.data, g)  # the gradient is never overwritten
    return p.data


@pytest.mark.parametrize("name, kwargs", OPTIMIZERS)
def test_large_parameters_match_the_numpy_passes(name, kwargs, blas_passes, monkeypatch):
    rng = np.random.default_rng(1)
    values = rng.standard_normal((3, 70000)).astype(np.float32)  # whole and in blocks
    grads = [rng.standard_normal(values.shape).astype(np.float32) for _ in range(3)]
    calls = []
    for fn in ("axpy", "axpby"):
        real = getattr(_blas, fn)
        monkeypatch.setattr(_blas, fn, lambda *a, real=real: calls.append(real(*a)) or calls[-1])
    with_blas = _run(name, kwargs, values, grads)
    assert any(calls)  # the BLAS did run
    monkeypatch.setattr(_blas, "_kernels", None)
    with_numpy = _run(name, kwargs, values, grads)
    np.testing.assert_allclose(with_blas, with_numpy, rtol=1e-5, atol=1e-6)
    assert not np.array_equal(with_blas, values)


def test_zero_learning_rate_keeps_numpys_nan_from_an_infinite_gradient(blas_passes):
    p = npg.array(np.ones(N, np.float32), requires_grad=True)
    g = np.ones(N, np.float32)
    g[3] = np.inf
    p.grad = npg.array(g)
    with np.errstate(invalid="ignore"):
        npg.optim.SGD([p], lr=0.0).step()
    assert np.isnan(p.data[3]) and (np.delete(p.data, 3) == 1).all()


LARGE = [(200, 100), (5,)]


@pytest.mark.parametrize("cls_name, cfg", [
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05}),
    ("Adam", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.05}),
    ("RMSprop", {"lr": 0.01, "momentum": 0.5}),
    ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}),
    ("Adadelta", {"lr": 1.0, "rho": 0.8}),
])
def test_large_parameter_trajectory_matches_torch(cls_name, cfg, blas_passes):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    init = [rng.normal(size=s).astype(np.float32) for s in LARGE]
    ours = npg_trajectory(getattr(npg.optim, cls_name), cfg, steps=10, dtype=np.float32,
                          init=init)
    theirs = torch_trajectory(getattr(torch.optim, cls_name), {**cfg, "foreach": False},
                              steps=10, dtype=np.float32, init=init)
    assert_trajectories_close(ours, theirs, rtol=2e-5, atol=2e-6)


def test_docstring_examples_run():
    # A private module: the Sphinx doctest build does not see it, so run its examples here.
    import doctest

    result = doctest.testmod(_blas)
    assert result.attempted > 0 and result.failed == 0
