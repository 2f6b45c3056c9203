"""Neural-network building blocks: modules, layers, losses, initialisers.

>>> import numpygrad as npg
>>> from numpygrad import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> model(npg.ones((3, 4))).shape
(3, 2)
"""

from numpygrad.nn import functional, init, utils
from numpygrad.nn.containers import ModuleDict, ModuleList, Sequential
from numpygrad.nn.linear import MLP, Identity, Linear
from numpygrad.nn.loss_modules import *
from numpygrad.nn.module import Buffer, Module, Parameter
