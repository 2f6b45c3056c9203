"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpygrad.optim import _blas
from numpygrad.optim.optimizer import Optimizer, check_lr, check_nonnegative

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum), as ``torch.optim.SGD``.

    With :math:`g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}` (negated
    first when ``maximize``), momentum :math:`\mu` and dampening :math:`\tau`:

    .. math::
        b_1 = g_1,\quad b_t = \mu b_{t-1} + (1-\tau) g_t,\qquad
        \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t \text{ if nesterov else } b_t)

    Parameters
    ----------
    params : iterable of Array or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-3).
    momentum : float
        Momentum factor :math:`\mu` (default 0).
    dampening : float
        Dampening :math:`\tau` for momentum (default 0).
    weight_decay : float
        L2 penalty :math:`\lambda` added to the gradient (default 0).
    nesterov : bool
        Use Nesterov momentum (needs momentum > 0 and zero dampening).
    maximize : bool
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> w = npg.array([1.0, -2.0], requires_grad=True)
    >>> opt = SGD([w], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad()
    ...     (w * w).sum().backward()
    ...     opt.step()
    >>> w
    Array([ 0.46, -0.92], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonnegative(group["momentum"], "momentum value", "momentum")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
        check_nonnegative(group["dampening"], "dampening value", "dampening")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        maximize = group["maximize"]
        for p in group["params"]:
            grad = p._grad  # past the property: this loop runs every step
            if grad is None:
                continue
            data = p.data
            g = grad.data
            if weight_decay or maximize:
                g = self._effective_grad(data, g, weight_decay, maximize)
            scratch = g is not grad.data  # True when g is a scratch buffer we may overwrite
            if momentum != 0:
                state = self.state.get(p)
                buf = state.get("momentum_buffer") if state else None
                if buf is None:
                    # The first buffer is a copy of the gradient (torch: grad.clone()).
                    buf = np.array(g, copy=True)
                    self.state[p]["momentum_buffer"] = buf
                elif not _blas.axpby(1 - dampening, g, momentum, buf):
                    buf *= momentum
                    if dampening:
                        tmp = self._buffer(data, 1)
                        np.multiply(g, 1 - dampening, out=tmp)
                        buf += tmp
                    else:
                        buf += g
                if nesterov:
                    tmp = self._buffer(data, 1)
                    np.multiply(buf, momentum, out=tmp)
                    np.add(g, tmp, out=tmp)
                    g, scratch = tmp, True
                else:
                    g, scratch = buf, False
            if scratch:
                np.multiply(g, -lr, out=g)
                np.add(data, g, out=data)
            else:
                self._add_scaled(data, g, -lr)
            p._vc[0] += 1  # an in-place change: saved copies of p in a live graph are stale
