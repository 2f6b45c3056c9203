"""Container modules: Sequential, ModuleList and ModuleDict.

Members are registered as children under string keys (``'0'``, ``'1'``, ... or the dict keys),
so their parameters are named ``0.weight`` or ``encoder.weight`` exactly as in PyTorch.
Removing or inserting an item renumbers the integer keys, keeping them contiguous.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from numpygrad.nn.module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


class _IndexedModules(Module):
    """Shared machinery for containers whose children are keyed ``'0'``, ``'1'``, ...."""

    def _index(self, idx: Any) -> int:
        n = len(self._modules)
        try:
            i = operator.index(idx)
        except TypeError:
            raise TypeError(
                f"{type(self).__name__} indices must be integers or slices, "
                f"not {type(idx).__name__}"
            ) from None
        if not -n <= i < n:
            raise IndexError(f"index {i} is out of range for {type(self).__name__} of length {n}")
        return i % n

    def _reset(self, items: Iterable[tuple[str, Module]]) -> None:
        """Replace all children by ``items`` (keeps ``__dict__`` in the same order)."""
        items = list(items)
        for key in list(self._modules):
            del self._modules[key]
            self.__dict__.pop(key, None)
        for key, module in items:
            self.register_module(key, module)

    def _renumber(self, modules: Iterable[Module]) -> None:
        self._reset((str(i), m) for i, m in enumerate(list(modules)))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):  # each subclass defines _slice: what a slice returns
            return self._slice(list(self._modules.items())[idx])
        return list(self._modules.values())[self._index(idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[self._index(idx)]
        self.register_module(key, module)

    def __delitem__(self, idx: int | slice) -> None:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            del values[idx]
        else:
            del values[self._index(idx)]
        self._renumber(values)

    def append(self, module: Module) -> _IndexedModules:
        """Add ``module`` at the end; returns self.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Linear(2, 3)).append(nn.ReLU())
        >>> len(net), net(npg.ones((4, 2))).shape
        (2, (4, 3))
        """
        self.register_module(str(len(self)), module)
        return self

    def extend(self, modules: Iterable[Module]) -> _IndexedModules:
        """Append every module of ``modules``; returns self.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layers = nn.ModuleList().extend([nn.ReLU(), nn.Tanh()])
        >>> [type(m).__name__ for m in layers]
        ['ReLU', 'Tanh']
        """
        for module in modules:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (list semantics).

        The children are renumbered so the keys stay ``'0'``, ``'1'``, ...

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layers = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        >>> layers.insert(1, nn.Sigmoid())
        >>> [type(m).__name__ for m in layers]
        ['ReLU', 'Sigmoid', 'Tanh']
        """
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        values = list(self._modules.values())
        values.insert(index, module)
        self._renumber(values)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index`` (the last by default).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> layers = nn.ModuleList([nn.ReLU(), nn.Tanh()])
        >>> layers.pop(0)
        ReLU()
        >>> layers
        ModuleList(
          (0): Tanh()
        )
        """
        module = self[index]
        del self[index]
        return module


class Sequential(_IndexedModules):
    """Chain modules: the output of each is the input of the next.

    Parameters
    ----------
    *args : Module, or a single dict / OrderedDict of name -> Module
        The modules in call order. Positional modules are named ``'0'``, ``'1'``, ...

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad import nn
    >>> class AddOne(nn.Module):
    ...     def forward(self, x):
    ...         return x + 1
    >>> net = nn.Sequential(AddOne(), AddOne())
    >>> net(npg.zeros(2)).tolist()
    [2.0, 2.0]
    >>> len(net), type(net[:1]).__name__
    (2, 'Sequential')
    """

    def __init__(self, *args: Module | Mapping[str, Module]) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], Mapping):
            for key, module in args[0].items():
                self.register_module(key, module)
        else:
            for i, module in enumerate(args):
                self.register_module(str(i), module)

    def _slice(self, items: list[tuple[str, Module]]) -> Sequential:
        return Sequential(OrderedDict(items))

    def forward(self, input: Any) -> Any:
        """Run each module in turn, feeding each output to the next module.

        Consecutive :class:`Linear` layers, each optionally followed by a
        :class:`ReLU` (none with forward hooks), run as one node on a 2-D
        batch: ``LinearStack`` for two layers or more, ``AffineRelu`` for a
        single ``Linear`` and its ``ReLU``. The values and gradients are those
        of the modules run one by one; the graph has fewer nodes, which saves
        Python work, and the ReLU runs in place in the layer's result.

        Parameters
        ----------
        input : Any
            Input of the first module.

        Returns
        -------
        Any
            Output of the last module (``input`` itself when the container is empty).

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
        >>> net(npg.ones((3, 4))).shape
        (3, 2)
        >>> net(npg.ones((3, 4))).grad_fn  # the three modules as one node
        <LinearStack>
        >>> net(npg.ones((5, 3, 4))).grad_fn.next_functions[0]  # 3-D input: Linear + ReLU
        <AffineRelu>
        >>> x = npg.ones(2)
        >>> nn.Sequential()(x) is x
        True
        """
        modules = list(self._modules.values())
        n = len(modules)
        i = 0
        while i < n:
            module = modules[i]
            if type(module) is _Linear:
                # (An empty layout when this Linear has hooks or a forward of its own:
                # it then runs as a module, below.)
                end, layout, params = _linear_run(modules, i)
                if len(layout) > 1 and type(input) is _Array and input.data.ndim == 2:
                    # The whole run as one node: see numpygrad/nn/linear_stack.py.
                    input = _LinearStack(layout)._call_many((input, *params))
                    i = end
                    continue
                if layout and layout[0][1]:
                    # A Linear and its ReLU as one node (AffineRelu): same values and
                    # gradients, one node and one pass over the activations fewer.
                    input = module._forward_relu(input)
                    i += 2
                    continue
            input = module(input)
            i += 1
        return input


def _plain(module: Module) -> bool:
    """Whether running ``module`` inside a fused node skips nothing of its own call:
    no hooks, and no ``forward`` replaced on the instance."""
    return not (module._forward_pre_hooks or module._forward_hooks
                or "forward" in module.__dict__)


def _linear_run(modules: list[Module], i: int
                ) -> tuple[int, tuple[tuple[bool, bool], ...], list[Any]]:
    """The run of Linear layers (each with or without a ReLU after it) from ``modules[i]``.

    Returns the index after the run, each layer's (has bias, ReLU follows) and the
    parameters in input order: weight, then bias when there is one. A module with
    hooks (or a ``forward`` of its own) ends the run: it must see its own call.
    """
    n = len(modules)
    layout = []
    params: list[Any] = []
    while i < n:
        linear = modules[i]
        if type(linear) is not _Linear or not _plain(linear):
            break
        i += 1
        relu = False
        if i < n and type(modules[i]) is _ReLU and _plain(modules[i]):
            relu = True
            i += 1
        params.append(linear.weight)
        bias = linear.bias
        if bias is not None:
            params.append(bias)
        layout.append((bias is not None, relu))
    return i, tuple(layout), params


class ModuleList(_IndexedModules):
    """Hold submodules in a list, registering each so its parameters are found.

    Parameters
    ----------
    modules : iterable of Module, optional

    Examples
    --------
    >>> from numpygrad import nn
    >>> layers = nn.ModuleList([nn.Sequential(), nn.Sequential()])
    >>> layers.append(nn.Sequential())
    ModuleList(
      (0): Sequential()
      (1): Sequential()
      (2): Sequential()
    )
    >>> len(layers)
    3
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _slice(self, items: list[tuple[str, Module]]) -> ModuleList:
        return ModuleList(m for _, m in items)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList([*self, *other])


class ModuleDict(Module):
    """Hold submodules in an ordered dict, registering each under its key.

    Parameters
    ----------
    modules : mapping or iterable of (str, Module) pairs, optional

    Examples
    --------
    >>> from numpygrad import nn
    >>> heads = nn.ModuleDict({"cls": nn.Sequential(), "box": nn.Sequential()})
    >>> list(heads.keys()), "cls" in heads
    (['cls', 'box'], True)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None = None
                 ) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.register_module(key, module)

    def __delitem__(self, key: str) -> None:
        if key not in self._modules:
            raise KeyError(key)
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def keys(self) -> Iterable[str]:
        """Return the keys, in insertion order.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> list(nn.ModuleDict({"act": nn.ReLU(), "fc": nn.Linear(2, 2)}).keys())
        ['act', 'fc']
        """
        return self._modules.keys()

    def values(self) -> Iterable[Module]:
        """Return the modules, in insertion order.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> list(nn.ModuleDict({"act": nn.ReLU(), "out": nn.Tanh()}).values())
        [ReLU(), Tanh()]
        """
        return self._modules.values()

    def items(self) -> Iterable[tuple[str, Module]]:
        """Return the ``(key, module)`` pairs, in insertion order.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> heads = nn.ModuleDict({"cls": nn.Linear(4, 3), "box": nn.Linear(4, 2)})
        >>> x = npg.ones((1, 4))
        >>> {name: head(x).shape for name, head in heads.items()}
        {'cls': (1, 3), 'box': (1, 2)}
        """
        return self._modules.items()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace entries from a mapping or an iterable of ``(key, module)`` pairs.

        Raises
        ------
        ValueError
            If an element of an iterable is not a ``(key, module)`` pair.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> d = nn.ModuleDict({"act": nn.ReLU()})
        >>> d.update([("act", nn.Tanh()), ("out", nn.Sigmoid())])
        >>> d
        ModuleDict(
          (act): Tanh()
          (out): Sigmoid()
        )
        """
        pairs = modules.items() if isinstance(modules, Mapping) else modules
        for j, pair in enumerate(pairs):
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"ModuleDict update sequence element #{j} should be a (key, module) pair, "
                    f"got {pair!r}"
                )
            self[pair[0]] = pair[1]

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module.

        Raises
        ------
        KeyError
            If ``key`` is not present.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> d = nn.ModuleDict({"act": nn.ReLU(), "out": nn.Tanh()})
        >>> d.pop("act")
        ReLU()
        >>> list(d.keys())
        ['out']
        """
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every entry.

        Examples
        --------
        >>> import numpygrad as npg
        >>> from numpygrad import nn
        >>> d = nn.ModuleDict({"fc": nn.Linear(2, 2)})
        >>> d.clear()
        >>> len(d), list(d.parameters())
        (0, [])
        """
        for key in list(self._modules):
            del self[key]


# Imported last: Linear and ReLU are modules themselves (Sequential fuses runs of them).
from numpygrad._array import Array as _Array  # noqa: E402
from numpygrad.nn.activation import ReLU as _ReLU  # noqa: E402
from numpygrad.nn.linear import Linear as _Linear  # noqa: E402
from numpygrad.nn.linear_stack import LinearStack as _LinearStack  # noqa: E402
