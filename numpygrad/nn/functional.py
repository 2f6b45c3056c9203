"""Stateless forms of the layers and the losses (PyTorch's ``torch.nn.functional``).

>>> import numpygrad as npg
>>> import numpygrad.nn.functional as F
>>> F.relu(npg.array([-1.0, 2.0]))
Array([0., 2.])
"""

from numpygrad.nn.activation import (
    elu,
    gelu,
    leaky_relu,
    log_softmax,
    relu,
    sigmoid,
    silu,
    softmax,
    softplus,
    tanh,
)
from numpygrad.nn.conv import conv2d
from numpygrad.nn.dropout import dropout
from numpygrad.nn.embedding import embedding, one_hot
from numpygrad.nn.linear import linear
from numpygrad.nn.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from numpygrad.nn.norm import batch_norm, layer_norm
from numpygrad.nn.pooling import avg_pool2d, max_pool2d
from numpygrad.ops.join import pad

__all__ = [
    "linear", "relu", "leaky_relu", "elu", "gelu", "silu", "softplus", "sigmoid", "tanh",
    "softmax", "log_softmax", "conv2d", "max_pool2d", "avg_pool2d", "batch_norm",
    "layer_norm", "dropout", "embedding", "one_hot", "pad", "cross_entropy", "nll_loss",
    "mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
]
