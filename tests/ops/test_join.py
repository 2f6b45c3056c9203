"""Tests for numpygrad.ops.join: concatenate/stack/split/chunk/repeat/tile/pad."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import numpygrad as npg
from numpygrad.ops.join import (
    array_split,
    cat,
    chunk,
    concatenate,
    pad,
    repeat,
    split,
    stack,
    tile,
)
from tests.helpers import arrays, check_op, compare_torch, leaf, shapes

elements = st.floats(-3, 3, allow_nan=False, width=64)


def weighted(pieces):
    """Join pieces with distinct weights, so each piece's gradient is distinguishable."""
    return concatenate([p.reshape(-1) * (k + 1) for k, p in enumerate(pieces)])


# -- concatenate / cat ----------------------------------------------------------------------------
@st.composite
def concat_case(draw):
    base = draw(shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.integers(-len(base), len(base) - 1))
    n = draw(st.integers(1, 3))
    values = []
    for _ in range(n):
        shape = list(base)
        shape[axis] = draw(st.integers(0, 3))
        values.append(draw(hnp.arrays(np.float64, tuple(shape), elements=elements)))
    return values, axis


@given(concat_case())
def test_concatenate(case):
    values, axis = case
    out = concatenate([npg.array(v) for v in values], axis=axis)
    np.testing.assert_array_equal(out.data, np.concatenate(values, axis=axis))
    check_op(lambda *xs: concatenate(xs, axis=axis), *values)


def test_concatenate_axis_none_and_dtype_promotion():
    a, b = np.arange(6.0).reshape(2, 3), np.array(7.0)
    out = concatenate([npg.array(a), npg.array(b)], axis=None)
    np.testing.assert_array_equal(out.data, np.concatenate([a.ravel(), [7.0]]))
    x32 = npg.array(np.ones(2, np.float32), requires_grad=True)
    x64 = npg.array(np.ones(3), requires_grad=True)
    y = concatenate([x32, x64])
    assert y.dtype == np.float64
    y.backward(np.arange(5.0))
    assert x32.grad.dtype == np.float32
    np.testing.assert_array_equal(x32.grad.data, [0, 1])
    np.testing.assert_array_equal(x64.grad.data, [2, 3, 4])


def test_concatenate_gradient_only_for_inputs_that_need_it():
    a = leaf(np.ones((2, 2)))
    b = npg.array(np.ones((1, 2)))
    concatenate([a, b]).sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.ones((2, 2)))
    assert b.grad is None


def test_concatenate_errors():
    with pytest.raises(ValueError, match=r"Sizes of arrays must match except in dimension 0\. "
                       r"Expected size 3 but got size 4 for array number 1 in the list"):
        concatenate([npg.zeros((2, 3)), npg.zeros((2, 4))])
    with pytest.raises(ValueError, match="non-empty list"):
        concatenate([])
    with pytest.raises(ValueError, match="non-empty list"):
        cat([])
    with pytest.raises(ValueError, match="zero-dimensional"):
        concatenate([npg.array(1.0), npg.array(2.0)])
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3,\)"):
        concatenate([npg.zeros((2, 3)), npg.zeros(3)])
    with pytest.raises(IndexError, match="out of range"):
        concatenate([npg.zeros(3)], axis=1)
    with pytest.raises(TypeError, match="sequence of arrays"):
        concatenate(npg.zeros((2, 3)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat_matches_torch(dtype, dim):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 3, 2)), rng.standard_normal((2, 3, 2))
    compare_torch(lambda x, y: cat([x, y], dim=dim),
                  lambda x, y: __import__("torch").cat([x, y], dim=dim), a, b, dtype=dtype)


# -- stack --------------------------------------------------------------------------------------
@given(st.data(), shapes(max_dims=2, max_side=3), st.integers(1, 3))
def test_stack(data, shape, n):
    values = [data.draw(hnp.arrays(np.float64, shape, elements=elements)) for _ in range(n)]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    out = stack([npg.array(v) for v in values], axis=axis)
    np.testing.assert_array_equal(out.data, np.stack(values, axis=axis))
    check_op(lambda *xs: stack(xs, axis=axis), *values)


def test_stack_errors():
    with pytest.raises(ValueError, match=r"stack expects each array to be equal size, but got "
                       r"\(2,\) at entry 0 and \(3,\) at entry 1"):
        stack([npg.zeros(2), npg.zeros(3)])
    with pytest.raises(ValueError, match="non-empty list"):
        stack([])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_stack_matches_torch(dtype, dim):
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    compare_torch(lambda x, y: stack([x, y], dim=dim),
                  lambda x, y: __import__("torch").stack([x, y], dim=dim), a, b, dtype=dtype)


# -- split, array_split, chunk ------------------------------------------------------------------
@given(arrays(shapes(min_dims=1, max_dims=3, max_side=4)), st.data())
def test_split_indices(x, data):
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    cuts = data.draw(st.lists(st.integers(-5, 5), max_size=3))
    pieces = split(npg.array(x), cuts, axis=axis)
    expected = np.split(x, cuts, axis=axis)
    assert len(pieces) == len(expected)
    for p, e in zip(pieces, expected):
        np.testing.assert_array_equal(p.data, e)
    check_op(lambda a: weighted(split(a, cuts, axis=axis)), x)


@given(arrays(shapes(min_dims=1, max_dims=2, max_side=4)), st.integers(1, 4))
def test_split_sections(x, sections):
    if x.shape[0] % sections:
        with pytest.raises(ValueError, match="equal division"):
            split(npg.array(x), sections)
        return
    pieces = split(npg.array(x), sections)
    assert [p.shape for p in pieces] == [e.shape for e in np.split(x, sections)]
    check_op(lambda a: weighted(split(a, sections)), x)


@given(arrays(shapes(min_dims=1, max_dims=2, max_side=5)), st.integers(1, 4))
def test_array_split(x, sections):
    pieces = array_split(npg.array(x), sections)
    expected = np.array_split(x, sections)
    assert [p.shape for p in pieces] == [e.shape for e in expected]
    check_op(lambda a: weighted(array_split(a, sections)), x)


def test_split_pieces_are_views_that_share_the_version_counter():
    x = leaf(np.ones(4))
    y = x.exp()  # exp saves its output
    first, _ = split(y, 2)
    assert np.shares_memory(first.data, y.data)
    with npg.no_grad():
        first += 1  # allowed without grad mode, but it changes y behind its graph
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_split_errors():
    with pytest.raises(ValueError, match="positive"):
        split(npg.zeros(4), 0)
    with pytest.raises(IndexError, match="out of range"):
        split(npg.zeros(4), 2, axis=1)
    assert npg.zeros((2, 6)).split(3, axis=1)[0].shape == (2, 2)  # the Array method


@given(arrays(shapes(min_dims=1, max_dims=2, max_side=6)), st.integers(1, 5), st.data())
def test_chunk(x, chunks, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    pieces = chunk(npg.array(x), chunks, dim)
    n = x.shape[dim]
    size = -(-n // chunks)
    if n:
        assert [p.shape[dim] for p in pieces] == [min(size, n - s) for s in range(0, n, size)]
    else:
        assert len(pieces) == chunks
    np.testing.assert_array_equal(
        np.concatenate([p.data for p in pieces], axis=dim), x)
    check_op(lambda a: weighted(chunk(a, chunks, dim)), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n, chunks", [(5, 4), (6, 4), (6, 3), (0, 3), (2, 5)])
def test_chunk_matches_torch(dtype, n, chunks):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(2).standard_normal((2, n))
    ours = chunk(npg.array(x), chunks, 1)
    theirs = torch.chunk(torch.tensor(x), chunks, 1)
    assert [p.shape for p in ours] == [tuple(t.shape) for t in theirs]
    compare_torch(lambda a: weighted(chunk(a, chunks, 1)),
                  lambda t: torch.cat([p.reshape(-1) * (k + 1)
                                       for k, p in enumerate(torch.chunk(t, chunks, 1))]),
                  x, dtype=dtype)


def test_chunk_errors():
    with pytest.raises(ValueError, match="greater than 0"):
        chunk(npg.zeros(3), 0)


# -- repeat, tile -------------------------------------------------------------------------------
@given(arrays(shapes(max_dims=3, max_side=3)), st.data())
def test_repeat(x, data):
    axis = None if x.ndim == 0 or data.draw(st.booleans()) else data.draw(
        st.integers(-x.ndim, x.ndim - 1))
    length = x.size if axis is None else x.shape[axis]
    if data.draw(st.booleans()):
        reps = data.draw(st.integers(0, 3))
    else:
        reps = data.draw(st.lists(st.integers(0, 3), min_size=length, max_size=length))
        if len(reps) == 1:
            reps = reps * 1  # a 1-element list acts like an int, as in NumPy
    np.testing.assert_array_equal(repeat(npg.array(x), reps, axis).data,
                                  np.repeat(x, reps, axis))
    check_op(lambda a: repeat(a, reps, axis), x)


def test_repeat_errors_and_method():
    with pytest.raises(ValueError, match="negative"):
        repeat(npg.zeros(3), -1)
    with pytest.raises(ValueError, match="does not match the length"):
        repeat(npg.zeros((2, 3)), [1, 2], axis=1)
    with pytest.raises(TypeError, match="integers"):
        repeat(npg.zeros(3), 1.5)
    assert npg.arange(3).repeat(2).tolist() == [0, 0, 1, 1, 2, 2]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_repeat_matches_torch_repeat_interleave(dtype):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(3).standard_normal((2, 3))
    compare_torch(lambda a: repeat(a, 2, axis=1), lambda t: torch.repeat_interleave(t, 2, dim=1),
                  x, dtype=dtype)
    compare_torch(lambda a: repeat(a, [1, 0, 3], axis=1),
                  lambda t: torch.repeat_interleave(t, torch.tensor([1, 0, 3]), dim=1),
                  x, dtype=dtype)


@given(arrays(shapes(max_dims=2, max_side=3)),
       st.lists(st.integers(0, 3), min_size=0, max_size=3))
def test_tile(x, reps):
    np.testing.assert_array_equal(tile(npg.array(x), reps).data, np.tile(x, reps))
    check_op(lambda a: tile(a, reps), x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("reps", [(2, 1), (1, 3), (2, 1, 2), (3, 2, 2)])
def test_tile_matches_torch_repeat(dtype, reps):
    x = np.random.default_rng(4).standard_normal((2, 3))
    compare_torch(lambda a: tile(a, reps), lambda t: t.repeat(*reps), x, dtype=dtype)
    assert npg.array(x).tile(reps).shape == np.tile(x, reps).shape  # the Array method


def test_tile_errors():
    with pytest.raises(ValueError, match="negative"):
        tile(npg.zeros(3), -1)


# -- pad ----------------------------------------------------------------------------------------
@st.composite
def pad_case(draw, modes=("constant", "edge", "reflect", "symmetric", "wrap")):
    x = draw(arrays(shapes(min_dims=1, max_dims=2, max_side=3)))
    mode = draw(st.sampled_from(modes))
    form = draw(st.sampled_from(["int", "pair", "per-axis"]))
    if form == "int":
        width = draw(st.integers(0, 3))
    elif form == "pair":
        width = tuple(draw(st.lists(st.integers(0, 3), min_size=2, max_size=2)))
    else:
        width = [tuple(draw(st.lists(st.integers(0, 3), min_size=2, max_size=2)))
                 for _ in range(x.ndim)]
    return x, width, mode


@given(pad_case())
def test_pad(case):
    x, width, mode = case
    try:
        expected = np.pad(x, width, mode=mode)
    except ValueError:  # NumPy cannot extend an empty axis except with constants
        with pytest.raises(ValueError):
            pad(npg.array(x), width, mode=mode)
        return
    np.testing.assert_array_equal(pad(npg.array(x), width, mode=mode).data, expected)
    check_op(lambda a: pad(a, width, mode=mode), x)


def test_pad_constant_values_and_0d():
    x = np.arange(3.0)
    np.testing.assert_array_equal(pad(npg.array(x), 1, constant_values=-1).data,
                                  np.pad(x, 1, constant_values=-1))
    np.testing.assert_array_equal(pad(npg.array(x), 1, constant_values=npg.array(7.0)).data,
                                  np.pad(x, 1, constant_values=7.0))
    assert pad(npg.array(2.0), 3).shape == ()


def test_pad_reflect_gradient_accumulates():
    x = leaf([1.0, 2.0, 3.0])
    pad(x, 2, mode="reflect").sum().backward()
    # [3, 2, 1, 2, 3, 2, 1]: the middle element is copied three times, the ends twice.
    np.testing.assert_array_equal(x.grad.data, [2.0, 3.0, 2.0])


def test_pad_errors():
    with pytest.raises(ValueError, match="not supported"):
        pad(npg.zeros(3), 1, mode="circular")
    with pytest.raises(ValueError, match="negative"):
        pad(npg.zeros(3), -1)
    with pytest.raises(TypeError, match="integers"):
        pad(npg.zeros(3), 1.5)
    with pytest.raises(ValueError, match=r"cannot be broadcast to \(2, 2\)"):
        pad(npg.zeros((2, 2)), [(1, 1)] * 3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("torch_pad", [(1, 2), (0, 1, 2, 0), (1, 1, 0, 2, 3, 0)])
def test_pad_matches_torch(dtype, torch_pad):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((2, 3, 4))
    # F.pad lists (before, after) from the last axis backwards.
    pairs = [tuple(torch_pad[i:i + 2]) for i in range(0, len(torch_pad), 2)][::-1]
    width = [(0, 0)] * (x.ndim - len(pairs)) + pairs
    compare_torch(lambda a: pad(a, width), lambda t: torch.nn.functional.pad(t, torch_pad),
                  x, dtype=dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mode, torch_mode", [("reflect", "reflect"), ("edge", "replicate"),
                                              ("wrap", "circular")])
def test_pad_modes_match_torch(dtype, mode, torch_mode):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(6).standard_normal((1, 2, 5))
    compare_torch(lambda a: pad(a, [(0, 0), (0, 0), (2, 3)], mode=mode),
                  lambda t: torch.nn.functional.pad(t, (2, 3), mode=torch_mode), x, dtype=dtype)
