"""Adadelta: step sizes from running averages of squared gradients and updates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpygrad.optim import _blas
from numpygrad.optim.optimizer import Optimizer, check_lr, check_nonnegative

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    r"""Adadelta, as ``torch.optim.Adadelta``.

    .. math::
        v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad
        \Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t,\quad
        u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad
        \theta_t = \theta_{t-1} - \gamma \Delta_t

    Parameters
    ----------
    params : iterable of Array or dict
        Parameters or parameter groups.
    lr : float
        Scale of the update :math:`\gamma` (default 1.0).
    rho : float
        Decay rate of the running averages, in ``[0, 1]`` (default 0.9).
    eps : float
        Added inside the square roots (default 1e-6).
    weight_decay : float
        L2 penalty (default 0).
    maximize : bool
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import Adadelta
    >>> w = npg.array([1.0, -2.0], requires_grad=True)
    >>> w.grad = npg.array([3.0, 3.0])
    >>> Adadelta([w], lr=1.0, rho=0.75, eps=0.25).step()
    >>> w.data.round(4)
    array([ 0.0513, -2.9487], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0, *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize}
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonnegative(group["rho"], "rho value", "rho")
        if group["rho"] > 1:
            raise ValueError(f"Invalid rho value: {group['rho']}")
        check_nonnegative(group["eps"], "epsilon value", "eps")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, rho, eps = group["lr"], group["rho"], group["eps"]
        for p, data, grad, state in self._stepped(group, {"square_avg": 0, "acc_delta": 0}):
            g = self._effective_grad(data, grad.data, group["weight_decay"], group["maximize"])
            square_avg, acc_delta = state["square_avg"], state["acc_delta"]
            std, delta = self._buffer(data, 1), self._buffer(data, 2)
            # The moving averages and the step are one BLAS pass each where NumPy's
            # BLAS allows it (see _blas); the NumPy passes otherwise.
            np.square(g, out=std)
            if not _blas.axpby(1 - rho, std, rho, square_avg):
                square_avg *= rho
                std *= 1 - rho
                square_avg += std
            np.add(square_avg, eps, out=std)
            np.sqrt(std, out=std)
            np.add(acc_delta, eps, out=delta)
            np.sqrt(delta, out=delta)
            delta /= std
            delta *= g
            np.square(delta, out=std)
            if not _blas.axpby(1 - rho, std, rho, acc_delta):
                acc_delta *= rho
                std *= 1 - rho
                acc_delta += std
            if not _blas.axpy(-lr, delta, data):
                delta *= -lr
                data += delta
            p._vc[0] += 1  # an in-place change: saved copies of p in a live graph are stale
