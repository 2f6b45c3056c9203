"""In-place operations on the Array: ``+=``, ``x[i] = v``, ``fill_`` and ``zero_``.

:class:`_ArrayInplace` is a mixin base of :class:`numpygrad._array.Array`. On an
array in a graph an in-place op is recorded like its out-of-place form (the
array takes over the new node); otherwise it writes the data and bumps the
version counter shared with the array's views.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


class _ArrayInplace:
    """Mixin of :class:`~numpygrad._array.Array`: the in-place operations."""

    __slots__ = ()

    def _check_inplace(self, value: Any = None) -> bool:
        """Raise for in-place changes autograd forbids; return whether to record."""
        if not _grad_enabled.get():
            return False
        if self._requires_grad and self._fn is None:
            raise RuntimeError(
                "a leaf Array that requires grad is being used in an in-place operation; "
                "wrap the update in `with numpygrad.no_grad():` or use an out-of-place op"
            )
        record = self._requires_grad or (isinstance(value, Array) and value._requires_grad)
        base = self._base
        if base is not None and (record or base._requires_grad):
            # Writing through a view changes its base behind the base's graph:
            # the base's gradients would silently be wrong (and a leaf's values
            # would change), so refuse it like PyTorch does for leaves.
            root = base
            while root._base is not None:
                root = root._base
            if root._requires_grad and root._fn is None:
                raise RuntimeError(
                    "a view of a leaf Array that requires grad is being used in an in-place "
                    "operation; wrap the update in `with numpygrad.no_grad():`"
                )
            raise RuntimeError(
                f"an in-place operation on a view (output of {type(self.grad_fn).__name__}) "
                "of an array in an autograd graph is not supported; use an out-of-place op "
                "(for example numpygrad.setitem) instead"
            )
        return record

    def _become(self, new: Array) -> Array:
        """Take over ``new``'s value and graph position (an in-place op with history)."""
        if new.data.shape != self.data.shape:
            raise ValueError(
                f"output with shape {self.data.shape} doesn't match the broadcast shape "
                f"{new.data.shape}"
            )
        node = new._fn
        old_fn = self._fn
        ghost = None
        if node is not None:
            # ``ghost`` stands for the value *before* this write in the graph: the
            # new node's input and the old producer's output. Without it the new
            # node saw its own input overwritten (``y *= 3`` raised a version
            # error) and the old producer delivered gradients to ``self`` too
            # (retain_grad counted twice). It copies the data only when some
            # backward reads the old values.
            reads_old = (node.save_inputs and any(x is self for x in node.inputs)) or (
                old_fn is not None and old_fn.save_output
            )
            if reads_old:
                ghost = _wrap(self.data.copy())
                ghost._vc = [self._vc[0]]
            else:
                ghost = _wrap(self.data)
                ghost._vc = self._vc
        np.copyto(self.data, new.data, casting="same_kind")
        self._vc[0] += 1
        if node is not None:
            import weakref

            ghost._fn = old_fn
            ghost._requires_grad = self._requires_grad
            node.inputs = tuple(ghost if x is self else x for x in node.inputs)
            if old_fn is not None:
                old_fn.outputs = [weakref.ref(ghost)]
            node.outputs = [weakref.ref(self)]
            self._fn = node
            self._requires_grad = True
        return self

    def _inplace(self, fn: Callable[[Any, Any], Array], other: Any) -> Array:
        if self._check_inplace(other):
            return self._become(fn(self, other))
        o = other.data if isinstance(other, Array) else other
        result = fn(_wrap(self.data), o).data
        if result.shape != self.data.shape:
            raise ValueError(
                f"output with shape {self.data.shape} doesn't match the broadcast shape "
                f"{result.shape}"
            )
        np.copyto(self.data, result, casting="same_kind")
        self._vc[0] += 1
        return self

    def __iadd__(self, other: Any) -> Array:
        return self._inplace(_ew.add, other)

    def __isub__(self, other: Any) -> Array:
        return self._inplace(_ew.subtract, other)

    def __imul__(self, other: Any) -> Array:
        return self._inplace(_ew.multiply, other)

    def __itruediv__(self, other: Any) -> Array:
        return self._inplace(_ew.divide, other)

    def __ipow__(self, other: Any) -> Array:
        return self._inplace(_ew.power, other)

    def __setitem__(self, key: Any, value: Any) -> None:
        if self._check_inplace(value):
            self._become(_idx.setitem(self, key, value))
            return
        v = value.data if isinstance(value, Array) else value
        self.data[_idx.normalize_key(key)] = v
        self._vc[0] += 1

    def fill_(self, value: Any) -> Array:
        """Fill with ``value`` in place (version bumped) and return ``self``.

        On an array in a graph it is recorded like ``self[...] = value``; on a
        leaf that requires grad it raises (use :func:`numpygrad.no_grad`).

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.zeros(3)
        >>> x.fill_(2.0)
        Array([2., 2., 2.])
        >>> x
        Array([2., 2., 2.])
        """
        if self._check_inplace(value):
            # Recorded like ``self[...] = value``: filling an array in a graph
            # without a node left its old grad_fn in charge (wrong gradients).
            return self._become(_idx.setitem(self, Ellipsis, value))
        self.data.fill(value.item() if isinstance(value, Array) else value)
        self._vc[0] += 1
        return self

    def zero_(self) -> Array:
        """Fill with zeros in place and return ``self``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> x = npg.ones(2)
        >>> x.zero_()
        Array([0., 0.])
        """
        return self.fill_(0)

    def fill(self, value: Any) -> Array:
        """Return a new array of this shape and dtype filled with ``value`` (no grad).

        Unlike ``ndarray.fill`` this does not modify ``self`` (see the numpygrad
        autograd notes); use :meth:`fill_` for the in-place form.

        Examples
        --------
        >>> import numpygrad as npg
        >>> npg.zeros(3).fill(7.0)
        Array([7., 7., 7.])
        """
        return _wrap(np.full_like(self.data, value))


def _bind() -> None:
    """Import what the methods use; called by :mod:`numpygrad._array` once Array exists.

    The ops modules import ``Array`` from ``numpygrad._array``, which imports this
    module first, so they cannot be imported at the top here.
    """
    global Array, _wrap, _grad_enabled, _ew, _idx
    from numpygrad._array import Array, _wrap
    from numpygrad.autograd.grad_mode import _grad_enabled
    from numpygrad.ops import arithmetic as _ew
    from numpygrad.ops import indexing as _idx
