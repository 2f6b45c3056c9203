"""nn.dropout: probability checks (RELIABILITY §3 item 33), scaling, masks, gradients."""

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.dropout import Dropout, dropout
from numpygrad.random import Generator
from tests.helpers import check_op


@pytest.mark.parametrize("p", [1.5, -0.1, float("nan")])
def test_invalid_probability(p):
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but "
                                         f"got {p}"):
        Dropout(p)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        dropout(npg.ones(3), p)


def test_invalid_probability_type():
    with pytest.raises(TypeError, match="dropout probability must be a number"):
        Dropout("0.5")


def test_eval_is_identity():
    x = npg.ones((3, 4), requires_grad=True)
    layer = Dropout(0.7).eval()
    assert layer(x) is x
    assert dropout(x, 0.7, training=False) is x
    assert dropout(x, 0.0) is x


def test_kept_units_scaled():
    x = npg.array(np.full((100, 100), 2.0, dtype=np.float32))
    y = dropout(x, 0.2, generator=Generator(0)).data
    kept = y != 0
    np.testing.assert_allclose(y[kept], 2.0 / 0.8)
    assert abs(kept.mean() - 0.8) < 0.02
    assert y.dtype == np.float32


def test_p_one_gives_zeros_without_nan():
    x = npg.array(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = dropout(x, 1.0)
    np.testing.assert_array_equal(y.data, 0)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, 0)


def test_same_seed_same_mask():
    x = npg.ones((20, 20))
    a = dropout(x, 0.5, generator=Generator(3)).data
    b = dropout(x, 0.5, generator=Generator(3)).data
    c = dropout(x, 0.5, generator=Generator(4)).data
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    layer1, layer2 = Dropout(0.5, generator=Generator(9)), Dropout(0.5, generator=Generator(9))
    np.testing.assert_array_equal(layer1(x).data, layer2(x).data)


def test_default_generator_follows_manual_seed():
    x = npg.ones((10, 10))
    npg.random.manual_seed(11)
    a = Dropout(0.5)(x).data
    npg.random.manual_seed(11)
    np.testing.assert_array_equal(a, Dropout(0.5)(x).data)


def test_gradient_uses_the_same_mask():
    gen = Generator(5)
    x = npg.array(np.random.default_rng(0).standard_normal((4, 5)), requires_grad=True)
    y = dropout(x, 0.4, generator=gen)
    up = np.random.default_rng(1).standard_normal((4, 5))
    y.backward(up)
    mask = (y.data / x.data)
    np.testing.assert_allclose(x.grad.data, up * mask)
    np.testing.assert_allclose(np.unique(np.round(mask, 12)), [0, 1 / 0.6])


def test_gradcheck_with_fixed_mask():
    # A fresh generator with the same seed per call keeps the mask fixed for finite differences.
    values = np.random.default_rng(2).standard_normal((3, 4))
    check_op(lambda x: dropout(x, 0.3, generator=Generator(8)), values)


def test_repr():
    assert repr(Dropout(0.25)) == "Dropout(p=0.25, inplace=False)"
