"""Adam and AdamW (decoupled weight decay), with AMSGrad and maximize options."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from numpygrad.optim import _blas
from numpygrad.optim.optimizer import Optimizer, check_betas, check_lr, check_nonnegative

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``.

    With gradient :math:`g_t` (plus :math:`\lambda\theta` unless the decay is
    decoupled, in which case :math:`\theta \leftarrow \theta(1-\gamma\lambda)`):

    .. math::
        m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad
        v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad
        \theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,
        \frac{m_t}{\sqrt{v_t}/\sqrt{1-\beta_2^t} + \epsilon}

    With ``amsgrad`` the running maximum of :math:`v_t` replaces :math:`v_t`.
    The moment buffers are allocated at the first step and updated in place.

    Parameters
    ----------
    params : iterable of Array or dict
        Parameters or parameter groups.
    lr : float
        Learning rate :math:`\gamma` (default 1e-3).
    betas : tuple of float
        Decay rates of the moment estimates, each in ``[0, 1)`` (default (0.9, 0.999)).
    eps : float
        Added to the denominator for stability (default 1e-8).
    weight_decay : float
        L2 penalty (default 0).
    amsgrad : bool
        Use the AMSGrad variant.
    maximize : bool
        Maximize the objective instead of minimizing it.
    decoupled_weight_decay : bool
        Apply the weight decay to the parameter directly (AdamW).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import Adam
    >>> w = npg.array([1.0, -2.0], requires_grad=True)
    >>> opt = Adam([w], lr=0.5)
    >>> opt.zero_grad(); (w * w).sum().backward(); opt.step()
    >>> w.data.round(4)
    array([ 0.5, -1.5], dtype=float32)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = {"lr": lr, "betas": tuple(betas) if isinstance(betas, list) else betas,
                    "eps": eps, "weight_decay": weight_decay, "amsgrad": amsgrad,
                    "maximize": maximize, "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        check_nonnegative(group["eps"], "epsilon value", "eps")
        check_betas(group["betas"])
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")

    def _update_group(self, group: dict[str, Any]) -> None:
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        amsgrad, maximize = group["amsgrad"], group["maximize"]
        decoupled = group["decoupled_weight_decay"]
        buffers = _AMSGRAD_STATE if amsgrad else _STATE
        for p, data, grad, state in self._stepped(group, buffers):
            step = state["step"]
            g = grad.data
            if decoupled:
                if weight_decay:
                    data *= 1 - lr * weight_decay
                if maximize:
                    g = self._effective_grad(data, g, 0, maximize)
            elif weight_decay or maximize:
                g = self._effective_grad(data, g, weight_decay, maximize)
            # Bias corrections are Python floats, so float32 parameters stay float32.
            neg_step = -lr / (1 - beta1**step)
            # The step size is folded into the denominator (torch's capturable form):
            # p += m / (sqrt(v) / (bc2 * -step) + eps / -step), one pass fewer than
            # p += -step * m / (sqrt(v) / bc2 + eps).
            scale = 1.0 / (((1 - beta2**step) ** 0.5) * neg_step) if lr else 0.0
            eps_term = eps / neg_step if lr else 0.0
            coefs = (beta1, beta2, scale, eps_term, lr != 0)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            max_sq = state["max_exp_avg_sq"] if amsgrad else None
            if max_sq is None:
                for d, gb, m, v, tmp in self._blocks(data, g, exp_avg, exp_avg_sq):
                    _adam_pass(d, gb, m, v, None, tmp, coefs)
            else:
                for d, gb, m, v, vmax, tmp in self._blocks(data, g, exp_avg, exp_avg_sq,
                                                             max_sq):
                    _adam_pass(d, gb, m, v, vmax, tmp, coefs)
            if lr != 0:
                p._vc[0] += 1  # an in-place change: saved copies of p in a live graph are stale


_STATE = {"exp_avg": 0, "exp_avg_sq": 0}
_AMSGRAD_STATE = {"exp_avg": 0, "exp_avg_sq": 0, "max_exp_avg_sq": 0}


def _adam_pass(d: np.ndarray, g: np.ndarray, exp_avg: np.ndarray, exp_avg_sq: np.ndarray,
               max_sq: np.ndarray | None, tmp: np.ndarray,
               coefs: tuple[float, float, float, float, bool]) -> None:
    """One Adam update of ``d`` (a parameter or a block of one) in place; ``tmp`` is scratch.

    ``coefs`` is ``(beta1, beta2, scale, eps_term, moves)``: the parameter moves by
    ``m / (sqrt(v) * scale + eps_term)`` unless ``moves`` is False (``lr == 0``).
    """
    beta1, beta2, scale, eps_term, moves = coefs
    # Each line is one in-place pass. A moment's update is one BLAS axpby pass
    # where NumPy's BLAS allows it; otherwise three NumPy passes, a*=b; t=g*c;
    # a+=t (two-input passes into a third array are the slow ones).
    if not _blas.axpby(1 - beta1, g, beta1, exp_avg):
        exp_avg *= beta1
        np.multiply(g, 1 - beta1, out=tmp)
        exp_avg += tmp
    np.square(g, out=tmp)
    if not _blas.axpby(1 - beta2, tmp, beta2, exp_avg_sq):
        exp_avg_sq *= beta2
        tmp *= 1 - beta2
        exp_avg_sq += tmp
    if max_sq is not None:
        np.maximum(max_sq, exp_avg_sq, out=max_sq)
        exp_avg_sq = max_sq
    if not moves:
        return  # torch adds -0 * update: the parameter does not move
    np.sqrt(exp_avg_sq, out=tmp)
    tmp *= scale
    tmp += eps_term
    np.divide(exp_avg, tmp, out=tmp)
    d += tmp


class AdamW(Adam):
    r"""Adam with decoupled weight decay, as ``torch.optim.AdamW``.

    Each step first shrinks the parameter, :math:`\theta \leftarrow
    \theta(1 - \gamma\lambda)`, then applies the Adam update to the raw gradient.

    Parameters
    ----------
    params : iterable of Array or dict
        Parameters or parameter groups.
    lr : float
        Learning rate (default 1e-3).
    betas : tuple of float
        Decay rates of the moment estimates (default (0.9, 0.999)).
    eps : float
        Added to the denominator for stability (default 1e-8).
    weight_decay : float
        Decoupled weight decay :math:`\lambda` (default 1e-2).
    amsgrad : bool
        Use the AMSGrad variant.
    maximize : bool
        Maximize the objective instead of minimizing it.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import AdamW
    >>> w = npg.array([1.0, -2.0], requires_grad=True)
    >>> w.grad = npg.zeros(2)
    >>> opt = AdamW([w], lr=0.1, weight_decay=0.5)
    >>> opt.step()
    >>> w
    Array([ 0.95, -1.9 ], requires_grad=True)
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        super()._validate_hyperparameters(group)
        # AdamW is decoupled by definition, also for groups loaded from a state dict.
        group["decoupled_weight_decay"] = True
