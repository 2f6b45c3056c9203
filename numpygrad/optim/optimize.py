"""``optimize``: minimize a scalar function of some Arrays in one call (Loupe-style)."""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any

from numpygrad._array import Array
from numpygrad.autograd.grad_mode import no_grad
from numpygrad.optim.adadelta import Adadelta
from numpygrad.optim.adagrad import Adagrad
from numpygrad.optim.adam import Adam, AdamW
from numpygrad.optim.lbfgs import LBFGS
from numpygrad.optim.optimizer import Optimizer, to_float
from numpygrad.optim.rmsprop import RMSprop
from numpygrad.optim.sgd import SGD

__all__ = ["optimize", "OptimizeResult"]

METHODS: dict[str, type[Optimizer]] = {
    "adam": Adam, "adamw": AdamW, "sgd": SGD, "rmsprop": RMSprop, "adagrad": Adagrad,
    "adadelta": Adadelta, "lbfgs": LBFGS, "l-bfgs": LBFGS,
}


class OptimizeResult(dict):
    """The result of :func:`optimize`, a dict with attribute access (like SciPy's).

    Attributes
    ----------
    x : list of Array
        The optimized parameters (the very Arrays passed in, updated in place).
    fun : float
        The objective at ``x``.
    nit : int
        Iterations (optimizer steps, or L-BFGS iterations) performed.
    nfev : int
        Objective evaluations.
    success : bool
        Whether a convergence criterion was met.
    message : str
        Why the optimization stopped.

    Examples
    --------
    >>> from numpygrad.optim import OptimizeResult
    >>> r = OptimizeResult(fun=0.5, nit=3)
    >>> r.fun, r["nit"]
    (0.5, 3)
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__  # type: ignore[assignment]
    __delattr__ = dict.__delitem__  # type: ignore[assignment]

    def __repr__(self) -> str:
        width = max(map(len, self), default=0) + 1
        return "\n".join(f"{k.rjust(width)}: {v!r}" for k, v in self.items())


def _wants_params(fn: Callable) -> bool:
    # fn(*params) when fn takes positional arguments, else fn() (a closure over the params).
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return False
    for p in sig.parameters.values():
        if p.kind is p.VAR_POSITIONAL:
            return True
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty:
            return True
    return False


def optimize(fn: Callable[..., Array], params: Array | Iterable[Array],
             method: str | type[Optimizer] = "lbfgs", lr: float | None = None,
             max_iter: int = 1000, tol: float = 1e-8, callback: Callable | None = None,
             **options: Any) -> OptimizeResult:
    """Minimize the scalar ``fn`` over ``params`` (updated in place).

    Parameters
    ----------
    fn : callable
        Returns a scalar Array. If it takes positional arguments it is called
        as ``fn(*params)``; otherwise as ``fn()`` (a closure over the params,
        as with Loupe).
    params : Array or iterable of Array
        Leaf float Arrays to optimize; they are marked ``requires_grad=True``.
    method : str or Optimizer subclass
        ``"lbfgs"`` (default, with a strong-Wolfe line search, like Loupe's and
        SciPy's quasi-Newton default), ``"adam"``, ``"adamw"``, ``"sgd"``,
        ``"rmsprop"``, ``"adagrad"``, ``"adadelta"``, or an Optimizer class.
    lr : float, optional
        Learning rate; the optimizer's default when None.
    max_iter : int
        Maximum number of iterations (default 1000).
    tol : float
        Stop successfully when the loss changes by less than ``tol`` between
        iterations (default 1e-8).
    callback : callable, optional
        Called after every iteration with an :class:`OptimizeResult` snapshot
        (``x``, ``fun``, ``nit``); returning True stops the run.
    **options
        Extra keyword arguments for the optimizer (``momentum=0.9``, ...).

    Returns
    -------
    OptimizeResult
        ``x`` (the parameter Arrays), ``fun``, ``nit``, ``nfev``, ``success``, ``message``.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> from numpygrad.optim import optimize
    >>> x = npg.array(np.array([0.0, 0.0]))
    >>> res = optimize(lambda: ((x - np.array([1.0, -2.0])) ** 2).sum(), x)
    >>> res.success, np.round(res.x[0].data, 6), round(res.fun, 12)
    (True, array([ 1., -2.]), 0.0)
    >>> y = npg.array(np.array(3.0))
    >>> res = optimize(lambda v: 4 * (v - 5) ** 2, y, method="adam", lr=0.1, max_iter=5000)
    >>> round(float(y.data), 3)
    5.0
    """
    if isinstance(fn, Array):
        raise TypeError("optimize() needs a callable that recomputes the objective, e.g. "
                        "`lambda: loss_of(x)`; an Array holds one already-computed value")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    params = [params] if isinstance(params, Array) else list(params)
    if not params:
        raise ValueError("optimize() got an empty parameter list")
    for i, p in enumerate(params):
        if not isinstance(p, Array):
            raise TypeError(f"params[{i}] must be an Array, got {type(p).__name__}")
        if not p.is_leaf:
            raise ValueError(f"params[{i}] is not a leaf Array (it was produced by "
                             f"{p.grad_fn}); optimize a leaf, e.g. x.detach()")
        if p.dtype.kind != "f":
            raise TypeError(f"params[{i}] must have a floating dtype, got {p.dtype}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, int) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    if isinstance(method, str):
        if method.lower() not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of "
                             f"{sorted(METHODS)} or an Optimizer subclass")
        cls = METHODS[method.lower()]
    elif isinstance(method, type) and issubclass(method, Optimizer):
        cls = method
    else:
        raise TypeError(f"method must be a string or an Optimizer subclass, got {method!r}")
    for p in params:
        p.requires_grad_(True)
    call = (lambda: fn(*params)) if _wants_params(fn) else fn
    nfev = 0

    def closure() -> Array:
        nonlocal nfev
        opt.zero_grad()
        loss = call()
        if not isinstance(loss, Array):
            raise TypeError(f"fn must return a scalar Array, got {type(loss).__name__}")
        if loss.size != 1:
            raise ValueError(f"fn must return a scalar Array, got shape {loss.shape}")
        nfev += 1
        if loss.requires_grad:
            loss.backward()
        return loss

    kwargs = dict(options)
    if lr is not None:
        kwargs["lr"] = lr
    if cls is LBFGS:
        kwargs.setdefault("line_search_fn", "strong_wolfe")
        kwargs.setdefault("max_iter", max_iter)
        kwargs.setdefault("max_eval", max_iter * 5 // 4)
        kwargs.setdefault("tolerance_change", tol)
    opt = cls(params, **kwargs)
    nit, success, message = 0, False, "reached max_iter"
    if isinstance(opt, LBFGS):
        bad_value = None

        def on_iteration(loss: float) -> bool:
            nonlocal nit, bad_value
            nit += 1
            if not math.isfinite(loss):
                bad_value = loss
                return True
            return bool(callback and callback(OptimizeResult(x=params, fun=loss, nit=nit)))

        opt._run(closure, on_iteration)
        message = opt.state[params[0]].get("stop_reason", "")
        success = message in ("gradient below tolerance_grad", "loss change below "
                              "tolerance_change", "step below tolerance_change",
                              "directional derivative below tolerance_change")
        if bad_value is not None:
            message = f"the objective became non-finite ({bad_value}) at iteration {nit}"
    else:
        prev = None
        for nit in range(1, max_iter + 1):  # noqa: B007 - nit is reported after the loop
            value = to_float(opt.step(closure))
            if not math.isfinite(value):
                message = f"the objective became non-finite ({value}) at iteration {nit}"
                break
            if prev is not None and abs(value - prev) < tol:
                success, message = True, "loss change below tol"
                break
            prev = value
            if callback is not None and callback(OptimizeResult(x=params, fun=value, nit=nit)):
                message = "stopped by callback"
                break
    with no_grad():
        final = to_float(call())
    nfev += 1
    if not math.isfinite(final):
        success = False
        if "non-finite" not in message:
            message = f"the objective is non-finite ({final}) at the final parameters"
    return OptimizeResult(x=params, fun=final, nit=nit, nfev=nfev, success=success,
                          message=message)
