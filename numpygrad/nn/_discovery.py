"""Walking a :class:`~numpygrad.nn.Module` tree: submodules, parameters and buffers.

Every walk is built on ``Module._own_members`` (in :mod:`numpygrad.nn.module`), which lists
one module's direct members in definition order.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from numpygrad._array import Array
    from numpygrad.nn.module import Module
    from numpygrad.nn.parameter import Parameter


class _ModuleDiscovery:
    """Mixin of :class:`~numpygrad.nn.Module`: iterating over modules, parameters, buffers."""

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
