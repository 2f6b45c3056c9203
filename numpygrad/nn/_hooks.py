"""Forward hooks of :class:`~numpygrad.nn.Module`: their registration and removal handle.

``Module.__call__`` runs the hooks and stays in :mod:`numpygrad.nn.module` (it is on the
training hot path); this mixin only registers them in the dicts ``Module.__init__`` creates.
"""

from __future__ import annotations

from collections.abc import Callable


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


class _ModuleHooks:
    """Mixin of :class:`~numpygrad.nn.Module`: registering forward (pre-)hooks."""

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
