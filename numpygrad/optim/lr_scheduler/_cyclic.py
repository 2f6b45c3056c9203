"""Schedules driven by a cycle or by a metric: :class:`OneCycleLR`, :class:`ReduceLROnPlateau`."""

from __future__ import annotations

import math
import numbers
from typing import Any

from numpygrad.optim.lr_scheduler._base import (
    LRScheduler,
    _check_positive,
    _check_positive_int,
    _per_group,
)
from numpygrad.optim.optimizer import Optimizer, to_float

__all__ = ["OneCycleLR", "ReduceLROnPlateau"]


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr``, then anneal far below the start.

    The rate starts at ``max_lr / div_factor``, rises to ``max_lr`` over
    ``pct_start`` of the steps and falls to ``initial_lr / final_div_factor``.
    With ``cycle_momentum`` the momentum (or Adam's beta1) moves the opposite way
    between ``max_momentum`` and ``base_momentum``. Step it after every batch.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    max_lr : float or list of float
        Peak rate, per group or shared.
    total_steps : int, optional
        Length of the cycle; or give ``epochs`` and ``steps_per_epoch``.
    epochs, steps_per_epoch : int, optional
        ``total_steps = epochs * steps_per_epoch``.
    pct_start : float
        Fraction of the cycle spent rising (default 0.3).
    anneal_strategy : {"cos", "linear"}
        Shape of the ramps (default "cos").
    cycle_momentum : bool
        Also cycle the momentum (default True).
    base_momentum, max_momentum : float or list of float
        Momentum bounds (defaults 0.85 and 0.95).
    div_factor : float
        ``initial_lr = max_lr / div_factor`` (default 25).
    final_div_factor : float
        ``min_lr = initial_lr / final_div_factor`` (default 1e4).
    three_phase : bool
        Use a symmetric warm-up/cool-down then a final annihilation phase.
    last_epoch : int
        Index of the last step (default -1).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import OneCycleLR
    >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=4, anneal_strategy="linear")
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 6))
    >>> lrs
    [0.04, 0.714287, 0.357145, 4e-06]
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if total_steps is not None:
            _check_positive_int(total_steps, "total_steps")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            _check_positive_int(epochs, "epochs")
            _check_positive_int(steps_per_epoch, "steps_per_epoch")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if isinstance(pct_start, bool) or not isinstance(pct_start, numbers.Real) \
                or not 0 <= pct_start <= 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        _check_positive(div_factor, "div_factor")
        _check_positive(final_div_factor, "final_div_factor")
        n = self.total_steps
        if three_phase:
            self._schedule_phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum",
                 "base_momentum"),
                (float(2 * pct_start * n) - 2, "max_lr", "initial_lr", "base_momentum",
                 "max_momentum"),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum")]
        else:
            self._schedule_phases = [
                (float(pct_start * n) - 1, "initial_lr", "max_lr", "max_momentum",
                 "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum")]
        self._anneal_func_type = anneal_strategy
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        for lr in max_lrs:
            _check_positive(lr, "max_lr")
        if last_epoch == -1:
            for lr, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
                raise ValueError("optimizer must support momentum or beta1 with "
                                 "`cycle_momentum` option enabled")
            self.use_beta1 = "betas" in optimizer.defaults
            max_moms = _per_group("max_momentum", optimizer, max_momentum)
            base_moms = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                for m_max, m_base, group in zip(max_moms, base_moms, optimizer.param_groups):
                    if self.use_beta1:
                        group["betas"] = (m_max, *group["betas"][1:])
                    else:
                        group["momentum"] = m_max
                    group["max_momentum"] = m_max
                    group["base_momentum"] = m_base
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        """Interpolate within the current phase; also sets the momentum when cycling.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import OneCycleLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=10)
        >>> [round(lr, 6) for lr in sched.get_lr()], opt.param_groups[0]["momentum"]
        ([0.04], 0.95)
        """
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total "
                             f"steps is {self.total_steps}")
        lrs = []
        last = len(self._schedule_phases) - 1
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, (end_step, lr0, lr1, m0, m1) in enumerate(self._schedule_phases):
                if step_num <= end_step or i == last:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[lr0], group[lr1], pct))
                    if self.cycle_momentum:
                        momentum = self._anneal(group[m0], group[m1], pct)
                        if self.use_beta1:
                            group["betas"] = (momentum, *group["betas"][1:])
                        else:
                            group["momentum"] = momentum
                    break
                start_step = end_step
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Multiply the rate by ``factor`` when a metric stops improving for ``patience`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    mode : {"min", "max"}
        Whether the metric should decrease or increase (default "min").
    factor : float
        Decay factor, in ``(0, 1)`` (default 0.1).
    patience : int
        Bad epochs tolerated before decaying (default 10).
    threshold : float
        Minimum change that counts as an improvement (default 1e-4).
    threshold_mode : {"rel", "abs"}
        Relative or absolute threshold (default "rel").
    cooldown : int
        Epochs to wait after a decay before counting bad epochs again.
    min_lr : float or list of float
        Lower bound on the rates (default 0).
    eps : float
        Decays smaller than this are skipped (default 1e-8).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import ReduceLROnPlateau
    >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [1.0, 1.0, 1.0, 0.5]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0,
                 eps: float = 1e-8) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) \
                or not 0 < factor < 1.0:
            raise ValueError(f"Factor should be < 1.0 and > 0, but got {factor}")
        for name, value in (("patience", patience), ("cooldown", cooldown)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"mode {mode} is unknown! Expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"threshold mode {threshold_mode} is unknown! "
                             "Expected 'rel' or 'abs'")
        self.optimizer = optimizer
        self.factor = factor
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != len(optimizer.param_groups):
                raise ValueError(f"expected {len(optimizer.param_groups)} min_lrs, "
                                 f"got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * len(optimizer.param_groups)
        self.patience, self.cooldown, self.eps = patience, cooldown, eps
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.last_epoch = 0
        self._last_lr = self._current_lrs()
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record ``metrics`` (a number or scalar Array) and decay the rates on a plateau.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import ReduceLROnPlateau
        >>> sched = ReduceLROnPlateau(SGD([npg.zeros(1, requires_grad=True)], lr=1.0),
        ...                           patience=0)
        >>> sched.step(1.0); sched.step(2.0); sched.get_last_lr()
        [0.1]
        """
        current = to_float(metrics)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(f"The number of param groups in the optimizer ({len(groups)}) "
                                   "differs from when ReduceLROnPlateau was initialized "
                                   f"({len(self.min_lrs)}); update `min_lrs` to match")
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is waiting out its cooldown.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import ReduceLROnPlateau
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = ReduceLROnPlateau(opt, patience=0, cooldown=2)
        >>> sched.step(1.0); sched.step(2.0); sched.in_cooldown
        True
        """
        return self.cooldown_counter > 0
