"""Neural-network building blocks: modules, layers, losses, initialisers.

>>> import numpygrad as npg
>>> from numpygrad import nn
>>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
>>> model(npg.ones((3, 4))).shape
(3, 2)
"""

from numpygrad.nn import functional, init, utils
from numpygrad.nn.activation import (
    ELU,
    GELU,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from numpygrad.nn.attention import MultiheadAttention
from numpygrad.nn.containers import ModuleDict, ModuleList, Sequential
from numpygrad.nn.conv import Conv2d
from numpygrad.nn.dropout import Dropout
from numpygrad.nn.embedding import Embedding
from numpygrad.nn.flatten import Flatten, Unflatten
from numpygrad.nn.linear import MLP, Identity, Linear
from numpygrad.nn.loss_modules import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from numpygrad.nn.module import Buffer, Module, Parameter
from numpygrad.nn.norm import BatchNorm1d, BatchNorm2d, LayerNorm
from numpygrad.nn.pooling import AvgPool2d, MaxPool2d

__all__ = [
    "functional", "init", "utils", "Module", "Parameter", "Buffer", "Sequential", "ModuleList",
    "ModuleDict", "Linear", "Identity", "MLP", "Conv2d", "MaxPool2d", "AvgPool2d", "Flatten",
    "Unflatten", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "Embedding", "Dropout",
    "MultiheadAttention", "ReLU", "LeakyReLU", "GELU", "SiLU", "ELU", "Tanh", "Sigmoid",
    "Softplus", "Softmax", "LogSoftmax", "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss",
    "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
]
