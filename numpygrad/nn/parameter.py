"""Parameter and Buffer: the arrays a :class:`~numpygrad.nn.Module` registers by assignment.

Both are re-exported by :mod:`numpygrad.nn.module` and :mod:`numpygrad.nn`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from numpygrad._array import Array

__all__ = ["Buffer", "Parameter"]


class Parameter(Array):
    """An :class:`~numpygrad.Array` that a :class:`Module` registers as a trainable weight.

    Parameters
    ----------
    data : Array, ndarray, list or float, optional
        Initial values. Python floats become the default dtype; ndarrays keep theirs. ``None``
        gives an empty float array.
    requires_grad : bool, default True
        With True, integer data is converted to the default float dtype (by the core).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> w = nn.Parameter([1.0, 2.0])
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        if isinstance(data, Array):
            data = data.data  # a Parameter is a fresh leaf: never keep the source's graph
        super().__init__(data, requires_grad=requires_grad)


class Buffer(Array):
    """A non-trainable :class:`~numpygrad.Array` that a :class:`Module` saves in its state.

    Assigning a Buffer to a module attribute registers it like :meth:`Module.register_buffer`.

    Parameters
    ----------
    data : Array, ndarray or list
        Values (requires_grad is always False).
    persistent : bool, default True
        Whether the buffer appears in :meth:`Module.state_dict`.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> m = nn.Module()
    >>> m.running_mean = nn.Buffer(npg.zeros(3))
    >>> [name for name, _ in m.named_buffers()]
    ['running_mean']
    """

    # No __slots__: the instance __dict__ holds ``persistent`` and Array.__deepcopy__ copies it.

    def __init__(self, data: Any, persistent: bool = True) -> None:
        if isinstance(data, Array):
            data = data.data
        super().__init__(data, requires_grad=False)
        self.persistent = bool(persistent)
