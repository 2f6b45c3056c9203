"""L-BFGS with an optional strong-Wolfe line search (a port of ``torch.optim.LBFGS``)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.grad_mode import enable_grad
from numpygrad.optim.optimizer import Optimizer, check_lr, check_nonnegative, to_float

__all__ = ["LBFGS"]


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> float:
    # Minimizer of the cubic through (x1, f1, g1) and (x2, f2, g2), clipped to bounds.
    # NumPy float64 scalars give torch's IEEE results (inf/nan) where Python floats
    # would raise ZeroDivisionError, e.g. on unbounded objectives.
    if bounds is not None:
        xmin_bound, xmax_bound = bounds
    else:
        xmin_bound, xmax_bound = (x1, x2) if x1 <= x2 else (x2, x1)
    x1, f1, g1, x2, f2, g2 = map(np.float64, (x1, f1, g1, x2, f2, g2))
    with np.errstate(all="ignore"):
        d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
        d2_square = d1**2 - g1 * g2
        if d2_square >= 0:
            d2 = np.sqrt(d2_square)
            if x1 <= x2:
                min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
            else:
                min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
            return float(min(max(min_pos, xmin_bound), xmax_bound))
    return (xmin_bound + xmax_bound) / 2.0


def _strong_wolfe(obj_func: Callable, x: list[np.ndarray], t: float, d: np.ndarray, f: float,
                  g: np.ndarray, gtd: float, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25):
    # Line search for a step t meeting the strong Wolfe conditions (More & Thuente style
    # bracketing then zoom), step for step as torch's _strong_wolfe.
    d_norm = float(np.max(np.abs(d)))
    g = g.copy()
    f_new, g_new = obj_func(x, t, d)
    ls_func_evals = 1
    gtd_new = float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new.copy()], [gtd_prev, gtd_new]
            break
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                               bounds=(min_step, max_step))
        t_prev, f_prev, g_prev, gtd_prev = tmp, f_new, g_new.copy(), gtd_new
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    # Zoom: shrink the bracket until the conditions hold.
    insuf_progress = False
    # (A one-point bracket with a NaN value must still pick index 0.)
    low_pos, high_pos = (0, 1) if len(bracket) == 1 or bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0],
                               bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                if abs(t - max(bracket)) < abs(t - min(bracket)):
                    t = max(bracket) - eps
                else:
                    t = min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(x, t, d)
        ls_func_evals += 1
        gtd_new = float(g_new @ d)
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new.copy(), gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new.copy(), gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS, as ``torch.optim.LBFGS`` (one parameter group; ``step`` needs a closure).

    Each :meth:`step` runs up to ``max_iter`` quasi-Newton iterations. The
    curvature history is kept between steps in ``state`` (as flat vectors).

    Parameters
    ----------
    params : iterable of Array
        Parameters to optimize; all must share one floating dtype.
    lr : float
        Step length (default 1).
    max_iter : int
        Iterations per :meth:`step` (default 20).
    max_eval : int, optional
        Function evaluations per :meth:`step` (default ``max_iter * 5 // 4``).
    tolerance_grad : float
        Stop when the largest gradient entry is at most this (default 1e-7).
    tolerance_change : float
        Stop when the loss or the step changes less than this (default 1e-9).
    history_size : int
        Number of curvature pairs kept (default 100).
    line_search_fn : {None, "strong_wolfe"}
        Line search; None takes fixed steps of length ``lr``.

    Examples
    --------
    >>> import numpy as np
    >>> import numpygrad as npg
    >>> from numpygrad.optim import LBFGS
    >>> x = npg.array(np.array([3.0, -1.0]), requires_grad=True)
    >>> opt = LBFGS([x], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((x - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> np.round(x.data, 6)
    array([1., 1.])
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None and isinstance(max_iter, int):
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params: list[Array] = self.param_groups[0]["params"]
        dtypes = sorted({str(p.dtype) for p in self._params})
        if len(dtypes) > 1:
            raise TypeError(f"LBFGS needs all parameters to share one dtype, got {dtypes}")
        self._numel = sum(p.size for p in self._params)

    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        check_lr(group["lr"])
        for name in ("max_iter", "max_eval", "history_size"):
            value = group[name]
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Invalid {name} value: {value} (expected a positive integer)")
        check_nonnegative(group["tolerance_grad"], "tolerance_grad value", "tolerance_grad")
        check_nonnegative(group["tolerance_change"], "tolerance_change value",
                          "tolerance_change")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError("only 'strong_wolfe' is supported as line_search_fn, got "
                             f"{group['line_search_fn']!r}")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add the single parameter group (LBFGS supports exactly one).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import LBFGS
        >>> opt = LBFGS([npg.zeros(2, requires_grad=True)])
        >>> opt.add_param_group({"params": [npg.zeros(1, requires_grad=True)]})
        Traceback (most recent call last):
        ...
        ValueError: LBFGS doesn't support per-parameter options (parameter groups)
        """
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def _check_loaded_state(self, param: Array, index: int, state: dict[str, Any]) -> None:
        # The state holds flat vectors over all parameters, not parameter-shaped arrays.
        for key in ("d", "prev_flat_grad", "old_dirs", "old_stps"):
            value = state.get(key)
            for v in value if isinstance(value, list) else [value]:
                if isinstance(v, np.ndarray) and v.shape != (self._numel,):
                    raise ValueError(f"loaded LBFGS state '{key}' has shape {v.shape}, but the "
                                     f"parameters have {self._numel} elements in total")

    def _gather_flat_grad(self) -> np.ndarray:
        return np.concatenate([np.zeros(p.size, p.dtype) if p.grad is None
                               else p.grad.data.reshape(-1) for p in self._params])

    def _add_grad(self, step_size: float, update: np.ndarray) -> None:
        offset = 0
        for p in self._params:
            n = p.size
            data = p.data
            data += step_size * update[offset:offset + n].reshape(data.shape)
            p._vc[0] += 1
            offset += n

    def _directional_evaluate(self, closure: Callable, x: list[np.ndarray], t: float,
                              d: np.ndarray) -> tuple[float, np.ndarray]:
        self._add_grad(t, d)
        loss = to_float(closure())
        flat_grad = self._gather_flat_grad()
        for p, saved in zip(self._params, x):
            np.copyto(p.data, saved)
            p._vc[0] += 1
        return loss, flat_grad

    def step(self, closure: Callable[[], Any]) -> Any:  # type: ignore[override]
        """Run up to ``max_iter`` L-BFGS iterations; return the first loss.

        Parameters
        ----------
        closure : callable
            Zeroes the gradients, computes the loss, calls ``backward`` and
            returns the loss. Required.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad.optim import LBFGS
        >>> x = npg.array(np.array([2.0]), requires_grad=True)
        >>> opt = LBFGS([x], lr=0.5)
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (x * x).sum()
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
        Array(4., dtype=float64, grad_fn=<Sum>)
        """
        return self._run(closure)

    def _run(self, closure: Callable[[], Any], callback: Callable | None = None) -> Any:
        # ``callback(loss)`` runs after every iteration; a true return value stops early.
        if closure is None:
            raise ValueError("LBFGS.step() requires a closure that re-evaluates the loss")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]

        def evaluate() -> Any:
            with enable_grad():
                return closure()

        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        orig_loss = evaluate()
        loss = to_float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._gather_flat_grad()
        state["stop_reason"] = "gradient below tolerance_grad"
        if float(np.max(np.abs(flat_grad), initial=0.0)) <= tolerance_grad:
            return orig_loss
        if not math.isfinite(loss):
            # Not in torch (which fails obscurely): no direction can be computed from here.
            state["stop_reason"] = f"non-finite loss ({loss})"
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad = state.get("H_diag"), state.get("prev_flat_grad")
        prev_loss = state.get("prev_loss")
        n_iter = 0
        reason = "reached max_iter"
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                h_diag = 1.0
            else:
                # Update the curvature history, then the two-loop recursion for d = -H g.
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                num_old = len(old_dirs)
                al = [0.0] * num_old
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = float(old_stps[i] @ q) * ro[i]
                    q -= al[i] * old_dirs[i]
                d = r = q * h_diag
                for i in range(num_old):
                    be_i = float(old_dirs[i] @ r) * ro[i]
                    r += (al[i] - be_i) * old_stps[i]
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / float(np.sum(np.abs(flat_grad)))) * lr
            else:
                t = lr
            gtd = float(flat_grad @ d)
            if gtd > -tolerance_change:
                reason = "directional derivative below tolerance_change"
                break
            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = [p.data.copy() for p in self._params]

                def obj_func(x: list[np.ndarray], t: float, d: np.ndarray) -> Any:
                    return self._directional_evaluate(evaluate, x, t, d)

                loss, flat_grad, t, ls_func_evals = _strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = float(np.max(np.abs(flat_grad))) <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss = to_float(evaluate())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = float(np.max(np.abs(flat_grad))) <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals
            if not math.isfinite(loss):
                reason = f"non-finite loss ({loss})"
                break
            if callback is not None and callback(loss):
                reason = "stopped by callback"
                break
            if n_iter == max_iter:
                break
            if current_evals >= max_eval:
                reason = "reached max_eval"
                break
            if opt_cond:
                reason = "gradient below tolerance_grad"
                break
            if float(np.max(np.abs(d * t))) <= tolerance_change:
                reason = "step below tolerance_change"
                break
            if abs(loss - prev_loss) < tolerance_change:
                reason = "loss change below tolerance_change"
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss, stop_reason=reason)
        return orig_loss
