"""numpygrad.nn.init: formulas (checked against torch.nn.init), statistics, determinism."""

import math

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn import init
from numpygrad.nn.module import Parameter
from numpygrad.random import Generator

GAINS = [("linear", None, 1.0), ("conv2d", None, 1.0), ("conv_transpose3d", None, 1.0),
         ("sigmoid", None, 1.0), ("tanh", None, 5 / 3), ("relu", None, math.sqrt(2)),
         ("leaky_relu", None, math.sqrt(2 / (1 + 0.01**2))),
         ("leaky_relu", 0.2, math.sqrt(2 / 1.04)), ("leaky_relu", 1, 1.0),
         ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)), ("selu", None, 0.75)]


def empty(*shape, dtype=np.float32):
    return npg.Array(np.zeros(shape, dtype=dtype))


@pytest.mark.parametrize("name,param,expected", GAINS)
def test_calculate_gain(name, param, expected):
    assert init.calculate_gain(name, param) == pytest.approx(expected, rel=1e-12)


def test_calculate_gain_errors():
    with pytest.raises(ValueError, match="Unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize("shape,fans", [((3, 5), (5, 3)), ((8, 3, 5, 5), (75, 200)),
                                        ((4, 2, 3), (6, 12)), ((0, 4), (4, 0))])
def test_fan_in_and_fan_out(shape, fans):
    assert init._calculate_fan_in_and_fan_out(empty(*shape)) == fans


@pytest.mark.parametrize("shape", [(3,), ()])
def test_fan_needs_two_dims(shape):
    with pytest.raises(ValueError, match=r"fewer than 2 dimensions, got shape \(" ):
        init._calculate_fan_in_and_fan_out(empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(empty(*shape))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_normal_(empty(*shape))


def test_bad_mode_and_nonlinearity():
    with pytest.raises(ValueError, match="Mode 'fan_avg' not supported"):
        init.kaiming_uniform_(empty(2, 2), mode="fan_avg")
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.kaiming_normal_(empty(2, 2), nonlinearity="gelu")
    init.kaiming_normal_(empty(2, 2), mode="FAN_OUT")  # case-insensitive, like torch


def test_fills_in_place_keeps_dtype_and_returns_same_object():
    for dtype in (np.float32, np.float64):
        p = Parameter(np.zeros((64, 32), dtype=dtype))
        buf = p.data
        for fn in (init.uniform_, init.normal_, init.xavier_uniform_, init.xavier_normal_,
                   init.kaiming_uniform_, init.kaiming_normal_, init.orthogonal_,
                   init.trunc_normal_, init.zeros_, init.ones_, init.eye_):
            assert fn(p) is p
            assert p.data is buf and p.dtype == dtype
            assert p.is_leaf and p.grad_fn is None and p.requires_grad
    raw = np.zeros((3, 3))
    assert init.ones_(raw) is raw and raw.sum() == 9
    with pytest.raises(TypeError, match="expected an Array or ndarray"):
        init.zeros_([1.0, 2.0])


def check_uniform(values, bound):
    assert np.abs(values).max() <= bound * (1 + 1e-6)
    assert np.abs(values).max() > 0.95 * bound  # the range is actually used
    assert values.std() == pytest.approx(bound / math.sqrt(3), rel=0.03)


def test_uniform_and_normal_statistics():
    g = Generator(0)
    u = init.uniform_(empty(200, 200), -2.0, 3.0, generator=g).data
    assert u.min() >= -2 and u.max() <= 3 and u.mean() == pytest.approx(0.5, abs=0.03)
    n = init.normal_(empty(200, 200), mean=1.0, std=0.5, generator=g).data
    assert n.mean() == pytest.approx(1.0, abs=0.01) and n.std() == pytest.approx(0.5, rel=0.02)
    with pytest.raises(ValueError, match="std >= 0.0"):
        init.normal_(empty(2), std=-1.0)
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(empty(2), 1.0, 0.0)


def test_xavier_formulas():
    w = empty(300, 200)
    check_uniform(init.xavier_uniform_(w, gain=2.0).data, 2.0 * math.sqrt(6 / 500))
    std = init.xavier_normal_(w, gain=0.5).data.std()
    assert std == pytest.approx(0.5 * math.sqrt(2 / 500), rel=0.02)


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
def test_kaiming_formulas(mode):
    w = empty(64, 32, 3, 3)
    fan = 32 * 9 if mode == "fan_in" else 64 * 9
    # Linear/Conv default: a=sqrt(5), leaky_relu -> bound 1/sqrt(fan)
    check_uniform(init.kaiming_uniform_(w, a=math.sqrt(5), mode=mode).data, 1 / math.sqrt(fan))
    check_uniform(init.kaiming_uniform_(w, mode=mode, nonlinearity="relu").data,
                  math.sqrt(6 / fan))
    std = init.kaiming_normal_(w, mode=mode, nonlinearity="relu").data.std()
    assert std == pytest.approx(math.sqrt(2 / fan), rel=0.02)


def test_kaiming_zero_element_is_a_noop_with_warning():
    w = empty(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(w) is w


def test_trunc_normal_both_regimes():
    w = init.trunc_normal_(empty(100_000), std=1.0, a=-1.0, b=1.0, generator=Generator(1)).data
    assert w.min() >= -1 and w.max() <= 1 and abs(w.mean()) < 0.01
    # truncated standard normal on [-1, 1] has variance 1 - 2*phi(1)/(Phi(1)-Phi(-1))
    phi1 = math.exp(-0.5) / math.sqrt(2 * math.pi)
    var = 1 - 2 * phi1 / math.erf(1 / math.sqrt(2))
    assert w.var() == pytest.approx(var, rel=0.03)
    # little mass inside [2, 3]: the accept/reject path; compare with the analytic mean
    w = init.trunc_normal_(empty(50_000), a=2.0, b=3.0, generator=Generator(2)).data
    pdf = [math.exp(-x * x / 2) / math.sqrt(2 * math.pi) for x in (2.0, 3.0)]
    mass = 0.5 * (math.erf(3 / math.sqrt(2)) - math.erf(2 / math.sqrt(2)))
    assert w.min() >= 2 and w.max() <= 3
    assert w.mean() == pytest.approx((pdf[0] - pdf[1]) / mass, rel=0.01)
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(empty(10), mean=10.0, a=-1.0, b=1.0)
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(empty(2), a=1.0, b=1.0)


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3, 2), (1, 1)])
def test_orthogonal(shape):
    w = init.orthogonal_(empty(*shape, dtype=np.float64), gain=2.0, generator=Generator(0))
    flat = w.data.reshape(shape[0], -1) / 2.0
    small = min(flat.shape)
    gram = flat.T @ flat if flat.shape[0] >= flat.shape[1] else flat @ flat.T
    assert np.allclose(gram, np.eye(small))
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(empty(3))
    assert init.orthogonal_(empty(0, 3)).shape == (0, 3)


def test_constant_eye():
    assert init.constant_(empty(2, 2), 0.25).data.tolist() == [[0.25, 0.25], [0.25, 0.25]]
    assert np.array_equal(init.eye_(empty(3, 2)).data, np.eye(3, 2))
    with pytest.raises(ValueError, match=r"2 dimensions.*\(2, 2, 2\)"):
        init.eye_(empty(2, 2, 2))


@pytest.mark.parametrize("fn", [init.uniform_, init.normal_, init.xavier_uniform_,
                                init.xavier_normal_, init.kaiming_uniform_,
                                init.kaiming_normal_, init.orthogonal_, init.trunc_normal_])
def test_generator_reproducibility(fn):
    a = fn(empty(5, 4), generator=Generator(123)).data
    b = fn(empty(5, 4), generator=Generator(123)).data
    c = fn(empty(5, 4), generator=Generator(124)).data
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    # the default generator: same state, same values (state restored for other tests)
    state = npg.random.get_state()
    try:
        npg.random.manual_seed(7)
        d = fn(empty(5, 4)).data
        npg.random.manual_seed(7)
        assert np.array_equal(d, fn(empty(5, 4)).data)
    finally:
        npg.random.set_state(state)


# ---------------------------------------------------------------- torch oracle
@pytest.mark.parametrize("name,param,expected", GAINS)
def test_calculate_gain_matches_torch(name, param, expected):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(name, param) == pytest.approx(
        torch.nn.init.calculate_gain(name, param), rel=1e-15)


@pytest.mark.parametrize("shape", [(3, 5), (8, 3, 5, 5), (4, 2, 3), (7, 1, 1, 1, 2)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    t = torch.empty(shape)
    assert init._calculate_fan_in_and_fan_out(empty(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(t)
    for mode in ("fan_in", "fan_out"):
        assert init._calculate_correct_fan(empty(*shape), mode) == \
            torch.nn.init._calculate_correct_fan(t, mode)


def test_bounds_match_torch_samples():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    shape = (128, 64, 3)
    cases = [(init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, {"a": math.sqrt(5)}),
             (init.kaiming_uniform_, torch.nn.init.kaiming_uniform_, {"mode": "fan_out"}),
             (init.xavier_uniform_, torch.nn.init.xavier_uniform_, {"gain": 1.5})]
    for ours, theirs, kw in cases:
        t = theirs(torch.empty(shape), **kw).abs().max().item()
        o = np.abs(ours(empty(*shape), **kw).data).max()
        assert o == pytest.approx(t, rel=0.01)
    for ours, theirs in [(init.kaiming_normal_, torch.nn.init.kaiming_normal_),
                         (init.xavier_normal_, torch.nn.init.xavier_normal_)]:
        t = theirs(torch.empty(shape)).std().item()
        assert ours(empty(*shape)).data.std() == pytest.approx(t, rel=0.03)
