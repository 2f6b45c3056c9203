"""Weight initialisers with PyTorch's formulas (``torch.nn.init``).

Every function fills the array's ``.data`` in place (an untracked NumPy write, so no graph is
recorded), keeps its dtype and returns the same array. Random initialisers draw from
:mod:`numpygrad.random`'s default generator unless ``generator=`` is given. Plain ndarrays are
accepted too and filled in place.
"""

from __future__ import annotations

import math
import warnings
from typing import Any, TypeVar

import numpy as np

from numpygrad._array import Array
from numpygrad.random import _np_generator

__all__ = [
    "calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "zeros_", "ones_",
    "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_",
    "orthogonal_",
]

T = TypeVar("T", Array, np.ndarray)

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
               "conv_transpose3d", "sigmoid")


def _values(tensor: Any) -> np.ndarray:
    if isinstance(tensor, Array):
        return tensor.data
    if isinstance(tensor, np.ndarray):
        return tensor
    raise TypeError(f"expected an Array or ndarray to initialise, got {type(tensor).__name__}")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """Return the recommended gain for a nonlinearity (PyTorch's table).

    ``linear``/``conv*``/``sigmoid``: 1, ``tanh``: 5/3, ``relu``: sqrt(2),
    ``leaky_relu``: sqrt(2 / (1 + negative_slope**2)) with ``param`` the slope (default 0.01),
    ``selu``: 3/4.

    Raises
    ------
    ValueError
        For an unknown nonlinearity or a non-numeric slope.

    Examples
    --------
    >>> from numpygrad import nn
    >>> round(nn.init.calculate_gain("relu"), 6)
    1.414214
    >>> round(nn.init.calculate_gain("leaky_relu", 0.2), 6)
    1.38675
    """
    if nonlinearity in _LINEAR_FNS:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param  # bool is an int subclass; True as a slope is a bug
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor: Array | np.ndarray) -> tuple[int, int]:
    """Return ``(fan_in, fan_out)`` for a weight shaped ``(out, in, *kernel)``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init._calculate_fan_in_and_fan_out(npg.zeros((8, 3, 5, 5)))
    (75, 200)
    """
    shape = _values(tensor).shape
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions, "
            f"got shape {shape}"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor: Array | np.ndarray, mode: str) -> int:
    lowered = mode.lower() if isinstance(mode, str) else mode
    if lowered not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode!r} not supported, please use one of ['fan_in', 'fan_out']")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if lowered == "fan_in" else fan_out


def uniform_(tensor: T, a: float = 0.0, b: float = 1.0, generator: Any = None) -> T:
    """Fill with values drawn from U(a, b).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> w = nn.init.uniform_(npg.empty((2, 3)), -1.0, 1.0)
    >>> bool((w.numpy() >= -1).all() and (w.numpy() <= 1).all())
    True
    """
    if not a <= b:
        raise ValueError(f"uniform_ expects a <= b, but got a={a} > b={b}")
    data = _values(tensor)
    data[...] = _np_generator(generator).uniform(a, b, size=data.shape)
    return tensor


def normal_(tensor: T, mean: float = 0.0, std: float = 1.0, generator: Any = None) -> T:
    """Fill with values drawn from N(mean, std**2).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.normal_(npg.empty((2, 3)), std=0.02).shape
    (2, 3)
    """
    if not std >= 0:
        raise ValueError(f"normal_ expects std >= 0.0, but found std {std}")
    data = _values(tensor)
    data[...] = _np_generator(generator).normal(mean, std, size=data.shape)
    return tensor


def trunc_normal_(tensor: T, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0, generator: Any = None) -> T:
    """Fill with N(mean, std**2) values truncated to ``[a, b]`` (rejection sampling).

    Like PyTorch: redraw out-of-range values when the interval holds enough mass, otherwise
    accept/reject uniform proposals on ``[a, b]`` against the normal density.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> w = nn.init.trunc_normal_(npg.empty(1000), std=1.0, a=-0.5, b=0.5)
    >>> float(abs(w.numpy()).max()) <= 0.5
    True
    """
    if not std > 0:
        raise ValueError(f"trunc_normal_ expects std > 0, but found std {std}")
    if not a < b:
        raise ValueError(f"trunc_normal_ expects a < b, but got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    data = _values(tensor)
    rng = _np_generator(generator)
    shape = data.shape

    def cdf(x: float) -> float:
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    # Bounds in the destination dtype, so a float32 value rounded onto b is not "outside".
    lo, hi = data.dtype.type(a), data.dtype.type(b)
    if cdf((b - mean) / std) - cdf((a - mean) / std) > 0.3:
        out = rng.normal(mean, std, size=shape).astype(data.dtype)
        bad = (out < lo) | (out > hi)
        while bad.any():
            out[bad] = rng.normal(mean, std, size=int(bad.sum()))
            bad = (out < lo) | (out > hi)
    else:
        # Little mass inside [a, b]: propose uniformly and accept with the density ratio.
        peak = max(a, min(mean, b))
        log_peak = -0.5 * ((peak - mean) / std) ** 2
        out = np.empty(shape, dtype=np.float64)
        pending = np.ones(shape, dtype=bool)
        while pending.any():
            n = int(pending.sum())
            cand = rng.uniform(a, b, size=n)
            accept = np.log(rng.random(n)) <= -0.5 * ((cand - mean) / std) ** 2 - log_peak
            idx = np.flatnonzero(pending)[accept]
            out.flat[idx] = cand[accept]
            pending.flat[idx] = False
        out = np.clip(out.astype(data.dtype), lo, hi)
    data[...] = out
    return tensor


def constant_(tensor: T, val: float) -> T:
    """Fill with the constant ``val``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.constant_(npg.empty(3), 0.5).tolist()
    [0.5, 0.5, 0.5]
    """
    _values(tensor)[...] = val
    return tensor


def zeros_(tensor: T) -> T:
    """Fill with zeros.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.zeros_(npg.ones(2)).tolist()
    [0.0, 0.0]
    """
    return constant_(tensor, 0)


def ones_(tensor: T) -> T:
    """Fill with ones.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.ones_(npg.zeros(2)).tolist()
    [1.0, 1.0]
    """
    return constant_(tensor, 1)


def eye_(tensor: T) -> T:
    """Fill a 2-D array with the identity matrix (ones on the main diagonal).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.eye_(npg.empty((2, 3))).tolist()
    [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    """
    data = _values(tensor)
    if data.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported, got shape {data.shape}")
    data[...] = np.eye(*data.shape)
    return tensor


def xavier_uniform_(tensor: T, gain: float = 1.0, generator: Any = None) -> T:
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> w = nn.init.xavier_uniform_(npg.empty((3, 5)), gain=nn.init.calculate_gain("relu"))
    >>> bool(abs(w.numpy()).max() <= 2 ** 0.5 * (6 / 8) ** 0.5)
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std  # the uniform with this standard deviation
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: T, gain: float = 1.0, generator: Any = None) -> T:
    """Glorot normal: N(0, std**2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.xavier_normal_(npg.empty((3, 5))).shape
    (3, 5)
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(tensor: Any, a: float, mode: str, nonlinearity: str) -> float | None:
    if 0 in _values(tensor).shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor: T, a: float = 0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Any = None) -> T:
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan_mode).

    ``a`` is the negative slope used by ``leaky_relu``'s gain; ``mode`` is ``'fan_in'``
    (preserve forward variance) or ``'fan_out'`` (preserve backward variance). This is the
    default initialisation of ``Linear`` and ``Conv`` weights with ``a=sqrt(5)``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> w = nn.init.kaiming_uniform_(npg.empty((4, 6)), mode="fan_in", nonlinearity="relu")
    >>> bool(abs(w.numpy()).max() <= (6 / 6) ** 0.5)
    True
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: T, a: float = 0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Any = None) -> T:
    """He normal: N(0, std**2) with std = gain / sqrt(fan_mode).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.init.kaiming_normal_(npg.empty((4, 6)), mode="fan_out", nonlinearity="relu").shape
    (4, 6)
    """
    std = _kaiming_std(tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: T, gain: float = 1.0, generator: Any = None) -> T:
    """Fill with a (semi-)orthogonal matrix (Saxe et al. 2013), scaled by ``gain``.

    Trailing dimensions are flattened: the array is viewed as ``(shape[0], -1)``, and its rows
    (or columns, whichever are fewer) come out orthonormal.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> w = nn.init.orthogonal_(npg.empty((3, 5), dtype=np.float64)).numpy()
    >>> bool(np.allclose(w @ w.T, np.eye(3)))
    True
    """
    data = _values(tensor)
    if data.ndim < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported, got shape "
                         f"{data.shape}")
    if data.size == 0:
        return tensor
    rows = data.shape[0]
    cols = data.size // rows
    flat = _np_generator(generator).standard_normal((rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    # Multiply by the signs of diag(r) so Q is uniformly (Haar) distributed.
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    data[...] = (gain * q).reshape(data.shape)
    return tensor
