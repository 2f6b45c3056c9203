"""Module, Parameter and Buffer: the building blocks of every model.

How members are found
---------------------
Assigning a :class:`Parameter`, :class:`Buffer` or :class:`Module` to an attribute registers
its name in the ordered dicts ``_parameters``, ``_buffers`` or ``_modules`` *and* stores the
value in the instance ``__dict__``, so reading ``self.weight`` is a plain attribute lookup with
no ``__getattr__`` fallback on the training hot path. Discovery walks ``__dict__`` in
definition order: registered names are taken from the registries, and plain ``list``,
``tuple`` and ``dict`` attributes are entered (recursively) to find Parameters, Buffers and
Modules inside them, named ``blocks.0`` or ``heads.name``. As in PyTorch, a module yields its
own parameters before those of its children, and ``parameters()`` reports a shared parameter
once. (Containers are walked on every discovery call, so keep big plain lists of data, such
as a vocabulary, off modules or in a non-list type.)
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from numpygrad._array import Array
from numpygrad.nn._discovery import _ModuleDiscovery
from numpygrad.nn._dtype_methods import _ModuleDtype
from numpygrad.nn._hooks import RemovableHandle as RemovableHandle  # re-exported
from numpygrad.nn._hooks import _ModuleHooks
from numpygrad.nn._state import IncompatibleKeys as IncompatibleKeys  # re-exported
from numpygrad.nn._state import _ModuleState
from numpygrad.nn.parameter import Buffer, Parameter

__all__ = ["Buffer", "Module", "Parameter"]

# Names Module keeps for itself in __dict__; the container walk must never enter them.
_INTERNAL = frozenset(
    {"_parameters", "_buffers", "_modules", "_non_persistent_buffers", "_forward_hooks",
     "_forward_pre_hooks", "training"}
)


def _check_name(name: Any, kind: str) -> None:
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string, got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name "{name}" must not contain "."')
    if name == "":
        raise KeyError(f'{kind} name must not be the empty string ""')


def _expect(ok: bool, value: Any, what: str) -> None:
    if not ok:
        raise TypeError(f"cannot assign '{type(value).__name__}' as {what}")


def _walk_container(path: str, value: Any, seen: set[int]) -> Iterator[tuple[str, Any]]:
    """Yield ``(dotted_path, member)`` for Parameters, Buffers and Modules inside plain
    lists, tuples and dicts, in order. ``seen`` guards against self-containing containers."""
    if id(value) in seen:
        return
    seen.add(id(value))
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        sub = f"{path}.{key}"
        if isinstance(item, (Parameter, Buffer, Module)):
            if "." in str(key):
                raise KeyError(f'member name "{sub}" must not contain "."')
            yield sub, item
        elif isinstance(item, (list, tuple, dict)):
            yield from _walk_container(sub, item, seen)


# The methods live in mixins by topic: hook registration (_hooks), walking the module tree
# (_discovery), mode, gradients and state_dict (_state), and dtype conversion
# (_dtype_methods). Calling, attribute registration and _own_members, on which every walk is
# built, stay here.
class Module(_ModuleHooks, _ModuleDiscovery, _ModuleState, _ModuleDtype):
    """Base class for all layers and models.

    Subclasses call ``super().__init__()``, assign their parameters, buffers and submodules as
    attributes, and implement :meth:`forward`. Calling the module runs ``forward`` (and any
    hooks). See the module docstring for how members are discovered.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> class Scale(nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.s = nn.Parameter(npg.ones(2))
    ...     def forward(self, x):
    ...         return x * self.s
    >>> m = Scale()
    >>> m(npg.ones(2)).tolist()
    [1.0, 1.0]
    >>> list(m.state_dict())
    ['s']
    """

    training: bool

    def __init__(self) -> None:
        d = self.__dict__
        d["training"] = True
        d["_parameters"] = OrderedDict()
        d["_buffers"] = OrderedDict()
        d["_modules"] = OrderedDict()
        d["_non_persistent_buffers"] = set()  # membership only; never iterated
        d["_forward_pre_hooks"] = {}
        d["_forward_hooks"] = {}

    # ----------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; every subclass must override this.

        Call the module (``module(x)``) rather than ``forward`` directly, so that the
        registered hooks run.

        Raises
        ------
        NotImplementedError
            On the base class, which has no computation of its own.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> class Double(nn.Module):
        ...     def forward(self, x):
        ...         return 2 * x
        >>> Double()(npg.ones(2)).tolist()
        [2.0, 2.0]
        >>> nn.Module()(npg.ones(2))
        Traceback (most recent call last):
        ...
        NotImplementedError: Module [Module] is missing the required "forward" function
        """
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not (self._forward_pre_hooks or self._forward_hooks):
            return self.forward(*args, **kwargs)  # the hot path: no hook bookkeeping
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    # ------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        params = d.get("_parameters")
        if params is None:
            if isinstance(value, (Parameter, Buffer, Module)):
                raise AttributeError(
                    f"cannot assign {type(value).__name__} '{name}' before Module.__init__() call"
                )
            object.__setattr__(self, name, value)
        elif isinstance(value, Parameter):
            self._evict(name, params)
            self.register_parameter(name, value)
        elif name in params:
            _expect(value is None, value, f"parameter '{name}' (Parameter or None expected)")
            self.register_parameter(name, None)
        elif isinstance(value, Module):
            self._evict(name, self._modules)
            self.register_module(name, value)
        elif name in self._modules:
            _expect(value is None, value, f"child module '{name}' (Module or None expected)")
            self.register_module(name, None)
        elif isinstance(value, Buffer) or name in self._buffers:
            _expect(value is None or isinstance(value, Array), value,
                    f"buffer '{name}' (Buffer, Array or None expected)")
            persistent = (value.persistent if isinstance(value, Buffer)
                          else name not in self._non_persistent_buffers)
            self._evict(name, self._buffers)
            self.register_buffer(name, value, persistent)
        else:
            object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        if name in _INTERNAL:
            raise AttributeError(f"cannot delete internal attribute '{name}'")
        self._forget(name)
        object.__delattr__(self, name)

    def _forget(self, name: str, keep: dict | None = None) -> None:
        """Drop ``name`` from every registry except ``keep``."""
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not keep:
                registry.pop(name, None)
        if keep is not self._buffers:
            self._non_persistent_buffers.discard(name)

    def _evict(self, name: str, target: dict) -> None:
        """Before attribute assignment re-types ``name``: clear it from the other registries
        and from ``__dict__`` (same-kind reassignment keeps its definition-order slot)."""
        if name not in target:
            self._forget(name)
            if name not in _INTERNAL:
                self.__dict__.pop(name, None)

    def _register(self, registry: dict, name: str, value: Any, kind: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        _check_name(name, kind)
        if name in _INTERNAL or (name not in registry and hasattr(self, name)):
            raise KeyError(f"attribute '{name}' already exists")
        self._forget(name, keep=registry)
        registry[name] = value
        self.__dict__[name] = value

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or a None slot, e.g. an absent bias) under ``name``.

        Equivalent to assigning ``self.name = param``, but also accepts None.

        Parameters
        ----------
        name : str
            Attribute name (no dots, not empty, not an existing attribute).
        param : Parameter or None
            The parameter; None reserves the name without a value.

        Raises
        ------
        TypeError
            If ``param`` is neither a Parameter nor None.
        KeyError
            If ``name`` is invalid or already taken by another attribute.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Module()
        >>> m.register_parameter("scale", nn.Parameter(npg.ones(3)))
        >>> m.register_parameter("bias", None)
        >>> [name for name, _ in m.named_parameters()], m.bias is None
        (['scale'], True)
        """
        _expect(param is None or isinstance(param, Parameter), param,
                f"parameter '{name}' (Parameter or None expected)")
        self._register(self.__dict__.get("_parameters", {}), name, param, "parameter")

    def register_buffer(self, name: str, tensor: Array | None, persistent: bool = True) -> None:
        """Register a non-trainable array under ``name``.

        Parameters
        ----------
        name : str
            Attribute name (no dots, not empty, not an existing attribute).
        tensor : Array or None
            The buffer's value.
        persistent : bool, default True
            Whether the buffer is saved in :meth:`state_dict`.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Module()
        >>> m.register_buffer("mean", npg.zeros(2))
        >>> m.register_buffer("cache", npg.zeros(2), persistent=False)
        >>> [name for name, _ in m.named_buffers()], list(m.state_dict())
        (['mean', 'cache'], ['mean'])
        """
        _expect(tensor is None or isinstance(tensor, Array), tensor,
                f"buffer '{name}' (Array or None expected)")
        self._register(self.__dict__.get("_buffers", {}), name, tensor, "buffer")
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def register_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child named ``name`` (alias: :meth:`add_module`).

        Parameters
        ----------
        name : str
            Attribute name (no dots, not empty, not an existing attribute).
        module : Module or None
            The child module.

        Raises
        ------
        TypeError
            If ``module`` is neither a Module nor None.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Module()
        >>> m.register_module("fc", nn.Linear(2, 3))
        >>> m.fc
        Linear(in_features=2, out_features=3, bias=True)
        >>> list(m.state_dict())
        ['fc.weight', 'fc.bias']
        """
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        self._register(self.__dict__.get("_modules", {}), name, module, "module")

    add_module = register_module

    # --------------------------------------------------------------- discovery
    def _own_members(self) -> Iterator[tuple[str, str, Any]]:
        """Yield ``(kind, name, value)`` for this module's direct members in definition
        order; kind is 'param', 'buffer' or 'module'. None slots are skipped."""
        params, buffers, modules = self._parameters, self._buffers, self._modules
        for name, value in self.__dict__.items():
            if value is None or name in _INTERNAL:
                continue
            if name in params:
                yield "param", name, value
            elif name in buffers:
                yield "buffer", name, value
            elif name in modules:
                yield "module", name, value
            elif isinstance(value, (list, tuple, dict)):
                for path, item in _walk_container(name, value, set()):
                    kind = ("param" if isinstance(item, Parameter)
                            else "buffer" if isinstance(item, Buffer) else "module")
                    yield kind, path, item

    # -------------------------------------------------------------------- repr
    def extra_repr(self) -> str:
        """Return the layer-specific part of ``repr`` (override in layers).

        The base class returns ``''``; layers return their settings, which ``repr`` shows
        between the parentheses.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> class Scale(nn.Module):
        ...     def __init__(self, factor):
        ...         super().__init__()
        ...         self.factor = factor
        ...     def extra_repr(self):
        ...         return f"factor={self.factor}"
        >>> Scale(3)
        Scale(factor=3)
        >>> nn.Module().extra_repr()
        ''
        """
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        lines = extra.split("\n") if extra else []
        for kind, name, module in self._own_members():
            if kind == "module":
                child = repr(module).replace("\n", "\n  ")
                lines.append(f"({name}): {child}")
        head = type(self).__name__ + "("
        if not lines:
            return head + ")"
        if len(lines) == 1 and extra and "\n" not in extra:
            return head + extra + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
