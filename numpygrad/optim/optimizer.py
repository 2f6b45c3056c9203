"""The :class:`Optimizer` base class: parameter groups, state and checkpoints.

Subclasses implement :meth:`Optimizer._update_group`, which updates every
parameter of one group in place with NumPy (``out=`` arguments, no graph).
Per-parameter buffers (``exp_avg`` and friends) live in ``self.state[p]`` and
are allocated once, at the first step that sees a gradient for ``p``.
Temporaries come from a small scratch pool shared by parameters of the same
shape and dtype, so a step allocates nothing after the first one.
"""

from __future__ import annotations

import math
import numbers
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from numpygrad._array import Array
from numpygrad.autograd.grad_mode import enable_grad
from numpygrad.optim import _blas

__all__ = ["Optimizer"]

#: Elements per block of a blocked parameter update (256 KiB of float32): small
#: enough for the scratch block to stay in the core's cache beside the operands.
_BLOCK = 65536


def _check_real(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")


def check_nonnegative(value: Any, label: str, name: str) -> None:
    """Raise ``ValueError("Invalid <label>: <value>")`` unless ``0 <= value < inf``."""
    _check_real(value, name)
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"Invalid {label}: {value}")


def check_lr(value: Any) -> None:
    """Validate a learning rate (torch's message: ``Invalid learning rate: -0.1``)."""
    check_nonnegative(value, "learning rate", "lr")


def check_betas(betas: Any) -> None:
    """Validate a pair of betas, each in ``[0, 1)``."""
    if not isinstance(betas, (tuple, list)) or len(betas) != 2:
        raise TypeError(f"betas must be a pair of floats, got {betas!r}")
    for i, beta in enumerate(betas):
        _check_real(beta, f"betas[{i}]")
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def to_float(value: Any) -> float:
    """Convert a loss (Array, 0-d ndarray or number) to a Python float."""
    if isinstance(value, Array):
        if value.size != 1:
            raise ValueError(f"expected a scalar loss, got an Array of shape {value.shape}")
        return float(value.data.reshape(()))
    return float(value)


def _copy_value(value: Any) -> Any:
    # Deep enough for optimizer state: arrays, lists of arrays (LBFGS), scalars.
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_copy_value(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_copy_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy_value(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _load_value(value: Any, dtype: np.dtype) -> Any:
    # Floating arrays take the parameter's dtype, as torch does when loading.
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return np.array(value, dtype=dtype, copy=True)
        return value.copy()
    if isinstance(value, list):
        return [_load_value(v, dtype) for v in value]
    return _copy_value(value)


class Optimizer:
    """Base class of all optimizers.

    Parameters
    ----------
    params : iterable of Array, of (name, Array) pairs, or of dict
        The parameters to optimize, or parameter groups: dicts with a
        ``'params'`` entry and optional per-group hyperparameters.
    defaults : dict
        Hyperparameters used by groups that do not set them.

    Attributes
    ----------
    param_groups : list of dict
        Each group has ``'params'`` (a list of Arrays) and every hyperparameter.
    state : dict
        Per-parameter state keyed by the parameter Array (Arrays hash by identity).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.optim import SGD
    >>> w, b = npg.zeros(3, requires_grad=True), npg.zeros(1, requires_grad=True)
    >>> opt = SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=0.1)
    >>> [g["lr"] for g in opt.param_groups]
    [0.1, 0.5]
    """

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self._validate_hyperparameters(defaults)
        self.defaults = dict(defaults)
        self.state: defaultdict[Array, dict[str, Any]] = defaultdict(dict)
        self.param_groups: list[dict[str, Any]] = []
        self._scratch: dict[tuple, np.ndarray] = {}
        if isinstance(params, Array):
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Arrays or "
                "dicts, but got Array (wrap a single parameter in a list: [p])"
            )
        if isinstance(params, dict):
            if "params" not in params:
                raise TypeError("params is a dict without a 'params' entry; pass a list of "
                                "Arrays or a list of parameter-group dicts")
            params = [params]
        try:
            groups = list(params)
        except TypeError:
            hint = " (did you mean model.parameters()?)" if hasattr(params, "parameters") else ""
            raise TypeError(
                "params argument given to the optimizer should be an iterable of Arrays or "
                f"dicts, but got {type(params).__name__}{hint}"
            ) from None
        if len(groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- hooks for subclasses ------------------------------------------------------------
    def _validate_hyperparameters(self, group: dict[str, Any]) -> None:
        """Raise for invalid hyperparameters in ``group`` (override in subclasses)."""

    def _stepped(self, group: dict[str, Any], buffers: dict[str, float]
                 ) -> Iterator[tuple[Array, np.ndarray, Array, dict[str, Any]]]:
        """Yield ``(p, p.data, p.grad, state)`` for each parameter of ``group`` with a grad.

        The step is counted before the yield. On a parameter's first step its state
        gets ``step = 0`` and one array per ``buffers`` entry (name -> fill value),
        shaped like the parameter and allocated once. Parameters whose grad is None
        are skipped and get no state, as in PyTorch.
        """
        for p in group["params"]:
            grad = p._grad  # past the property: this loop runs every step
            if grad is None:
                continue
            data = p.data
            state = self.state.get(p)
            if not state:
                state = self.state[p]
                state["step"] = 0
                for name, fill in buffers.items():
                    state[name] = np.full_like(data, fill)
            state["step"] += 1
            yield p, data, grad, state

    def _update_group(self, group: dict[str, Any]) -> None:
        """Update every parameter of ``group`` in place (override in subclasses)."""
        raise NotImplementedError

    def _buffer(self, like: np.ndarray, slot: int) -> np.ndarray:
        """A scratch array shaped like ``like``, reused across steps and parameters."""
        key = (like.shape, like.dtype, slot)
        buf = self._scratch.get(key)
        if buf is None:
            buf = self._scratch[key] = np.empty(like.shape, like.dtype)
        return buf

    def _blocks(self, *arrays: np.ndarray, whole_up_to: int = 2 * _BLOCK
                ) -> Iterable[tuple[np.ndarray, ...]]:
        """``arrays`` (same shape) plus a scratch array, whole or in blocks.

        An update is a series of in-place NumPy passes over the parameter, its
        gradient and its state. For a large parameter those arrays do not fit in
        the core's cache together, so every pass would stream them from the
        slower memory behind it; in blocks of ``_BLOCK`` elements the passes of
        one block run on cached data. Small or non-contiguous arrays come whole,
        as a one-item tuple (no generator: that is every small parameter's path).
        The scratch (last item) matches the other arrays' shape. Arrays of at most
        ``whole_up_to`` elements come whole: below that the blocks' extra calls cost
        more than the cache saves (an optimizer with few passes sets it higher).
        """
        data = arrays[0]
        whole = data.size <= whole_up_to
        for a in arrays:
            whole = whole or not a.flags.c_contiguous
        if whole:
            return ((*arrays, self._buffer(data, 1)),)
        return self._block_views(arrays)

    def _block_views(self, arrays: tuple[np.ndarray, ...]) -> Iterator[tuple[np.ndarray, ...]]:
        """Yield ``_BLOCK``-element views of C-contiguous ``arrays`` and of one scratch block."""
        flats = [a.reshape(-1) for a in arrays]
        n = flats[0].size
        block = self._buffer(flats[0][:_BLOCK], 1)
        for i in range(0, n, _BLOCK):
            views = [f[i:i + _BLOCK] for f in flats]
            yield (*views, block[:views[0].size])

    def _add_scaled(self, data: np.ndarray, g: np.ndarray, alpha: float) -> None:
        """``data += alpha * g`` in place, leaving ``g`` (a user-visible ``.grad``) as it is.

        NumPy has no fused multiply-add: a large parameter is updated in one
        BLAS ``axpy`` pass where NumPy's BLAS allows it (:mod:`._blas`), else
        ``alpha * g`` goes through a scratch array, in cache-sized blocks
        (:meth:`_blocks`).
        """
        if data.size < _blas.MIN_SIZE:
            # Most parameters (biases, small layers): one scratch, no BLAS or block logic.
            tmp = self._buffer(data, 1)
            np.multiply(g, alpha, out=tmp)
            np.add(data, tmp, out=data)
            return
        if _blas.axpy(alpha, g, data):
            return
        for d, gb, tmp in self._blocks(data, g):
            np.multiply(gb, alpha, out=tmp)
            np.add(d, tmp, out=d)

    def _effective_grad(self, data: np.ndarray, grad: np.ndarray, weight_decay: float,
                        maximize: bool) -> np.ndarray:
        """``(-grad if maximize else grad) + weight_decay * data``, without touching ``grad``."""
        if not weight_decay and not maximize:
            return grad
        buf = self._buffer(data, 0)
        if weight_decay:
            np.multiply(data, weight_decay, out=buf)
            if maximize:
                np.subtract(buf, grad, out=buf)
            else:
                np.add(buf, grad, out=buf)
        else:
            np.negative(grad, out=buf)
        return buf

    # -- public API ----------------------------------------------------------------------
    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a parameter group; missing hyperparameters take the defaults.

        Parameters
        ----------
        param_group : dict
            ``{'params': [...], 'lr': ...}``. A parameter may belong to one group only.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> opt = SGD([npg.zeros(2, requires_grad=True)], lr=0.1)
        >>> opt.add_param_group({"params": [npg.zeros(3, requires_grad=True)], "lr": 0.01})
        >>> len(opt.param_groups), opt.param_groups[1]["momentum"]
        (2, 0)
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group).__name__}")
        if "params" not in param_group:
            raise ValueError("param_group must have a 'params' entry")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Array):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of arrays in sets changes between runs; use a list")
        else:
            params = list(params)
        names = [p[0] for p in params if isinstance(p, tuple)]
        if names:
            if len(names) != len(params):
                raise ValueError("all optimizer params should be with/without names. "
                                 "Some param names are missing")
            group["param_names"] = names
            params = [p[1] for p in params]
        for i, p in enumerate(params):
            if not isinstance(p, Array):
                raise TypeError("optimizer can only optimize Arrays, but parameter "
                                f"{i} of the group is {type(p).__name__}")
            if p.dtype.kind != "f":
                raise TypeError("optimizer can only optimize floating-point Arrays, but "
                                f"parameter {i} of the group has dtype {p.dtype}")
            if not p.is_leaf:
                raise ValueError(f"can't optimize a non-leaf Array (parameter {i} of the group "
                                 f"was produced by {p.grad_fn})")
        seen: dict[Array, int] = {}
        for i, p in enumerate(params):
            if p in seen:
                raise ValueError("optimizer contains a parameter group with duplicate "
                                 f"parameters: parameter {i} is parameter {seen[p]}")
            seen[p] = i
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self._validate_hyperparameters(group)
        for other in self.param_groups:
            if any(p in seen for p in other["params"]):
                raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of all parameters.

        Parameters
        ----------
        set_to_none : bool
            If True (default) set ``p.grad = None``; otherwise fill the
            existing gradient arrays with zeros in place.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> w = npg.ones(2, requires_grad=True)
        >>> (w * w).sum().backward()
        >>> opt = SGD([w], lr=0.1)
        >>> opt.zero_grad(set_to_none=False); w.grad
        Array([0., 0.])
        >>> opt.zero_grad(); print(w.grad)
        None
        """
        for group in self.param_groups:
            for p in group["params"]:
                g = p._grad  # the stored gradient, past the property (a hot loop)
                if g is None:
                    continue
                if set_to_none:
                    p._grad = None
                elif g._fn is not None or g.requires_grad or not g.data.flags.writeable:
                    # A graph-carrying or read-only gradient is replaced, never written into.
                    p.grad = Array(np.zeros_like(g.data))
                else:
                    g.data.fill(0)
                    g._vc[0] += 1

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss; run with grad enabled.

        Returns
        -------
        The closure's return value, or None.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> w = npg.array([1.0, 2.0], requires_grad=True)
        >>> opt = SGD([w], lr=0.25)
        >>> def closure():
        ...     opt.zero_grad()
        ...     loss = (w * w).sum()
        ...     loss.backward()
        ...     return loss
        >>> opt.step(closure)
        Array(5., grad_fn=<Sum>)
        >>> w
        Array([0.5, 1. ], requires_grad=True)
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def state_dict(self) -> dict[str, Any]:
        """Return a copy of the optimizer state in torch's layout.

        ``'state'`` maps each parameter's integer index (in group order) to its
        state (ndarray copies and Python scalars); ``'param_groups'`` holds
        every hyperparameter with ``'params'`` as lists of those indices.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import SGD
        >>> w = npg.ones(2, requires_grad=True)
        >>> w.grad = npg.ones(2)
        >>> opt = SGD([w], lr=0.1, momentum=0.9)
        >>> opt.step()
        >>> sd = opt.state_dict()
        >>> sd["state"]
        {0: {'momentum_buffer': array([1., 1.], dtype=float32)}}
        >>> sd["param_groups"][0]["params"], sd["param_groups"][0]["lr"]
        ([0], 0.1)
        """
        index: dict[Array, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: _copy_value(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index[p] = len(index)
                packed["params"].append(index[p])
            groups.append(packed)
        state = {index[p]: _copy_value(s) for p, s in self.state.items() if s and p in index}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def _check_loaded_state(self, param: Array, index: int, state: dict[str, Any]) -> None:
        """Raise if a loaded state array does not fit its parameter."""
        for key, value in state.items():
            if isinstance(value, np.ndarray) and key != "step" and value.shape != param.shape:
                raise ValueError(
                    f"loaded state dict has state '{key}' of shape {value.shape} for parameter "
                    f"{index}, but the parameter has shape {param.shape}"
                )

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state produced by :meth:`state_dict` (values are copied).

        Hyperparameters stored in ``state_dict`` replace the current ones.
        Nothing changes if the state does not fit this optimizer.

        Raises
        ------
        ValueError
            If the number of groups, a group's size, or a state array's shape
            differs from this optimizer's.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad.optim import Adam
        >>> w = npg.ones(2, requires_grad=True)
        >>> w.grad = npg.ones(2)
        >>> opt = Adam([w], lr=0.5)
        >>> opt.step()
        >>> opt2 = Adam([w], lr=0.1)
        >>> opt2.load_state_dict(opt.state_dict())
        >>> opt2.param_groups[0]["lr"], opt2.state[w]["step"]
        (0.5, 1)
        """
        if not isinstance(state_dict, dict):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        for key in ("state", "param_groups"):
            if key not in state_dict:
                raise ValueError(f"optimizer state_dict has no '{key}' entry")
        saved_groups = list(state_dict["param_groups"])
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                "loaded state dict has a different number of parameter groups: "
                f"{len(saved_groups)} in the state dict, {len(self.param_groups)} in the optimizer"
            )
        id_map: dict[int, Array] = {}
        new_groups = []
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size "
                    f"of optimizer's group: group {i} has {len(saved['params'])} parameters in "
                    f"the state dict and {len(group['params'])} in the optimizer"
                )
            id_map.update(zip((int(k) for k in saved["params"]), group["params"]))
            new_group = {k: _copy_value(v) for k, v in saved.items() if k != "params"}
            new_group["params"] = group["params"]
            if "param_names" in group and "param_names" not in new_group:
                new_group["param_names"] = group["param_names"]
            self._validate_hyperparameters(new_group)
            new_groups.append(new_group)
        new_state: defaultdict[Array, dict[str, Any]] = defaultdict(dict)
        for key, value in state_dict["state"].items():
            index = int(key)
            if index not in id_map:
                raise ValueError(f"loaded state dict has state for parameter {index}, but the "
                                 f"optimizer has only {len(id_map)} parameters")
            p = id_map[index]
            if not isinstance(value, dict):
                raise TypeError(f"state of parameter {index} must be a dict, got "
                                f"{type(value).__name__}")
            self._check_loaded_state(p, index, value)
            loaded = {k: _load_value(v, p.dtype) for k, v in value.items()}
            if "step" in loaded:
                loaded["step"] = int(np.asarray(loaded["step"]).item())
            new_state[p] = loaded
        self.param_groups = new_groups
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key not in ("params", "param_names"):
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)
