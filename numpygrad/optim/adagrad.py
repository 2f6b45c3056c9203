"""Adagrad: per-coordinate learning rates from the sum of squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpygrad.optim import _blas
from numpygrad.optim.optimizer import _BLOCK, Optimizer, check_lr, check_nonnegative

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``.

    .. math::
        \tilde\gamma_t = \frac{\gamma}{1 + (t-1)\eta},\quad
        s_t = s_{t-1} + g_t^2,\quad
        \theta_t = \theta_{t-1} - \tilde\gamma_t \frac{g_t}{\sqrt{s_t} + \epsilon}

    The accumulator :math:`s` starts at ``initial_accumulator_value``. Unlike
    torch, the state is created at the first step that sees a gradient rather
    than in the constructor (the trajectory is the same).

    Parameters
    ----------
    params : iterable of Array or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-2).
    lr_decay : float
        Learning-rate decay :math:`\eta` (default 0).
    weight_decay : float
        L2 penalty (default 0).
    initial_accumulator_value : float
        Starting value of the sum of squares (default 0).
    eps : float
        Added to the denominator (default 1e-10).
    maximize : bool
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import Adagrad
    >>> w = npg.array([1.0, -2.0], requires_grad=True)
    >>> w.grad = npg.array([0.5, -4.0])
    >>> Adagrad([w], lr=0.5).step()
    >>> w
    Array([ 0.5, -1.5], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonnegative(group["lr_decay"], "lr_decay value", "lr_decay")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
        check_nonnegative(group["initial_accumulator_value"],
                          "initial_accumulator_value value", "initial_accumulator_value")
        check_nonnegative(group["eps"], "epsilon value", "eps")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        buffers = {"sum": group["initial_accumulator_value"]}
        for p, data, grad, state in self._stepped(group, buffers):
            g = self._effective_grad(data, grad.data, group["weight_decay"], group["maximize"])
            clr = lr / (1 + (state["step"] - 1) * lr_decay)
            # In cache-sized blocks for a large parameter, as Adam's passes. With its
            # few passes blocking pays off later than Adam's: 512x784 took 551 against
            # 657 us, 256x784 308 against 295 (one thread).
            for d, gb, state_sum, tmp in self._blocks(data, g, state["sum"],
                                                      whole_up_to=4 * _BLOCK):
                _adagrad_pass(d, gb, state_sum, tmp, eps, -clr)
            p._vc[0] += 1  # an in-place change: saved copies of p in a live graph are stale


def _adagrad_pass(d: np.ndarray, g: np.ndarray, state_sum: np.ndarray, tmp: np.ndarray,
                  eps: float, alpha: float) -> None:
    """``sum += g**2; d += alpha * g / (sqrt(sum) + eps)`` in place; ``tmp`` is scratch."""
    np.square(g, out=tmp)
    state_sum += tmp
    np.sqrt(state_sum, out=tmp)
    tmp += eps
    np.divide(g, tmp, out=tmp)
    if not _blas.axpy(alpha, tmp, d):  # one pass where NumPy's BLAS allows it
        tmp *= alpha
        d += tmp
