"""Training mode, gradients and the ``state_dict`` of a :class:`~numpygrad.nn.Module`."""

from __future__ import annotations

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from numpygrad._array import Array

if TYPE_CHECKING:
    from numpygrad.nn.module import Module


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """Keys reported by :meth:`Module.load_state_dict` (``missing_keys``, ``unexpected_keys``).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> m = nn.Module()
    >>> m.w = nn.Parameter(npg.zeros(2))
    >>> m.load_state_dict({"w": npg.ones(2), "extra": npg.ones(1)}, strict=False)
    IncompatibleKeys(missing_keys=[], unexpected_keys=['extra'])
    """

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()


class _ModuleState:
    """Mixin of :class:`~numpygrad.nn.Module`: train/eval, gradients and saving/loading."""

    def train(self, mode: bool = True) -> Module:
        """Set training mode on this module and every descendant; returns self.

        Layers such as :class:`~numpygrad.nn.Dropout` and :class:`~numpygrad.nn.BatchNorm1d`
        behave differently in training and evaluation mode.

        Parameters
        ----------
        mode : bool, default True
            True for training mode, False for evaluation mode.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Dropout(0.5))
        >>> net.train(False)[0].training
        False
        >>> net.train()[0].training
        True
        """
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {mode!r}")
        for module in self.modules():
            module.__dict__["training"] = mode
        return self

    def eval(self) -> Module:
        """Switch to evaluation mode (``train(False)``); returns self.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Dropout(0.5)).eval()
        >>> net.training, net[0].training
        (False, False)
        >>> x = npg.ones(4)
        >>> net(x) is x  # dropout is the identity in evaluation mode
        True
        """
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter; returns self.

        Use ``requires_grad_(False)`` to freeze a module.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layer = nn.Linear(2, 2).requires_grad_(False)
        >>> [p.requires_grad for p in layer.parameters()]
        [False, False]
        """
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset the gradients of every parameter.

        Parameters
        ----------
        set_to_none : bool, default True
            Set each ``grad`` to None (as PyTorch does); with False, fill the existing
            gradients with zeros in place.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layer = nn.Linear(2, 1)
        >>> layer(npg.ones((1, 2))).sum().backward()
        >>> layer.bias.grad.tolist()
        [1.0]
        >>> layer.zero_grad(set_to_none=False)
        >>> layer.bias.grad.tolist()
        [0.0]
        >>> layer.zero_grad()
        >>> layer.bias.grad is None
        True
        """
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad.data[...] = 0

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and then on self; returns self.

        Examples
        --------
        >>> from numpygrad import nn
        >>> seen = []
        >>> _ = nn.Sequential(nn.Sequential()).apply(lambda m: seen.append(type(m).__name__))
        >>> seen
        ['Sequential', 'Sequential']
        """
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def _state_items(self, prefix: str = "") -> Iterator[tuple[str, Array]]:
        """Every saved entry by every name it has (tied weights appear under each name,
        like torch, so checkpoints load into tied and untied models alike)."""
        # torch convention: a state_dict prefix is prepended verbatim ("enc." not "enc").
        for mod_prefix, module in self.named_modules(remove_duplicate=False):
            dot = f"{prefix}{mod_prefix}." if mod_prefix else prefix
            for kind, name, value in module._own_members():
                if kind == "param":
                    yield dot + name, value
                elif kind == "buffer" and name not in module._non_persistent_buffers \
                        and getattr(value, "persistent", True):
                    yield dot + name, value

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Return a flat ordered dict of parameters and persistent buffers by dotted name.

        Values are detached copies (requires_grad False) unless ``keep_vars=True``, which
        returns the live arrays. The training flag is not saved.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(npg.ones(2))
        >>> sd = m.state_dict()
        >>> sd["w"].requires_grad, sd["w"] is m.w
        (False, False)
        """
        out: OrderedDict = OrderedDict()
        for key, value in self._state_items(prefix):
            out[key] = value if keep_vars else Array(value.data)  # Array() copies
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's arrays, in place.

        The model keeps its dtypes and never aliases the source. All problems are reported
        in one RuntimeError; nothing is copied when any check fails. With ``strict=False``
        missing and unexpected keys are returned instead of raised (size mismatches still
        raise).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Module()
        >>> m.w = nn.Parameter(npg.zeros(2))
        >>> m.load_state_dict({"w": npg.ones(2)})
        <All keys matched successfully>
        >>> m.w.tolist()
        [1.0, 1.0]
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        own = list(self._state_items())
        own_keys = {key for key, _ in own}  # membership only
        missing = [key for key, _ in own if key not in state_dict]
        unexpected = [key for key in state_dict if key not in own_keys]
        errors, copies = [], []
        for key, dst in own:
            if key not in state_dict:
                continue
            src = state_dict[key]
            src = src.data if isinstance(src, Array) else np.asarray(src)
            if not (np.issubdtype(src.dtype, np.number) or src.dtype == np.bool_):
                raise TypeError(f"state_dict entry {key!r} has non-numeric dtype {src.dtype}")
            if src.shape != dst.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {src.shape} from "
                    f"checkpoint, the shape in current model is {dst.shape}."
                )
            else:
                copies.append((dst, src))
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: "
                              + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                               + "\n\t".join(errors))
        for dst, src in copies:
            # casting='unsafe' mirrors torch's copy_: the destination dtype always wins.
            np.copyto(dst.data, src, casting="unsafe")
        return IncompatibleKeys(missing, unexpected)
