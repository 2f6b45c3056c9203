"""Module forms of the losses in :mod:`numpygrad.nn.loss` (PyTorch's ``nn.*Loss``)."""

from __future__ import annotations

from typing import Any

from numpygrad._array import Array
from numpygrad.nn.loss import (
    _check_reduction,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
)
from numpygrad.nn.module import Module

__all__ = ["CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "SmoothL1Loss", "HuberLoss",
           "BCELoss", "BCEWithLogitsLoss"]


class _Loss(Module):
    """Base of the loss modules: stores ``reduction`` and calls the function."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        _check_reduction(reduction)
        self.reduction = reduction

    def extra_repr(self) -> str:
        """Return the loss's settings as shown by ``repr``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.MSELoss(reduction="sum")
        MSELoss(reduction='sum')
        """
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> loss = nn.CrossEntropyLoss()(npg.zeros((2, 4)), npg.array([0, 3]))
    >>> round(loss.item(), 4)
    1.3863
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Array, target: Any) -> Array:
        """Compute :func:`cross_entropy` of logits ``input`` against ``target``.

        Parameters
        ----------
        input : Array
            Unnormalised scores, ``(N, C)`` or ``(N, C, d1, ...)``.
        target : Array
            Class indices ``(N, ...)``, or class probabilities shaped like ``input``.

        Returns
        -------
        Array
            A scalar, or the per-sample losses with ``reduction='none'``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> logits = npg.array([[2.0, 0.0], [0.0, 2.0]])
        >>> loss = nn.CrossEntropyLoss(reduction="none")(logits, npg.array([0, 0]))
        >>> loss.round(4)
        Array([0.1269, 2.1269])
        """
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(_Loss):
    """Module form of :func:`nll_loss`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.NLLLoss()(npg.array([[-0.5, -1.0]]), npg.array([1])).item()
    1.0
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight
        self.ignore_index = ignore_index

    def forward(self, input: Array, target: Any) -> Array:
        """Compute :func:`nll_loss` of log-probabilities ``input`` against class ``target``.

        Parameters
        ----------
        input : Array
            Log-probabilities, ``(N, C)`` or ``(N, C, d1, ...)``.
        target : Array
            Class indices ``(N, ...)``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> logp = npg.array([[-0.5, -1.0], [-2.0, -0.25]])
        >>> nn.NLLLoss(reduction="sum")(logp, npg.array([0, 1])).item()
        0.75
        """
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.MSELoss()(npg.array([0.0, 2.0]), npg.array([0.0, 0.0])).item()
    2.0
    """

    def forward(self, input: Array, target: Any) -> Array:
        """Compute the squared error :func:`mse_loss` of ``input`` against ``target``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.MSELoss(reduction="none")(npg.array([1.0, 3.0]), npg.array([0.0, 0.0]))
        Array([1., 9.])
        """
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """Module form of :func:`l1_loss`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.L1Loss()(npg.array([0.0, 2.0]), npg.array([0.0, 0.0])).item()
    1.0
    """

    def forward(self, input: Array, target: Any) -> Array:
        """Compute the absolute error :func:`l1_loss` of ``input`` against ``target``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.L1Loss(reduction="sum")(npg.array([1.0, -3.0]), npg.array([0.0, 0.0])).item()
        4.0
        """
        return l1_loss(input, target, self.reduction)


class SmoothL1Loss(_Loss):
    """Module form of :func:`smooth_l1_loss`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.SmoothL1Loss()(npg.array([3.0]), npg.array([0.0])).item()
    2.5
    """

    def __init__(self, reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(reduction)
        self.beta = beta

    def forward(self, input: Array, target: Any) -> Array:
        """Compute :func:`smooth_l1_loss` (quadratic below ``beta``, linear above).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.SmoothL1Loss(reduction="none")(npg.array([0.5, 3.0]), npg.array([0.0, 0.0]))
        Array([0.125, 2.5  ])
        """
        return smooth_l1_loss(input, target, self.reduction, self.beta)


class HuberLoss(_Loss):
    """Module form of :func:`huber_loss`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> nn.HuberLoss(delta=2.0)(npg.array([3.0]), npg.array([0.0])).item()
    4.0
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction)
        self.delta = delta

    def forward(self, input: Array, target: Any) -> Array:
        """Compute :func:`huber_loss` (quadratic below ``delta``, linear above).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> nn.HuberLoss(reduction="none")(npg.array([0.5, 3.0]), npg.array([0.0, 0.0]))
        Array([0.125, 2.5  ])
        """
        return huber_loss(input, target, self.reduction, self.delta)


class BCELoss(_Loss):
    """Module form of :func:`binary_cross_entropy`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> round(nn.BCELoss()(npg.array([0.5]), npg.array([1.0])).item(), 4)
    0.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Array, target: Any) -> Array:
        """Compute :func:`binary_cross_entropy` of probabilities ``input`` against ``target``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> p, y = npg.array([0.9, 0.2]), npg.array([1.0, 0.0])
        >>> nn.BCELoss(reduction="none")(p, y).round(4)
        Array([0.1054, 0.2231])
        """
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> round(nn.BCEWithLogitsLoss()(npg.array([0.0]), npg.array([1.0])).item(), 4)
    0.6931
    """

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = weight
        self.pos_weight = pos_weight

    def forward(self, input: Array, target: Any) -> Array:
        """Compute :func:`binary_cross_entropy_with_logits` (a sigmoid, then BCE, fused).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> logits, y = npg.array([0.0, 100.0]), npg.array([1.0, 1.0])
        >>> nn.BCEWithLogitsLoss(reduction="none")(logits, y).round(4)
        Array([0.6931, 0.    ])
        """
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)
