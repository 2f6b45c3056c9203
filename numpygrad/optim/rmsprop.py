"""RMSprop, optionally centered and with momentum."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpygrad.optim import _blas
from numpygrad.optim.optimizer import Optimizer, check_lr, check_nonnegative

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``.

    .. math::
        v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\qquad
        \bar g_t = \alpha \bar g_{t-1} + (1-\alpha) g_t \ \text{(centered)},

        d_t = \sqrt{v_t - \bar g_t^2} + \epsilon \ \text{(centered) or }
        \sqrt{v_t} + \epsilon,\qquad
        b_t = \mu b_{t-1} + g_t / d_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\, b_t

    (without momentum, :math:`\theta_t = \theta_{t-1} - \gamma g_t / d_t`).

    Parameters
    ----------
    params : iterable of Array or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-2).
    alpha : float
        Smoothing constant (default 0.99).
    eps : float
        Added to the denominator (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    momentum : float
        Momentum factor :math:`\mu` (default 0).
    centered : bool
        Normalize by an estimate of the gradient's variance.
    maximize : bool
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import RMSprop
    >>> w = npg.array([1.0, -2.0], requires_grad=True)
    >>> w.grad = npg.array([0.5, 0.5])
    >>> RMSprop([w], lr=0.01, alpha=0.75, eps=0.0).step()
    >>> w
    Array([ 0.98, -2.02], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                    "momentum": momentum, "centered": centered, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonnegative(group["eps"], "epsilon value", "eps")
        check_nonnegative(group["momentum"], "momentum value", "momentum")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
        check_nonnegative(group["alpha"], "alpha value", "alpha")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, centered = group["momentum"], group["centered"]
        buffers = {"square_avg": 0, **({"momentum_buffer": 0} if momentum > 0 else {}),
                   **({"grad_avg": 0} if centered else {})}
        for p, data, grad, state in self._stepped(group, buffers):
            g = self._effective_grad(data, grad.data, group["weight_decay"], group["maximize"])
            square_avg = state["square_avg"]
            avg = self._buffer(data, 1)
            # Where NumPy's BLAS allows it, each moving average is one axpby pass and
            # the step one axpy pass (numpygrad.optim._blas); else NumPy's passes.
            np.square(g, out=avg)
            if not _blas.axpby(1 - alpha, avg, alpha, square_avg):
                square_avg *= alpha
                avg *= 1 - alpha
                square_avg += avg
            if centered:
                grad_avg = state["grad_avg"]
                # grad_avg.lerp_(g, 1 - alpha), in torch's two-branch form.
                weight = 1 - alpha
                np.subtract(g, grad_avg, out=avg)
                if weight < 0.5:
                    avg *= weight
                    grad_avg += avg
                else:
                    avg *= 1 - weight
                    np.subtract(g, avg, out=grad_avg)
                np.square(grad_avg, out=avg)
                np.subtract(square_avg, avg, out=avg)
                np.sqrt(avg, out=avg)
            else:
                np.sqrt(square_avg, out=avg)
            avg += eps
            np.divide(g, avg, out=avg)
            if momentum > 0:
                buf = state["momentum_buffer"]
                if not _blas.axpby(1.0, avg, momentum, buf):
                    buf *= momentum
                    buf += avg
                step = buf
            else:
                step = avg
            if not _blas.axpy(-lr, step, data):
                np.multiply(step, -lr, out=avg)
                data += avg
            p._vc[0] += 1  # an in-place change: saved copies of p in a live graph are stale
