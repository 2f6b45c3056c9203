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

from collections import OrderedDict, namedtuple
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

from numpygrad._array import Array

__all__ = ["Buffer", "Module", "Parameter"]

# Names Module keeps for itself in __dict__; the container walk must never enter them.
_INTERNAL = frozenset(
    {"_parameters", "_buffers", "_modules", "_non_persistent_buffers", "_forward_hooks",
     "_forward_pre_hooks", "training"}
)


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


class RemovableHandle:
    """Handle returned by hook registration; ``handle.remove()`` unregisters the hook.

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> m = nn.Identity()
    >>> handle = m.register_forward_hook(lambda mod, args, out: out * 2)
    >>> m(npg.ones(1)).tolist()
    [2.0]
    >>> handle.remove()
    >>> m(npg.ones(1)).tolist()
    [1.0]
    """

    _next_id = 0

    def __init__(self, hooks: dict) -> None:
        self._hooks = hooks
        self.id = RemovableHandle._next_id
        RemovableHandle._next_id += 1

    def remove(self) -> None:
        """Unregister the hook (a second call does nothing).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Identity()
        >>> handle = m.register_forward_pre_hook(lambda mod, args: args[0] + 1)
        >>> handle.remove()
        >>> handle.remove()  # harmless
        >>> m(npg.zeros(1)).tolist()
        [0.0]
        """
        self._hooks.pop(self.id, None)


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


class Module:
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

    def register_forward_pre_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, args)`` before every forward.

        Parameters
        ----------
        hook : callable
            Receives the module and the tuple of positional arguments. A non-None result
            replaces the arguments (a non-tuple result becomes the single argument).

        Returns
        -------
        RemovableHandle
            ``handle.remove()`` unregisters the hook.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Identity()
        >>> handle = m.register_forward_pre_hook(lambda mod, args: args[0] + 1)
        >>> m(npg.zeros(2)).tolist()
        [1.0, 1.0]
        >>> handle.remove()
        """
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = hook
        return handle

    def register_forward_hook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(module, args, output)`` after every forward.

        Parameters
        ----------
        hook : callable
            Receives the module, the tuple of positional arguments and the output. A
            non-None result replaces the output.

        Returns
        -------
        RemovableHandle
            ``handle.remove()`` unregisters the hook.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> shapes = []
        >>> m = nn.Flatten()
        >>> handle = m.register_forward_hook(lambda mod, args, out: shapes.append(out.shape))
        >>> _ = m(npg.zeros((2, 3, 4)))
        >>> shapes
        [(2, 12)]
        >>> handle.remove()
        """
        handle = RemovableHandle(self._forward_hooks)
        self._forward_hooks[handle.id] = hook
        return handle

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

    def named_modules(self, memo: set | None = None, prefix: str = "",
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for this module and all descendants, pre-order.

        Examples
        --------
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Sequential())
        >>> [name for name, _ in net.named_modules()]
        ['', '0']
        """
        # Explicit stack (no recursion) so very deep models cannot hit the recursion limit.
        memo = set() if memo is None else memo  # identity membership only, never iterated
        stack: list[tuple[str, Module, tuple[int, ...]]] = [(prefix, self, ())]
        while stack:
            name, module, ancestors = stack.pop()
            if remove_duplicate:
                if id(module) in memo:
                    continue
                memo.add(id(module))
            elif id(module) in ancestors:
                continue  # a module containing itself: stop instead of looping forever
            yield name, module
            children = [(k, v) for kind, k, v in module._own_members() if kind == "module"]
            path = ancestors + (id(module),)
            for child_name, child in reversed(children):
                stack.append((f"{name}.{child_name}" if name else child_name, child, path))

    def modules(self) -> Iterator[Module]:
        """Yield this module and all descendants (each once), pre-order.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
        >>> [type(m).__name__ for m in net.modules()]
        ['Sequential', 'Linear', 'ReLU']
        """
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """Yield ``(name, module)`` for the direct submodules (each once).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> mlp = nn.MLP([2, 4, 1])
        >>> [name for name, _ in mlp.named_children()]
        ['layers']
        >>> [name for name, _ in mlp.layers.named_children()]
        ['0', '1', '2']
        """
        memo: set[int] = set()
        for kind, name, value in self._own_members():
            if kind == "module" and id(value) not in memo:
                memo.add(id(value))
                yield name, value

    def children(self) -> Iterator[Module]:
        """Yield the direct submodules (each once).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
        >>> [type(m).__name__ for m in net.children()]
        ['Linear', 'Sequential']
        """
        for _, module in self.named_children():
            yield module

    def _named_members(self, want: str, prefix: str, recurse: bool,
                       remove_duplicate: bool) -> Iterator[tuple[str, Any]]:
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
                if recurse else [(prefix, self)])
        memo: set[int] = set()
        for mod_prefix, module in mods:
            for kind, name, value in module._own_members():
                if kind != want:
                    continue
                if remove_duplicate:
                    if id(value) in memo:
                        continue
                    memo.add(id(value))
                yield (f"{mod_prefix}.{name}" if mod_prefix else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True,
                         remove_duplicate: bool = True) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted_name, parameter)``; a shared parameter appears once.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> m = nn.Module()
        >>> m.ws = [nn.Parameter(npg.zeros(2)), nn.Parameter(npg.zeros(3))]
        >>> [name for name, _ in m.named_parameters()]
        ['ws.0', 'ws.1']
        """
        return self._named_members("param", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Yield every parameter once, in definition order (own before children's).

        Parameters
        ----------
        recurse : bool, default True
            Include the parameters of submodules; with False, only this module's own.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
        >>> [p.shape for p in net.parameters()]
        [(2, 3), (2,), (1, 2), (1,)]
        >>> sum(p.size for p in net.parameters())
        11
        >>> list(net.parameters(recurse=False))
        []
        """
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True,
                      remove_duplicate: bool = True) -> Iterator[tuple[str, Array]]:
        """Yield ``(dotted_name, buffer)``, including non-persistent buffers.

        Parameters
        ----------
        prefix : str, default ''
            Prepended (with a dot) to every name.
        recurse : bool, default True
            Include the buffers of submodules.
        remove_duplicate : bool, default True
            Report a buffer shared by several modules once.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.BatchNorm1d(3))
        >>> [name for name, _ in net.named_buffers()]
        ['0.running_mean', '0.running_var', '0.num_batches_tracked']
        """
        return self._named_members("buffer", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Array]:
        """Yield every buffer once (persistent or not).

        Parameters
        ----------
        recurse : bool, default True
            Include the buffers of submodules.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> [b.shape for b in nn.BatchNorm1d(3).buffers()]
        [(3,), (3,), ()]
        """
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def get_submodule(self, target: str) -> Module:
        """Return the submodule at dotted path ``target`` ('' is this module).

        Raises
        ------
        AttributeError
            If there is no submodule at ``target``.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> mlp = nn.MLP([2, 4, 1])
        >>> mlp.get_submodule("layers.1")
        ReLU()
        >>> mlp.get_submodule("") is mlp
        True
        """
        for name, module in self.named_modules(remove_duplicate=False):
            if name == target:
                return module
        raise AttributeError(f"{type(self).__name__} has no submodule {target!r}")

    # ------------------------------------------------------------------- state
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
