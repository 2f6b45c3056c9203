"""Stateless forms of the layers and the losses (PyTorch's ``torch.nn.functional``).

>>> import numpygrad as npg
>>> import numpygrad.nn.functional as F
>>> F.relu(npg.array([-1.0, 2.0]))
Array([0., 2.])
"""

from numpygrad.nn.linear import linear
from numpygrad.nn.loss import *
from numpygrad.ops.activation import log_softmax, softmax
from numpygrad.ops.elementwise import relu, sigmoid, tanh
