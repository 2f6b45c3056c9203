"""Dtype conversion of a :class:`~numpygrad.nn.Module`: ``to``, ``float``, ``double``, ...

As in PyTorch, only floating-point parameters and buffers change dtype (an integer step
counter stays an integer), and every Parameter and Buffer keeps its identity: its ``.data``
(and its ``.grad``'s) is replaced, so an optimizer built before the conversion still holds
the model's parameters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from numpygrad._array import Array

if TYPE_CHECKING:
    from numpygrad.nn.module import Module

# The device strings numpygrad answers to: it has only the CPU.
_CPU = frozenset({"cpu", "cpu:0"})
_TO_KEYWORDS = frozenset({"device", "dtype", "non_blocking"})


def _show(value: Any) -> str:
    return value.__name__ if isinstance(value, type) else repr(value)


def _floating_dtype(value: Any, what: str) -> np.dtype:
    """``value`` as a floating NumPy dtype; ``what`` names the argument in errors."""
    try:
        dt = np.dtype(value)
    except TypeError:
        raise TypeError(f"{what} must be a floating dtype, got {_show(value)}") from None
    if dt.kind == "c":
        # PyTorch accepts complex here; numpygrad cannot: complex arrays cannot require grad.
        raise TypeError(f"{what} must be a floating dtype (complex parameters cannot require "
                        f"gradients in numpygrad), got {dt}")
    if dt.kind != "f":
        if what.startswith("Module.to"):  # PyTorch's message, for ported code matching on it
            raise TypeError("nn.Module.to only accepts floating point or complex dtypes, but "
                            f"got desired dtype={dt}")
        raise TypeError(f"{what} must be a floating dtype, got {dt}")
    return dt


def _check_device(device: Any) -> None:
    if device is not None and str(device) not in _CPU:
        raise ValueError(f"numpygrad runs on the CPU only, got device {device!r}")


def _dtype_of_to_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> np.dtype | None:
    """The dtype that ``Module.to(*args, **kwargs)`` asks for (None: keep the dtypes).

    Positional arguments are a device, a dtype or an Array (whose dtype is taken), in any
    order, as in ``torch.nn.Module.to``; a string is a dtype if NumPy knows it, else a device.
    """
    unknown = sorted(set(kwargs) - _TO_KEYWORDS)
    if unknown:
        raise TypeError(f"Module.to() got an unexpected keyword argument {unknown[0]!r}")
    if len(args) > 2:
        raise TypeError(f"Module.to() takes at most 2 positional arguments (device and "
                        f"dtype), got {len(args)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    given_dtype, given_device = "dtype" in kwargs, "device" in kwargs
    for arg in args:
        if arg is None:
            continue
        is_dtype = True
        if isinstance(arg, Array):
            arg = arg.dtype
        elif isinstance(arg, str):
            try:
                np.dtype(arg)
            except TypeError:
                is_dtype = False
        elif not isinstance(arg, (np.dtype, type)):
            raise TypeError(f"Module.to() expected a device, a dtype or an Array, got "
                            f"{type(arg).__name__} {arg!r}")
        if is_dtype:
            if given_dtype:
                raise TypeError(f"Module.to() got two dtypes: {_show(dtype)} and {_show(arg)}")
            dtype, given_dtype = arg, True
        else:
            if given_device:
                raise TypeError(f"Module.to() got two devices: {device!r} and {arg!r}")
            device, given_device = arg, True
    _check_device(device)
    return None if dtype is None else _floating_dtype(dtype, "Module.to() dtype")


def _replace_data(arr: Array, data: np.ndarray) -> None:
    arr.data = data
    # A graph recorded before the cast saved the old values: make its backward refuse to run
    # (version mismatch) rather than mix dtypes.
    arr._vc[0] += 1


class _ModuleDtype:
    """Mixin of :class:`~numpygrad.nn.Module`: dtype conversion (``to``, ``float``, ...)."""

    def _cast_floating(self, dtype: np.dtype) -> Module:
        """Cast every floating parameter, gradient and buffer to ``dtype``; returns self."""
        for arr in (*self.parameters(), *self.buffers()):
            # The equality test also makes a parameter shared by several modules (or met
            # again as a buffer) convert once.
            if arr.data.dtype.kind != "f" or arr.data.dtype == dtype:
                continue
            _replace_data(arr, arr.data.astype(dtype))
            grad = arr._grad
            if grad is not None and grad.data.dtype != dtype:
                _replace_data(grad, grad.data.astype(dtype))
        return self

    def to(self, *args: Any, **kwargs: Any) -> Module:
        """Cast the floating-point parameters and buffers to a dtype; returns self.

        Accepts the forms of ``torch.nn.Module.to``: ``to(dtype)``, ``to(device)``,
        ``to(device, dtype)``, ``to(array)`` (takes the array's dtype) and the keywords
        ``device=``, ``dtype=`` and ``non_blocking=`` (ignored). numpygrad has one device,
        ``"cpu"``, which is accepted and changes nothing.

        Only floating-point parameters and buffers are cast; integer buffers such as
        BatchNorm's ``num_batches_tracked`` keep their dtype. Each parameter and buffer
        keeps its identity, so an optimizer built before still updates the model; an
        existing ``.grad`` is cast too. Optimizer state already allocated (momentum,
        Adam's averages) keeps its dtype, so build the optimizer after converting, as
        PyTorch advises.

        Parameters
        ----------
        *args : dtype, str or Array
            A dtype (``np.float64``, ``"float64"``), the device ``"cpu"``, or an Array
            whose dtype is taken.
        **kwargs
            ``device``, ``dtype`` or ``non_blocking``.

        Returns
        -------
        Module
            self.

        Raises
        ------
        TypeError
            If the dtype is not a floating dtype, or the arguments are not of those forms.
        ValueError
            If a device other than ``"cpu"`` is asked for.

        Examples
        --------
        >>> import numpy as np
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer.to(np.float64).weight.dtype
        dtype('float64')
        >>> layer.to("cpu", dtype="float16").bias.dtype
        dtype('float16')
        >>> layer.to(npg.zeros(1)).weight.dtype  # the dtype of an Array
        dtype('float32')
        >>> layer.to("int64")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: nn.Module.to only accepts floating point ... but got desired dtype=int64
        >>> layer.to("cuda")
        Traceback (most recent call last):
        ...
        ValueError: numpygrad runs on the CPU only, got device 'cuda'
        """
        dtype = _dtype_of_to_args(args, kwargs)
        return self if dtype is None else self._cast_floating(dtype)

    def cpu(self) -> Module:
        """Return self: numpygrad keeps everything in main memory (PyTorch compatibility).

        Examples
        --------
        >>> from numpygrad import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer.cpu() is layer
        True
        """
        return self

    def type(self, dst_type: Any) -> Module:
        """Cast the floating-point parameters and buffers to ``dst_type``; returns self.

        Same as ``to(dst_type)``. Unlike PyTorch, integer buffers keep their dtype here
        too, and ``dst_type`` must be a floating dtype.

        Parameters
        ----------
        dst_type : dtype or str
            A floating dtype, e.g. ``np.float64`` or ``"float64"``.

        Raises
        ------
        TypeError
            If ``dst_type`` is not a floating dtype.

        Examples
        --------
        >>> from numpygrad import nn
        >>> bn = nn.BatchNorm1d(2).type("float64")
        >>> bn.weight.dtype, bn.running_mean.dtype, bn.num_batches_tracked.dtype
        (dtype('float64'), dtype('float64'), dtype('int64'))
        """
        return self._cast_floating(_floating_dtype(dst_type, "Module.type() dst_type"))

    def float(self) -> Module:
        """Cast the floating-point parameters and buffers to float32; returns self.

        Always float32, as in PyTorch, whatever :func:`~numpygrad.set_default_dtype` says.

        Examples
        --------
        >>> from numpygrad import nn
        >>> layer = nn.Linear(2, 1).double().float()
        >>> layer.weight.dtype
        dtype('float32')
        """
        return self._cast_floating(np.dtype(np.float32))

    def double(self) -> Module:
        """Cast the floating-point parameters and buffers to float64; returns self.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layer = nn.Linear(2, 1).double()
        >>> layer.weight.dtype, layer(npg.ones((3, 2), dtype="float64")).dtype
        (dtype('float64'), dtype('float64'))
        """
        return self._cast_floating(np.dtype(np.float64))

    def half(self) -> Module:
        """Cast the floating-point parameters and buffers to float16; returns self.

        Examples
        --------
        >>> from numpygrad import nn
        >>> nn.Linear(2, 1).half().weight.dtype
        dtype('float16')
        """
        return self._cast_floating(np.dtype(np.float16))
