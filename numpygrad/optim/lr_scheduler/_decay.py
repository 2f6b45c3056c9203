"""Decay schedules: step, multi-step, exponential, cosine annealing and linear ramps."""

from __future__ import annotations

import math
import numbers
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable

from numpygrad.optim.lr_scheduler._base import LRScheduler, _check_positive, _check_positive_int
from numpygrad.optim.optimizer import Optimizer

__all__ = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR"]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    step_size : int
        Period of the decay (positive).
    gamma : float
        Decay factor (default 0.1).
    last_epoch : int
        Index of the last epoch (default -1).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import StepLR
    >>> sched = StepLR(SGD([npg.zeros(1, requires_grad=True)], lr=1.0), step_size=1, gamma=0.5)
    >>> sched.step(); sched.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        _check_positive_int(step_size, "step_size")
        _check_positive(gamma, "gamma")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Chainable form: decay the current rates at multiples of ``step_size``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import StepLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = StepLR(opt, step_size=1, gamma=0.5)
        >>> sched.last_epoch += 1; sched.get_lr()
        [0.5]
        """
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    milestones : iterable of int
        Epochs at which to decay (a repeated milestone decays repeatedly).
    gamma : float
        Decay factor (default 0.1).
    last_epoch : int
        Index of the last epoch (default -1).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import MultiStepLR
    >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = MultiStepLR(opt, milestones=[2], gamma=0.5)
    >>> for _ in range(3):
    ...     sched.step()
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        milestones = list(milestones)
        for m in milestones:
            if isinstance(m, bool) or not isinstance(m, numbers.Integral) or m < 0:
                raise ValueError(f"milestones must be non-negative integers, got {m!r}")
        _check_positive(gamma, "gamma")
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Chainable form: decay the current rates when the epoch is a milestone.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import MultiStepLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = MultiStepLR(opt, milestones=[1, 1])
        >>> sched.last_epoch += 1; sched.get_lr()
        [0.010000000000000002]
        """
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [lr * factor for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    gamma : float
        Decay factor (positive).
    last_epoch : int
        Index of the last epoch (default -1).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import ExponentialLR
    >>> sched = ExponentialLR(SGD([npg.zeros(1, requires_grad=True)], lr=1.0), gamma=0.5)
    >>> sched.step(); sched.step(); sched.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        _check_positive(gamma, "gamma")
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Chainable form: the current rates times ``gamma``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import ExponentialLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = ExponentialLR(opt, gamma=0.5)
        >>> sched.get_lr()
        [0.5]
        """
        if self._is_initial:
            return self._current_lrs()
        return [lr * self.gamma for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma**self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Anneal the rate from ``initial_lr`` to ``eta_min`` along a cosine over ``T_max`` epochs.

    .. math::
        \eta_t = \eta_{min} + \tfrac12(\eta_{base} - \eta_{min})
        \left(1 + \cos\tfrac{t\pi}{T_{max}}\right)

    computed recursively like torch (so the rate rises again after ``T_max``).

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    T_max : int
        Half period, in epochs (positive).
    eta_min : float
        Minimum rate (default 0).
    last_epoch : int
        Index of the last epoch (default -1).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import CosineAnnealingLR
    >>> sched = CosineAnnealingLR(SGD([npg.zeros(1, requires_grad=True)], lr=1.0), T_max=2)
    >>> sched.step(); [round(v, 6) for v in sched.get_last_lr()]
    [0.5]
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        _check_positive_int(T_max, "T_max")
        if isinstance(eta_min, bool) or not isinstance(eta_min, numbers.Real) or eta_min < 0:
            raise ValueError(f"Expected non-negative eta_min, but got {eta_min!r}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Chainable form of the cosine schedule (torch's recursion).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import CosineAnnealingLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = CosineAnnealingLR(opt, T_max=2)
        >>> sched.last_epoch += 2; sched.get_lr()
        [0.0]
        """
        e, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and e > 0:
            return [eta_min + (base - eta_min) * (1 + math.cos(e * math.pi / t_max)) / 2
                    for base in self.base_lrs]
        if (e - 1 - t_max) % (2 * t_max) == 0:
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                    for base, lr in zip(self.base_lrs, self._current_lrs())]
        return [(1 + math.cos(math.pi * e / t_max)) / (1 + math.cos(math.pi * (e - 1) / t_max))
                * (lr - eta_min) + eta_min for lr in self._current_lrs()]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate by a factor moving linearly from ``start_factor`` to ``end_factor``.

    Parameters
    ----------
    optimizer : Optimizer
        Wrapped optimizer.
    start_factor : float
        Factor at epoch 0, in ``(0, 1]`` (default 1/3).
    end_factor : float
        Factor from epoch ``total_iters`` on, in ``[0, 1]`` (default 1).
    total_iters : int
        Epochs of the ramp (positive, default 5).
    last_epoch : int
        Index of the last epoch (default -1).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> from numpygrad.optim.lr_scheduler import LinearLR
    >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0)
    >>> sched = LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> lrs = [sched.get_last_lr()[0]]
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.75, 1.0, 1.0]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1.0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 "
                             f"and less or equal to 1, but got {start_factor}")
        if not 0 <= end_factor <= 1.0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1, "
                             f"but got {end_factor}")
        _check_positive_int(total_iters, "total_iters")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Chainable form of the linear ramp (torch's recursion).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> from numpygrad.optim.lr_scheduler import LinearLR
        >>> opt = SGD([npg.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
        >>> sched = LinearLR(opt, start_factor=0.5, total_iters=1)
        >>> sched.last_epoch += 1; sched.get_lr()
        [1.0]
        """
        lrs = self._current_lrs()
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        delta = self.end_factor - self.start_factor
        factor = 1.0 + delta / (self.total_iters * self.start_factor
                                + (self.last_epoch - 1) * delta)
        return [lr * factor for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.start_factor + (self.end_factor - self.start_factor)
                        * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]
