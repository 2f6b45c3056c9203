"""``quiet``: a decorator that runs a function with NumPy floating-point warnings silenced.

Many ops give a value where NumPy would also warn (``exp(89)`` is inf in float32,
``sin(inf)`` is nan, ``1 / 0`` is inf), silently, as PyTorch does. Their
``forward`` runs under ``np.errstate``. As a ``with`` block that costs about
1-2 us per call on this project's benchmark machine, more than the ufunc itself
on a small array; as a decorator (NumPy 2's ``errstate.__call__``) about 40% less,
since no context-manager object is created and entered per call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["quiet"]

F = TypeVar("F", bound=Callable[..., Any])

# NumPy 1.x's errstate is a ContextDecorator that keeps the saved state on the
# instance, so one decorator shared by concurrent calls is not thread-safe there.
_THREAD_SAFE_DECORATOR = np.lib.NumpyVersion(np.__version__) >= "2.0.0"


def quiet(**states: str) -> Callable[[F], F]:
    """Decorate a function so it runs under ``np.errstate(**states)``.

    Parameters
    ----------
    **states : str
        ``np.errstate``'s keywords: ``divide``, ``over``, ``under``, ``invalid``
        or ``all``, each ``'ignore'``, ``'warn'``, ``'raise'``, ``'call'``,
        ``'print'`` or ``'log'``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from numpygrad._quiet import quiet
    >>> @quiet(divide="ignore")
    ... def inverse(x):
    ...     return 1 / x
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error")
    ...     inverse(np.array([0.0, 2.0]))
    array([inf, 0.5])
    """
    if _THREAD_SAFE_DECORATOR:
        return np.errstate(**states)

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def inner(*args: Any, **kwargs: Any) -> Any:
            with np.errstate(**states):
                return func(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return decorate
