"""The scheduler base class, :class:`LambdaLR` and shared argument checks."""

from __future__ import annotations

import copy
import numbers
import types
from collections.abc import Callable
from typing import Any

from numpygrad.optim.optimizer import Optimizer

__all__ = ["LRScheduler", "LambdaLR"]


def _check_positive_int(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"Expected positive integer {name}, but got {value!r}")


def _check_positive(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
        raise ValueError(f"Expected positive {name}, but got {value!r}")


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has {n}.")
        return list(value)
    return [value] * n


class LRScheduler:
    """Base class of the schedulers: subclasses implement :meth:`get_lr`.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose ``group["lr"]`` values are scheduled.
    last_epoch : int
        Index of the last epoch; -1 (default) starts a new schedule and
        records each group's ``initial_lr``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import StepLR
    >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     opt.step()
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an integer >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming a scheduler with last_epoch >= 0")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        # The initial step sets epoch 0's rate; chainable forms must not advance on resume.
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def get_lr(self) -> list[float]:
        """Compute the rates for ``last_epoch`` (called by :meth:`step`; override).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import ExponentialLR
        >>> sched = ExponentialLR(SGD([npg.zeros(1, requires_grad=True)], lr=1.0), gamma=0.5)
        >>> sched.get_last_lr()
        [1.0]
        """
        raise NotImplementedError

    def get_last_lr(self) -> list[float]:
        """Return the rates set by the most recent :meth:`step`, one per group.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import ExponentialLR
        >>> sched = ExponentialLR(SGD([npg.zeros(1, requires_grad=True)], lr=1.0), gamma=0.5)
        >>> sched.step(); sched.get_last_lr()
        [0.5]
        """
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or jump to ``epoch`` with the closed form) and set the rates.

        Call it after ``optimizer.step()``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import ExponentialLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
        >>> sched = ExponentialLR(opt, gamma=0.5)
        >>> sched.step(); sched.step(); opt.param_groups[0]["lr"]
        0.25
        >>> sched.step(epoch=1); opt.param_groups[0]["lr"]
        0.5
        """
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = self._current_lrs()

    def state_dict(self) -> dict[str, Any]:
        """Return a copy of the scheduler's state (everything but the optimizer).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import StepLR
        >>> sched = StepLR(SGD([npg.zeros(1, requires_grad=True)], lr=1.0), step_size=3)
        >>> sched.state_dict()["last_epoch"], sched.state_dict()["step_size"]
        (0, 3)
        """
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                if k not in ("optimizer", "_is_initial")}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state produced by :meth:`state_dict` (copied).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import StepLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
        >>> a, b = StepLR(opt, step_size=3), StepLR(opt, step_size=7)
        >>> b.load_state_dict(a.state_dict()); b.step_size
        3
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        self.__dict__.update(copy.deepcopy(state_dict))


class LambdaLR(LRScheduler):
    """Set each group's rate to ``initial_lr * lr_lambda(epoch)``.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    lr_lambda : callable or list of callables
        Factor as a function of the epoch, one per group or shared.
    last_epoch : int
        Index of the last epoch (default -1).

    Notes
    -----
    Like torch, :meth:`state_dict` does not save plain functions or lambdas
    (their entries are None); callable objects save their ``__dict__``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import LambdaLR
    >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=0.5)
    >>> sched = LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
    >>> sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable[[int], float]
                 | list[Callable[[int], float]], last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != len(optimizer.param_groups):
                raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, "
                                 f"but got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            self.lr_lambdas = [lr_lambda] * len(optimizer.param_groups)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda must be callable, got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return ``base_lr * lr_lambda(last_epoch)`` for each group.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import LambdaLR
        >>> sched = LambdaLR(SGD([npg.zeros(1, requires_grad=True)], lr=2.0), lambda e: 0.5)
        >>> sched.get_lr()
        [1.0]
        """
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """Return the state; functions are saved as None, callable objects as their ``__dict__``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import LambdaLR
        >>> sched = LambdaLR(SGD([npg.zeros(1, requires_grad=True)], lr=2.0), lambda e: 0.5)
        >>> sched.state_dict()["lr_lambdas"]
        [None]
        """
        state = {k: copy.deepcopy(v) for k, v in self.__dict__.items()
                 if k not in ("optimizer", "lr_lambdas", "_is_initial")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType)
                               else copy.deepcopy(fn.__dict__) for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state; the lambdas stay, callable objects get their saved ``__dict__``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import LambdaLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=2.0)
        >>> a, b = LambdaLR(opt, lambda e: 0.5), LambdaLR(opt, lambda e: 0.5)
        >>> a.step(); b.load_state_dict(a.state_dict()); b.last_epoch
        1
        """
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", [None] * len(self.lr_lambdas))
        super().load_state_dict(state)
        for fn, attrs in zip(self.lr_lambdas, saved):
            if attrs is not None:
                fn.__dict__.update(copy.deepcopy(attrs))
