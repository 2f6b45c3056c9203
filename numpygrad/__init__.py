"""numpygrad: a deep-learning framework built on NumPy alone, with a PyTorch-like API.

>>> import numpygrad as npg
>>> x = npg.array([2.0, 3.0], requires_grad=True)
>>> (x * x).sum().backward()
>>> x.grad
Array([4., 6.])
"""

import numpy as _np

from numpygrad._array import Array, Variable, array, asarray
from numpygrad._dtype import get_default_dtype, set_default_dtype
from numpygrad.autograd import (
    Function,
    enable_grad,
    grad,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)

# Every op module's __all__ is part of the top-level namespace, so adding an op
# to its module exports it here too.
from numpygrad.ops.activation import *
from numpygrad.ops.arithmetic import *
from numpygrad.ops.arithmetic import positive_copy as copy
from numpygrad.ops.comparison import *
from numpygrad.ops.creation import *
from numpygrad.ops.elementwise import *
from numpygrad.ops.indexing import *
from numpygrad.ops.join import *
from numpygrad.ops.linalg import *
from numpygrad.ops.reduction import *
from numpygrad.ops.scan import *
from numpygrad.ops.shape import *
from numpygrad.ops.statistics import *

from numpygrad import autograd, functions, linalg, random, testing
from numpygrad.serialization import load, save
from numpygrad import nn, optim, data
from numpygrad.optim.optimize import optimize
from numpygrad.random import manual_seed, seed, initial_seed

float16 = _np.float16
float32 = _np.float32
float64 = _np.float64
int8 = _np.int8
int16 = _np.int16
int32 = _np.int32
int64 = _np.int64
uint8 = _np.uint8
bool_ = _np.bool_
pi = _np.pi
e = _np.e
inf = _np.inf
nan = _np.nan
newaxis = None

__version__ = "0.1.0"
