"""Tests for numpygrad.random: seeding, generators, state, samplers and their validation."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import numpygrad as npg
import numpygrad.random as npr


@pytest.fixture(autouse=True)
def _restore_default_state():
    # Tests reseed the default generator; put its stream back so test order never matters.
    state = npr.get_state()
    yield
    npr.set_state(state)


# ------------------------------------------------------------------ seeding


def test_manual_seed_reproduces_every_sampler():
    def draw():
        return [npr.rand(3).data, npr.randn(2, 2).data, npr.randint(0, 100, (4,)).data,
                npr.normal(1.0, 2.0, (3,)).data, npr.uniform(-1.0, 1.0, 3).data,
                npr.randperm(6).data, npr.bernoulli(0.3, (5,)).data,
                npr.choice(10, 4, replace=False).data, npr.permutation(5).data]

    npr.manual_seed(123)
    first = draw()
    npr.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    npr.manual_seed(124)
    assert not np.array_equal(npr.randn(8).data, first[1].ravel()[:8])


def test_manual_seed_returns_default_generator_and_sets_initial_seed():
    g = npr.manual_seed(2**64 - 1)
    assert g is npr.default_generator
    assert npr.initial_seed() == 2**64 - 1


def test_seed_from_entropy_returns_usable_seed():
    s = npr.seed()
    assert isinstance(s, int) and 0 <= s < 2**64
    assert npr.initial_seed() == s
    a = npr.randn(4).data
    npr.manual_seed(s)
    np.testing.assert_array_equal(npr.randn(4).data, a)


def test_generators_are_independent_of_default_and_each_other():
    g1, g2 = npr.Generator(42), npr.Generator(42)
    a = npr.randn(5, generator=g1).data
    npr.manual_seed(0)
    npr.randn(100)  # consuming the default stream must not affect g2
    b = npr.randn(5, generator=g2).data
    np.testing.assert_array_equal(a, b)
    # and drawing from g1 leaves the default stream alone
    npr.manual_seed(7)
    expected = npr.randn(3).data
    npr.manual_seed(7)
    npr.randn(10, generator=g1)
    np.testing.assert_array_equal(npr.randn(3).data, expected)


def test_manual_seed_keeps_numpy_generator_identity():
    g = npr.Generator(1)
    held = npr._np_generator(g)
    first = held.random(3)
    g.manual_seed(1)
    np.testing.assert_array_equal(held.random(3), first)
    assert npr._np_generator(g) is held


def test_np_generator_default_and_type_check():
    assert npr._np_generator() is npr._np_generator(npr.default_generator)
    rng = np.random.default_rng(0)
    assert npr._np_generator(rng) is rng
    with pytest.raises(TypeError, match="generator"):
        npr._np_generator(42)
    with pytest.raises(TypeError, match="generator"):
        npr.randn(2, generator="g")


@pytest.mark.parametrize("bad", [-1, 2**64, -(2**70)])
def test_seed_out_of_range_raises_value_error(bad):
    with pytest.raises(ValueError, match=str(bad)):
        npr.manual_seed(bad)
    with pytest.raises(ValueError, match=str(bad)):
        npr.Generator(bad)


@pytest.mark.parametrize("bad", [1.5, 1.0, "1", True, None, [1]])
def test_seed_of_wrong_type_raises_type_error(bad):
    with pytest.raises(TypeError, match="seed must be an int"):
        npr.manual_seed(bad)


def test_numpy_integer_seed_accepted():
    assert npr.Generator(np.uint64(2**64 - 1)).initial_seed() == 2**64 - 1


# ------------------------------------------------------------------ state


def test_default_state_round_trips_exactly():
    npr.manual_seed(5)
    npr.rand(7)
    state = npr.get_state()
    a = [npr.randn(3).data, npr.randint(10, size=4).data]
    npr.manual_seed(99)
    npr.set_state(state)
    b = [npr.randn(3).data, npr.randint(10, size=4).data]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    assert npr.initial_seed() == 5


def test_get_state_is_a_copy():
    g = npr.Generator(3)
    state = g.get_state()
    npr.rand(10, generator=g)
    g2 = npr.Generator(0)
    g2.set_state(state)
    g.set_state(state)
    np.testing.assert_array_equal(npr.rand(4, generator=g).data,
                                  npr.rand(4, generator=g2).data)


def test_state_survives_serialization(tmp_path):
    from numpygrad.serialization import load, save

    g = npr.Generator(11)
    npr.rand(3, generator=g)
    save({"rng": g.get_state()}, tmp_path / "rng.npz")
    expected = npr.randn(6, generator=g).data
    g2 = npr.Generator(0)
    g2.set_state(load(tmp_path / "rng.npz")["rng"])
    np.testing.assert_array_equal(npr.randn(6, generator=g2).data, expected)


def test_set_state_rejects_bad_states_and_leaves_generator_intact():
    g = npr.Generator(4)
    before = g.get_state()
    with pytest.raises(TypeError, match="get_state"):
        g.set_state([1, 2])
    with pytest.raises(TypeError, match="keys"):
        g.set_state({"bit_generator": before["bit_generator"]})
    bad = {"initial_seed": 4, "bit_generator": {"bit_generator": "MT19937"}}
    with pytest.raises(ValueError, match="PCG64"):
        g.set_state(bad)
    broken = {"initial_seed": 4, "bit_generator": {"bit_generator": "PCG64", "state": {}}}
    with pytest.raises(ValueError, match="invalid PCG64 state"):
        g.set_state(broken)
    assert g.get_state() == before


# ------------------------------------------------------------------ samplers


def test_shapes_accept_varargs_and_tuples():
    assert npr.rand(2, 3).shape == npr.rand((2, 3)).shape == (2, 3)
    assert npr.randn([4]).shape == (4,)
    assert npr.rand().shape == ()
    assert npr.randn(0, 3).shape == (0, 3)


def test_default_dtypes_follow_default_dtype():
    assert npr.rand(2).dtype == np.float32
    assert npr.randint(5, size=2).dtype == np.int64
    assert npr.randperm(3).dtype == np.int64
    npg.set_default_dtype(np.float64)
    try:
        for x in (npr.rand(2), npr.randn(2), npr.normal(0.0, 1.0, 2), npr.uniform(size=2),
                  npr.bernoulli(0.5, 2)):
            assert x.dtype == np.float64
    finally:
        npg.set_default_dtype(np.float32)


@pytest.mark.parametrize("fn", [npr.rand, npr.randn])
def test_explicit_float_dtypes(fn):
    for dt in (np.float16, np.float32, np.float64):
        x = fn(50, dtype=dt)
        assert x.dtype == dt and isinstance(x, npg.Array)


def test_requires_grad_flag():
    x = npr.randn(3, requires_grad=True)
    assert x.requires_grad and x.is_leaf
    assert not npr.rand(3).requires_grad
    with pytest.raises(TypeError, match="floating point"):
        npr.randint(0, 5, (2,), requires_grad=True)


def test_rand_and_uniform_ranges():
    x = npr.rand(10_000, generator=npr.Generator(0)).data
    assert x.min() >= 0 and x.max() < 1
    assert abs(x.mean() - 0.5) < 0.02
    u = npr.uniform(-3.0, -2.0, (10_000,), generator=npr.Generator(1)).data
    assert u.min() >= -3 and u.max() < -2


def test_uniform_stays_below_high_after_float32_rounding():
    # Between 1 - 2**-23 and 1 about half the float64 draws round up to 1.0 in float32;
    # the result must still stay in [low, high).
    low = 1.0 - 2.0**-23
    u = npr.uniform(low, 1.0, (1000,), dtype=np.float32, generator=npr.Generator(0)).data
    assert u.dtype == np.float32 and (u < 1.0).all() and (u >= np.float32(low)).all()
    # bounds that collapse to one float32 value leave an empty interval
    with pytest.raises(ValueError, match="low < high in float32"):
        npr.uniform(1.0 - 2.0**-30, 1.0, 3, dtype=np.float32)


def test_normal_statistics_and_broadcast_parameters():
    g = npr.Generator(2)
    z = npr.normal(3.0, 0.5, (20_000,), generator=g).data
    assert abs(z.mean() - 3.0) < 0.02 and abs(z.std() - 0.5) < 0.02
    m = npr.normal(np.array([0.0, 100.0]), np.array([0.0, 0.0])).data
    np.testing.assert_array_equal(m, [0.0, 100.0])
    assert npr.normal(npg.zeros((2, 3)), 1.0).shape == (2, 3)


def test_randint_bounds_and_single_argument_form():
    x = npr.randint(5, size=(1000,), generator=npr.Generator(0)).data
    assert set(np.unique(x)) == {0, 1, 2, 3, 4}
    y = npr.randint(-3, -1, (100,)).data
    assert set(np.unique(y)) <= {-3, -2}
    assert npr.randint(0, 3, size=(2,), dtype=np.uint8).dtype == np.uint8


def test_randperm_and_permutation():
    p = npr.randperm(50).data
    assert sorted(p.tolist()) == list(range(50))
    empty = npr.randperm(0)
    assert empty.shape == (0,) and empty.dtype == np.int64
    rows = np.arange(12).reshape(6, 2)
    shuffled = npr.permutation(rows).data
    assert sorted(map(tuple, shuffled.tolist())) == sorted(map(tuple, rows.tolist()))
    np.testing.assert_array_equal(rows, np.arange(12).reshape(6, 2))  # input untouched


def test_bernoulli_values_and_probability_arrays():
    x = npr.bernoulli(0.25, (20_000,), generator=npr.Generator(3)).data
    assert set(np.unique(x)) == {0.0, 1.0} and abs(x.mean() - 0.25) < 0.02
    np.testing.assert_array_equal(npr.bernoulli(npg.array([0.0, 1.0, 1.0])).data, [0, 1, 1])
    assert npr.bernoulli(np.array([0.1, 0.9]), size=(4, 2)).shape == (4, 2)


def test_choice_variants():
    assert sorted(npr.choice(5, 5, replace=False).tolist()) == [0, 1, 2, 3, 4]
    picked = npr.choice(np.array([1.5, 2.5]), (3,), p=[1.0, 0.0]).data
    np.testing.assert_array_equal(picked, [1.5, 1.5, 1.5])
    assert npr.choice(3).shape == ()
    assert npr.choice(3).dtype == np.int64


@given(seed=st.integers(0, 2**64 - 1), n=st.integers(0, 20))
@settings(max_examples=30, deadline=None)
def test_same_seed_same_stream_property(seed, n):
    a = npr.randn(n, generator=npr.Generator(seed)).data
    b = npr.randn(n, generator=npr.Generator(seed)).data
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------ argument errors


def test_negative_sizes_raise():
    with pytest.raises(ValueError, match="-1"):
        npr.randn(-1)
    with pytest.raises(ValueError, match="-2"):
        npr.rand((3, -2))
    with pytest.raises(TypeError, match="ints"):
        npr.rand(2.5)
    with pytest.raises(ValueError, match="-4"):
        npr.randperm(-4)


def test_low_high_validation():
    with pytest.raises(ValueError, match="low=5 >= high=5"):
        npr.randint(5, 5, (2,))
    with pytest.raises(ValueError, match="low=0 >= high=0"):
        npr.randint(0)
    with pytest.raises(TypeError, match="int"):
        npr.randint(0.5, 3)
    with pytest.raises(ValueError, match="low=2.0 >= high=1.0"):
        npr.uniform(2.0, 1.0, 3)
    with pytest.raises(ValueError, match="does not fit"):
        npr.randint(0, 300, 2, dtype=np.uint8)


def test_std_and_probability_validation():
    with pytest.raises(ValueError, match="std -1"):
        npr.normal(0.0, -1.0, 3)
    with pytest.raises(ValueError, match="nan"):
        npr.normal(0.0, float("nan"), 3)
    with pytest.raises(ValueError, match="inf"):
        npr.normal(0.0, np.array([1.0, np.inf]))
    with pytest.raises(ValueError, match="finite bounds"):
        npr.uniform(-np.inf, np.inf, 3)
    with pytest.raises(ValueError, match="p=1.5"):
        npr.bernoulli(1.5, 3)
    with pytest.raises(ValueError, match="p=-0.1"):
        npr.bernoulli(np.array([0.5, -0.1]))


def test_choice_validation():
    with pytest.raises(ValueError, match="cannot take 5 samples without replacement from a "
                                         "population of 3"):
        npr.choice(3, 5, replace=False)
    with pytest.raises(ValueError, match="only 1 entries of p"):
        npr.choice(3, 2, replace=False, p=[1.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="summing to 1"):
        npr.choice(3, 2, p=[0.5, 0.2, 0.2])
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        npr.choice(3, 2, p=[0.5, 0.5])
    with pytest.raises(ValueError, match="a=0"):
        npr.choice(0)
    with pytest.raises(ValueError, match="1-D"):
        npr.choice(np.zeros((2, 2)))


def test_parameters_must_broadcast_to_size():
    with pytest.raises(ValueError, match=r"shape \(2, 1\) cannot broadcast to size \(3,\)"):
        npr.bernoulli(np.full((2, 1), 0.5), (3,))
    with pytest.raises(ValueError, match=r"shape \(4,\) cannot broadcast to size \(3,\)"):
        npr.normal(np.zeros(4), 1.0, (3,))
    with pytest.raises(ValueError, match="cannot broadcast"):
        npr.uniform(np.zeros((2, 3)), 1.0, (3,))
    assert npr.normal(np.zeros((1, 3)), np.ones(3), (2, 3)).shape == (2, 3)


def test_dtype_validation():
    with pytest.raises(TypeError, match="floating"):
        npr.randn(2, dtype=np.int32)
    with pytest.raises(TypeError, match="integer"):
        npr.randint(3, size=2, dtype=np.float32)


def test_no_legacy_global_numpy_state_used():
    legacy = np.random.get_state()[1].copy()
    npr.manual_seed(1)
    npr.randn(100)
    npr.rand(10)
    np.testing.assert_array_equal(np.random.get_state()[1], legacy)
