"""Tests for numpygrad.data datasets: TensorDataset, Subset, ConcatDataset, random_split."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numpygrad as npg
from numpygrad.data import ConcatDataset, Dataset, Subset, TensorDataset, random_split
from numpygrad.random import Generator


class Squares(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(i)
        return np.float32(i * i), i


# ------------------------------------------------------------------ Dataset base


def test_base_dataset_methods_must_be_overridden():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


def test_add_makes_concat_dataset():
    cat = Squares(3) + Squares(2)
    assert isinstance(cat, ConcatDataset)
    assert len(cat) == 5
    assert [cat[i][1] for i in range(5)] == [0, 1, 2, 0, 1]


# ------------------------------------------------------------------ TensorDataset


def test_tensor_dataset_items_are_arrays_of_rows():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.arange(4)
    ds = TensorDataset(npg.Array(x), y)
    assert len(ds) == 4
    xi, yi = ds[2]
    assert isinstance(xi, npg.Array) and isinstance(yi, npg.Array)
    np.testing.assert_array_equal(xi.data, x[2])
    assert yi.shape == () and yi.dtype == np.int64 and yi.item() == 2
    assert ds[-1][1].item() == 3


def test_tensor_dataset_python_floats_take_default_dtype():
    ds = TensorDataset([[1.0, 2.0], [3.0, 4.0]])
    assert ds[0][0].dtype == np.float32


def test_tensor_dataset_mismatched_lengths_raise_value_error_naming_lengths():
    with pytest.raises(ValueError, match=r"\[3, 4\]"):
        TensorDataset(np.zeros(3), np.zeros((4, 2)))


def test_tensor_dataset_needs_arrays_with_a_first_dimension():
    with pytest.raises(ValueError, match="at least one"):
        TensorDataset()
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(np.float64(3.0))


def test_tensor_dataset_index_errors():
    ds = TensorDataset(np.arange(3))
    with pytest.raises(IndexError, match="index 3 is out of range"):
        ds[3]
    with pytest.raises(IndexError, match="index -4"):
        ds[-4]
    with pytest.raises(TypeError, match="integers"):
        ds[1.0]


def test_get_batch_matches_per_item_collation():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 2, 3)).astype(np.float32)
    y = rng.integers(0, 5, 10)
    ds = TensorDataset(x, y)
    idx = np.array([7, 0, 3, 3])
    xb, yb = ds.get_batch(idx)
    assert xb.shape == (4, 2, 3) and xb.dtype == np.float32
    np.testing.assert_array_equal(xb.data, x[idx])
    np.testing.assert_array_equal(yb.data, y[idx])
    with pytest.raises(IndexError, match="index 10"):
        ds.get_batch([0, 10])
    with pytest.raises(TypeError, match="integers"):
        ds.get_batch(np.array([0.0, 1.0]))
    assert ds.get_batch([])[0].shape == (0, 2, 3)


# ------------------------------------------------------------------ Subset


def test_subset_maps_indices_in_order():
    ds = TensorDataset(np.arange(10) * 10)
    sub = Subset(ds, [9, 2, 5])
    assert len(sub) == 3
    assert [sub[i][0].item() for i in range(3)] == [90, 20, 50]
    assert sub[-1][0].item() == 50
    with pytest.raises(IndexError):
        sub[3]


def test_subset_get_batch_only_when_parent_has_it():
    sub = Subset(TensorDataset(np.arange(10)), [4, 5, 6])
    assert hasattr(sub, "get_batch")
    np.testing.assert_array_equal(sub.get_batch([2, 0])[0].data, [6, 4])
    plain = Subset(Squares(5), [1, 2])
    assert not hasattr(plain, "get_batch")
    nested = Subset(sub, [1])
    np.testing.assert_array_equal(nested.get_batch([0])[0].data, [5])


def test_subset_validates_indices():
    with pytest.raises(IndexError, match="index 5"):
        Subset(TensorDataset(np.arange(5)), [0, 5])
    with pytest.raises(ValueError, match="1-D"):
        Subset(TensorDataset(np.arange(5)), [[0, 1]])


# ------------------------------------------------------------------ ConcatDataset


def test_concat_dataset_indexing_and_errors():
    cat = ConcatDataset([TensorDataset(np.arange(3)), TensorDataset(np.arange(0)),
                         TensorDataset(np.arange(100, 102))])
    assert len(cat) == 5
    assert [cat[i][0].item() for i in range(5)] == [0, 1, 2, 100, 101]
    assert cat[-2][0].item() == 100
    with pytest.raises(IndexError, match="index 5"):
        cat[5]
    with pytest.raises(ValueError, match="at least one"):
        ConcatDataset([])


# ------------------------------------------------------------------ random_split


def test_random_split_int_lengths_partition_dataset():
    ds = TensorDataset(np.arange(10))
    parts = random_split(ds, [6, 4], generator=Generator(0))
    got = sorted(int(p[i][0].item()) for p in parts for i in range(len(p)))
    assert [len(p) for p in parts] == [6, 4] and got == list(range(10))


def test_random_split_fractions_like_torch():
    ds = TensorDataset(np.arange(10))
    assert [len(p) for p in random_split(ds, [0.5, 0.5])] == [5, 5]
    # floor(3.3)=3 each, remainder 1 goes to the first subset (torch's round-robin)
    assert [len(p) for p in random_split(ds, [1 / 3, 1 / 3, 1 / 3])] == [4, 3, 3]
    assert [len(p) for p in random_split(TensorDataset(np.arange(7)), [0.2, 0.8])] == [2, 5]


def test_random_split_reproducible_with_generator():
    ds = TensorDataset(np.arange(20))
    a = random_split(ds, [10, 10], generator=Generator(3))
    b = random_split(ds, [10, 10], generator=Generator(3))
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    c = random_split(ds, [10, 10], generator=Generator(4))
    assert not np.array_equal(a[0].indices, c[0].indices)


def test_random_split_errors():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"Sum of input lengths \(9\) does not equal the "
                                         r"length of the input dataset \(10\)"):
        random_split(ds, [5, 4])
    with pytest.raises(ValueError, match="sum to 1"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [11, -1])
    with pytest.raises(TypeError, match="ints or fractions"):
        random_split(ds, ["5", "5"])


@given(n=st.integers(0, 50), weights=st.lists(st.integers(1, 10), min_size=1, max_size=5),
       seed=st.integers(0, 2**32))
@settings(max_examples=50, deadline=None)
def test_random_split_fractions_always_partition(n, weights, seed):
    fractions = [w / sum(weights) for w in weights]
    if not np.isclose(sum(fractions), 1.0, atol=1e-9, rtol=0):
        return
    parts = random_split(TensorDataset(np.arange(n)), fractions, generator=Generator(seed))
    assert sum(len(p) for p in parts) == n
    assert [len(p) for p in parts] == [len(p.indices) for p in parts]
    everything = np.concatenate([p.indices for p in parts])
    assert sorted(everything.tolist()) == list(range(n))
