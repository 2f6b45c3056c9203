"""Tests for numpygrad.data.DataLoader and default_collate."""

from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numpygrad as npg
from numpygrad.data import DataLoader, Dataset, Subset, TensorDataset, default_collate
from numpygrad.random import Generator


class ItemOnly(Dataset):
    """A dataset without get_batch that records how it was accessed."""

    def __init__(self, n):
        self.n, self.calls = n, 0

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.calls += 1
        return np.array([i, i], dtype=np.float32), i


class CountingTensorDataset(TensorDataset):
    def __init__(self, *arrays):
        super().__init__(*arrays)
        self.item_calls = self.batch_calls = 0

    def __getitem__(self, i):
        self.item_calls += 1
        return super().__getitem__(i)

    def get_batch(self, indices):
        self.batch_calls += 1
        return super().get_batch(indices)


# ------------------------------------------------------------------ batching


def test_batches_in_order_with_partial_last_batch():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=3)
    batches = [b[0].tolist() for b in loader]
    assert batches == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]
    assert len(loader) == 4


def test_drop_last():
    loader = DataLoader(TensorDataset(np.arange(10)), batch_size=3, drop_last=True)
    assert [b[0].tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert len(loader) == 3


def test_batch_larger_than_dataset():
    ds = TensorDataset(np.arange(4))
    assert [b[0].tolist() for b in DataLoader(ds, batch_size=10)] == [[0, 1, 2, 3]]
    dropped = DataLoader(ds, batch_size=10, drop_last=True)
    assert list(dropped) == [] and len(dropped) == 0


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("use_get_batch", [False, True])
def test_empty_dataset_gives_zero_batches(shuffle, use_get_batch):
    ds = TensorDataset(np.zeros((0, 3))) if use_get_batch else ItemOnly(0)
    loader = DataLoader(ds, batch_size=2, shuffle=shuffle)
    assert list(loader) == [] and len(loader) == 0


@given(n=st.integers(0, 40), bs=st.integers(1, 12), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 1000))
@settings(max_examples=80, deadline=None)
def test_len_equals_number_of_batches_and_samples_are_covered(n, bs, drop_last, shuffle,
                                                              seed):
    loader = DataLoader(TensorDataset(np.arange(n)), batch_size=bs, shuffle=shuffle,
                        drop_last=drop_last, generator=Generator(seed))
    batches = [b[0].data for b in loader]
    assert len(batches) == len(loader)
    assert all(len(b) == bs for b in batches[:-1])
    if batches:
        assert len(batches[-1]) == (bs if drop_last or n % bs == 0 else n % bs)
    seen = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    assert len(set(seen.tolist())) == len(seen)  # no sample twice in one pass
    assert len(seen) == (n - n % bs if drop_last else n)


# ------------------------------------------------------------------ fast path


def test_vectorised_fast_path_used_without_per_item_calls():
    ds = CountingTensorDataset(np.arange(100, dtype=np.float32), np.arange(100))
    batches = list(DataLoader(ds, batch_size=32, shuffle=True, generator=Generator(0)))
    assert ds.batch_calls == 4 and ds.item_calls == 0
    xb, yb = batches[0]
    assert isinstance(xb, npg.Array) and xb.shape == (32,) and yb.dtype == np.int64
    np.testing.assert_array_equal(xb.data, yb.data.astype(np.float32))


def test_custom_collate_bypasses_fast_path():
    ds = CountingTensorDataset(np.arange(6))
    out = list(DataLoader(ds, batch_size=4, collate_fn=lambda items: len(items)))
    assert out == [4, 2] and ds.batch_calls == 0 and ds.item_calls == 6


def test_fast_and_slow_paths_agree():
    x = np.random.default_rng(0).standard_normal((13, 2)).astype(np.float32)
    ds = TensorDataset(x, np.arange(13))
    fast = list(DataLoader(ds, batch_size=5, shuffle=True, generator=Generator(9)))
    slow = list(DataLoader(ds, batch_size=5, shuffle=True, generator=Generator(9),
                           collate_fn=default_collate))
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf.data, xs.data)
        np.testing.assert_array_equal(yf.data, ys.data)
        assert xf.dtype == xs.dtype and yf.dtype == ys.dtype


def test_item_dataset_collated_per_sample():
    ds = ItemOnly(5)
    xb, yb = next(iter(DataLoader(ds, batch_size=5)))
    assert xb.shape == (5, 2) and xb.dtype == np.float32
    assert yb.tolist() == [0, 1, 2, 3, 4] and yb.dtype == np.int64
    assert ds.calls == 5


def test_subset_of_tensor_dataset_uses_fast_path():
    ds = CountingTensorDataset(np.arange(10))
    loader = DataLoader(Subset(ds, [9, 8, 7]), batch_size=2)
    assert [b[0].tolist() for b in loader] == [[9, 8], [7]]
    assert ds.batch_calls == 2 and ds.item_calls == 0


# ------------------------------------------------------------------ shuffling


def test_shuffle_reproducible_and_reshuffles_each_epoch():
    ds = TensorDataset(np.arange(50))
    a = DataLoader(ds, batch_size=50, shuffle=True, generator=Generator(0))
    b = DataLoader(ds, batch_size=50, shuffle=True, generator=Generator(0))
    epoch1, epoch2 = labels_of(a), labels_of(a)
    assert epoch1 == labels_of(b) and epoch2 == labels_of(b)
    assert epoch1 != epoch2
    assert sorted(epoch1) == sorted(epoch2) == list(range(50))


def labels_of(loader):
    return sum((b[0].tolist() for b in loader), [])


def test_shuffle_follows_default_seed():
    ds = TensorDataset(np.arange(30))
    loader = DataLoader(ds, batch_size=7, shuffle=True)
    state = npg.random.get_state()
    try:
        npg.random.manual_seed(5)
        first = labels_of(loader)
        npg.random.manual_seed(5)
        assert labels_of(loader) == first
    finally:
        npg.random.set_state(state)


def test_each_iter_is_independent_fresh_pass():
    loader = DataLoader(TensorDataset(np.arange(6)), batch_size=2)
    it1, it2 = iter(loader), iter(loader)
    next(it1)
    assert next(it2)[0].tolist() == [0, 1]
    assert next(it1)[0].tolist() == [2, 3]


class IterOnlySampler:
    """A re-iterable sampler without __len__."""

    def __iter__(self):
        return iter([1, 2])


def test_sampler_gives_order_and_excludes_shuffle():
    ds = TensorDataset(np.arange(10))
    loader = DataLoader(ds, batch_size=2, sampler=[9, 7, 5])
    assert [b[0].tolist() for b in loader] == [[9, 7], [5]] and len(loader) == 2
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=[0], shuffle=True)
    no_len = DataLoader(ds, batch_size=2, sampler=IterOnlySampler())
    with pytest.raises(TypeError, match="sampler with __len__"):
        len(no_len)


# ------------------------------------------------------------------ arguments


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, False, None, "4"])
def test_bad_batch_size_raises(bad):
    with pytest.raises(ValueError, match=f"batch_size should be a positive integer value, "
                                         f"but got batch_size={bad}"):
        DataLoader(TensorDataset(np.arange(3)), batch_size=bad)


def test_numpy_integer_batch_size_ok():
    assert len(DataLoader(TensorDataset(np.arange(4)), batch_size=np.int64(2))) == 2


def test_other_argument_errors():
    ds = TensorDataset(np.arange(3))
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        DataLoader(ds, shuffle="yes")
    with pytest.raises(TypeError, match="drop_last"):
        DataLoader(ds, drop_last=1)
    with pytest.raises(TypeError, match="collate_fn"):
        DataLoader(ds, collate_fn=3)
    with pytest.raises(TypeError, match="generator"):
        DataLoader(ds, generator=0)
    with pytest.raises(TypeError, match="__len__ and __getitem__"):
        DataLoader(object())


# ------------------------------------------------------------------ default_collate


def test_collate_dtypes_like_torch_but_default_float():
    assert default_collate([1.0, 2.5]).dtype == np.float32
    assert default_collate([1, 2]).dtype == np.int64
    assert default_collate([True, False]).dtype == np.bool_
    assert default_collate([1, 2.5]).dtype == np.float32
    assert default_collate([np.float32(1), np.float32(2)]).dtype == np.float32
    assert default_collate([np.zeros(2, np.float64)] * 3).dtype == np.float64
    assert default_collate([npg.zeros(2)] * 3).shape == (3, 2)
    npg.set_default_dtype(np.float64)
    try:
        assert default_collate([0.5]).dtype == np.float64
    finally:
        npg.set_default_dtype(np.float32)


def test_collate_structures():
    Pair = namedtuple("Pair", "x y")
    out = default_collate([Pair(np.ones(2), 0), Pair(np.zeros(2), 1)])
    assert isinstance(out, Pair) and out.x.shape == (2, 2) and out.y.tolist() == [0, 1]
    d = default_collate([{"a": 1, "b": [1.0, "s"]}, {"a": 2, "b": [2.0, "t"]}])
    assert d["a"].tolist() == [1, 2] and d["b"][1] == ["s", "t"]
    assert isinstance(d["b"], list)
    assert isinstance(default_collate([(1, 2), (3, 4)]), tuple)


def test_collate_ragged_names_shapes_and_entries():
    with pytest.raises(ValueError, match=r"\(1,\) at entry 0 and \(2,\) at entry 1"):
        default_collate([np.zeros(1), np.zeros(2)])
    with pytest.raises(ValueError, match=r"\(3,\) at entry 0 and \(3, 1\) at entry 2"):
        default_collate([np.zeros(3), np.zeros(3), np.zeros((3, 1))])
    with pytest.raises(ValueError, match="same length"):
        default_collate([(1, 2), (1,)])


def test_collate_other_errors():
    with pytest.raises(ValueError, match="empty"):
        default_collate([])
    with pytest.raises(ValueError, match="keys"):
        default_collate([{"a": 1}, {"b": 1}])
    with pytest.raises(TypeError, match="NoneType"):
        default_collate([None, None])
    with pytest.raises(TypeError, match="mix"):
        default_collate([np.zeros(2), 3])


def test_collate_does_not_alias_samples():
    samples = [np.zeros(2, np.float32), np.ones(2, np.float32)]
    out = default_collate(samples)
    out.data[0, 0] = 7.0
    assert samples[0][0] == 0.0
