"""Autograd: the Function base class, the engine and grad mode."""

from numpygrad.autograd.engine import backward, grad
from numpygrad.autograd.function import Function
from numpygrad.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = ["Function", "backward", "grad", "no_grad", "enable_grad", "set_grad_enabled",
           "is_grad_enabled"]
