"""Grad mode: whether operations record the autograd graph.

The mode lives in a :class:`contextvars.ContextVar`, so it is thread-safe and
re-entrant: each thread (and each asyncio task) sees its own setting, and a new
thread starts with recording enabled.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled"]

_grad_enabled: ContextVar[bool] = ContextVar("numpygrad_grad_enabled", default=True)

F = TypeVar("F", bound=Callable[..., Any])


def is_grad_enabled() -> bool:
    """Return whether operations currently record the autograd graph.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.is_grad_enabled()
    True
    >>> with npg.no_grad():
    ...     npg.is_grad_enabled()
    False
    """
    return _grad_enabled.get()


class _GradModeContext:
    """Base for the grad-mode switches: a context manager and a decorator."""

    _mode: bool

    def __enter__(self) -> None:
        self._tokens = getattr(self, "_tokens", [])
        self._tokens.append(_grad_enabled.set(self._mode))

    def __exit__(self, *exc: object) -> None:
        _grad_enabled.reset(self._tokens.pop())

    def __call__(self, fn: F) -> F:
        mode = self._mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _grad_enabled.set(mode)
            try:
                return fn(*args, **kwargs)
            finally:
                _grad_enabled.reset(token)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeContext):
    """Context manager and decorator that disables graph recording.

    Results computed inside have ``requires_grad=False`` and no ``grad_fn``.
    Use it for evaluation and for updating parameters in place.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0], requires_grad=True)
    >>> with npg.no_grad():
    ...     y = x * 2
    >>> y.requires_grad, y.grad_fn
    (False, None)
    >>> @npg.no_grad()
    ... def evaluate(v):
    ...     return v * 3
    >>> evaluate(x).requires_grad
    False
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator that enables graph recording.

    Useful inside a :class:`no_grad` block.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array(2.0, requires_grad=True)
    >>> with npg.no_grad():
    ...     with npg.enable_grad():
    ...         y = x * x
    >>> y.requires_grad
    True
    """

    _mode = True


class set_grad_enabled(_GradModeContext):
    """Set graph recording on or off.

    Called as a function it switches the mode for the current context (like
    ``torch.set_grad_enabled``); used in a ``with`` statement or as a decorator
    it switches the mode only inside and restores the previous one afterwards.

    Parameters
    ----------
    mode : bool
        ``True`` to record operations, ``False`` to stop recording.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array(1.0, requires_grad=True)
    >>> with npg.set_grad_enabled(False):
    ...     (x * 2).requires_grad
    False
    >>> npg.is_grad_enabled()
    True
    """

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(f"set_grad_enabled expects a bool, got {type(mode).__name__}")
        self._mode = mode
        # Calling it as a plain function switches the mode right away; __enter__
        # then has nothing to do, and __exit__ restores what was there before.
        self._tokens = [_grad_enabled.set(mode)]

    def __enter__(self) -> None:
        pass

    def __call__(self, fn: F) -> F:
        # Used as a decorator: undo the immediate switch made by __init__.
        if self._tokens:
            _grad_enabled.reset(self._tokens.pop())
        return super().__call__(fn)
