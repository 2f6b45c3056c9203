"""Index contractions: einsum, tensordot, diagonal and trace.

``einsum`` canonicalises its subscripts first (the ellipsis becomes explicit
letters, implicit mode gets its ``->`` output), so the node only ever sees
plain letters. The gradient for an operand is then one more einsum: the output
gradient contracted with every other operand, with an identity matrix per
repeated letter (the gradient of a diagonal lands on the diagonal), a ones
vector per letter found in that operand alone (a summed-out axis broadcasts
back) and a length-1 ones vector per axis that NumPy stretched by broadcasting
(its gradient is summed back to length 1). Backward calls ``Einsum`` again, so
it is differentiable again.
"""

from __future__ import annotations

import string
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from numpygrad._array import Array
from numpygrad.autograd.function import Function, lift

__all__ = ["einsum", "tensordot", "diagonal", "trace"]

_LETTERS = string.ascii_letters


def _parse(subscripts: str, shapes: list[tuple[int, ...]]) -> tuple[list[str], str]:
    """Return the input and output subscripts with ``...`` replaced by letters."""
    s = subscripts.replace(" ", "")
    explicit = "->" in s
    lhs, _, out = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s), "
                         f"but {len(shapes)} were given")
    for t in [*terms, out]:
        if t.replace("...", "").strip(_LETTERS) or t.count("...") > 1 or "->" in out:
            raise ValueError(f"einsum: invalid subscripts {subscripts!r}; use letters a-z, "
                             "A-Z, at most one '...' per operand and at most one '->'")
    pool = [c for c in _LETTERS if c not in s]
    ell_dims = []
    for k, (t, shape) in enumerate(zip(terms, shapes)):
        named = len(t.replace("...", ""))
        if named > len(shape) or ("..." not in t and named != len(shape)):
            raise ValueError(f"einsum: operand {k} has shape {shape} ({len(shape)} dimensions) "
                             f"but its subscripts {t!r} name {named}")
        ell_dims.append(len(shape) - named)
    n_ell = max(ell_dims, default=0)
    if n_ell > len(pool):
        raise ValueError(f"einsum: too many dimensions for {subscripts!r}; at most 52 "
                         "distinct letters are available")
    # Broadcast dimensions align on the right, as in NumPy.
    ell = "".join(pool[:n_ell])
    ins = [t.replace("...", ell[n_ell - d:]) for t, d in zip(terms, ell_dims)]
    if explicit:
        for c in out.replace("...", ""):
            if out.count(c) > 1:
                raise ValueError(f"einsum: output subscript {c!r} appears more than once in "
                                 f"{subscripts!r}")
            if c not in lhs:
                raise ValueError(f"einsum: output subscript {c!r} never appears in an input "
                                 f"of {subscripts!r}")
        if "..." in out:
            out = out.replace("...", ell)
        elif n_ell:
            raise ValueError(f"einsum: {subscripts!r} has broadcast ('...') dimensions in the "
                             "inputs but no '...' in the output")
    else:
        # Implicit mode: broadcast dims, then letters seen exactly once, sorted.
        joined = "".join(terms)
        out = ell + "".join(sorted(c for c in set(joined) if c != "." and joined.count(c) == 1))
    return ins, out


def _optimize(arrays: tuple[np.ndarray, ...]) -> bool:
    # Path search costs ~10 us: worth it for 3+ operands or for products big
    # enough that NumPy's BLAS-backed tensordot beats its C loops.
    return len(arrays) > 2 or (len(arrays) == 2 and arrays[0].size * arrays[1].size > 1 << 16)


class Einsum(Function):
    """Einstein summation over canonical (letters-only) subscripts."""

    def __init__(self, ins: list[str], out: str) -> None:
        self.ins = ins
        self.out = out

    def forward(self, *arrays: np.ndarray) -> np.ndarray:
        spec = ",".join(self.ins) + "->" + self.out
        res = np.einsum(spec, *arrays, optimize=_optimize(arrays))
        # Each letter's broadcast size, to spot operands stretched along it.
        self.sizes: dict[str, int] = {}
        for sub, a in zip(self.ins, arrays):
            for c, n in zip(sub, a.shape):
                if n != 1 or c not in self.sizes:
                    self.sizes[c] = n
        # Single-operand einsum may return a view (transpose, diagonal); the
        # result must own its memory so an in-place edit cannot reach an input.
        if isinstance(res, np.ndarray) and any(np.may_share_memory(res, a) for a in arrays):
            res = res.copy()
        return res

    def backward(self, grad: Array) -> tuple[Array | None, ...]:
        xs = self.inputs
        grads: list[Array | None] = []
        for k in range(len(xs)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [xs[j] for j in range(len(xs)) if j != k]
            subs, target, extra = self._grad_terms(k, grad.data, [x.data for x in others])
            grads.append(Einsum.apply(grad, *others, *extra, ins=subs, out=target))
        return tuple(grads)

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        xs = [x.data for x in self.inputs]
        grads: list[np.ndarray | None] = []
        for k in range(len(xs)):
            if not self.needs_input_grad[k]:
                grads.append(None)
                continue
            others = xs[:k] + xs[k + 1:]
            subs, target, extra = self._grad_terms(k, grad, others)
            ops = (grad, *others, *extra)
            spec = ",".join(subs) + "->" + target
            # (asarray: a 0-d result is a NumPy scalar)
            grads.append(np.asarray(np.einsum(spec, *ops, optimize=_optimize(ops))))
        return tuple(grads)

    def _grad_terms(self, k: int, grad: np.ndarray, others: list[np.ndarray]
                    ) -> tuple[list[str], str, list[np.ndarray]]:
        """The einsum giving operand ``k``'s gradient from ``grad`` and the other operands.

        Returns its input subscripts (``grad``'s, the others', then those of the
        constant operands), its output subscripts and the constant operands (ones
        and identity matrices of ``grad``'s dtype).
        """
        taken = set("".join(self.ins) + self.out)
        fresh = (c for c in _LETTERS if c not in taken)
        subs = [self.out] + [self.ins[j] for j in range(len(self.ins)) if j != k]
        extra: list[np.ndarray] = []
        extra_subs: list[str] = []
        # Sizes along each letter among the other operands (1 if only stretched).
        present: dict[str, int] = {}
        for sub, a in zip(subs, [grad, *others]):
            for c, n in zip(sub, a.shape):
                present[c] = n if present.get(c, 1) == 1 else present[c]
        target = ""
        for c, n in zip(self.ins[k], self.inputs[k].data.shape):
            stretched = n == 1 and self.sizes[c] != 1
            if stretched or c in target:
                f = next(fresh, None)
                if f is None:
                    raise ValueError("einsum: no letters left to differentiate "
                                     f"{','.join(self.ins)}->{self.out}")
                target += f
                if stretched:
                    # x was broadcast along c: sum c away, keep a length-1 axis.
                    extra.append(np.ones(1, dtype=grad.dtype))
                    extra_subs.append(f)
                else:
                    # A repeated letter is a diagonal: route it through eye(n).
                    extra.append(np.eye(n, dtype=grad.dtype))
                    extra_subs.append(c + f)
                continue
            if present.get(c) != n:
                # Summed out in forward, or known to the others only as a
                # broadcast length-1 axis: the gradient broadcasts along it.
                extra.append(np.ones(n, dtype=grad.dtype))
                extra_subs.append(c)
                present[c] = n
            target += c
        return subs + extra_subs, target, extra


def einsum(subscripts: str, *operands: Any) -> Array:
    """Einstein summation (NumPy's ``einsum``), differentiable for every operand.

    Supports explicit (``'ij,jk->ik'``) and implicit (``'ij,jk'``) mode,
    repeated letters within an operand (``'ii->i'`` takes a diagonal),
    summed-out letters, and ``...`` for broadcast dimensions.

    Parameters
    ----------
    subscripts : str
        The subscripts, letters ``a-z`` and ``A-Z``. The interleaved
        ``(operand, sublist)`` form is not supported.
    *operands : Array or array_like
        One operand per comma-separated term.

    Returns
    -------
    Array
        The contraction; it never shares memory with an operand.

    Examples
    --------
    >>> import numpygrad as npg
    >>> a = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> npg.einsum("ii->", a)
    Array(5., grad_fn=<Einsum>)
    >>> npg.einsum("ij,j->i", a, npg.array([1.0, 1.0]))
    Array([3., 7.], grad_fn=<Einsum>)
    >>> npg.einsum("ii", a).backward()
    >>> a.grad
    Array([[1., 0.],
           [0., 1.]])
    """
    if not isinstance(subscripts, str):
        raise TypeError("einsum: the first argument must be a subscripts string such as "
                        f"'ij,jk->ik', got {type(subscripts).__name__}")
    arrays = lift(operands)
    ins, out = _parse(subscripts, [a.shape for a in arrays])
    return Einsum.apply(*arrays, ins=ins, out=out)


def _tensordot_axes(axes: Any, sa: tuple[int, ...], sb: tuple[int, ...]
                    ) -> tuple[list[int], list[int]]:
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > len(sa) or n > len(sb):
            raise ValueError(f"tensordot: axes={n} is invalid for shapes {sa} and {sb}")
        ax_a, ax_b = list(range(len(sa) - n, len(sa))), list(range(n))
    else:
        try:
            ax_a, ax_b = axes
        except (TypeError, ValueError):
            raise TypeError("tensordot: axes must be an int or a pair of axis sequences, "
                            f"got {axes!r}") from None
        ax_a = [ax_a] if isinstance(ax_a, (int, np.integer)) else list(ax_a)
        ax_b = [ax_b] if isinstance(ax_b, (int, np.integer)) else list(ax_b)
        ax_a = [normalize_axis_index(int(i), len(sa)) for i in ax_a]
        ax_b = [normalize_axis_index(int(i), len(sb)) for i in ax_b]
    if len(ax_a) != len(ax_b) or len(set(ax_a)) < len(ax_a) or len(set(ax_b)) < len(ax_b):
        raise ValueError(f"tensordot: axes {ax_a} and {ax_b} must be distinct and of equal "
                         "length")
    for i, j in zip(ax_a, ax_b):
        if sa[i] != sb[j]:
            raise ValueError(f"tensordot: shape mismatch for sum between {sa} and {sb}: axis "
                             f"{i} has size {sa[i]} but axis {j} has size {sb[j]}")
    return ax_a, ax_b


class Tensordot(Function):
    """``np.tensordot`` over normalised axis lists."""

    def __init__(self, axes_a: list[int], axes_b: list[int]) -> None:
        self.axes_a = axes_a
        self.axes_b = axes_b

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.tensordot(a, b, (self.axes_a, self.axes_b))

    def backward(self, grad: Array) -> tuple[Array | None, Array | None]:
        from numpygrad.ops.shape import transpose

        a, b = self.inputs
        (axes_ga, perm_a), (axes_gb, perm_b) = self._grad_layout()
        ga = transpose(tensordot(grad, b, axes_ga), perm_a) if self.needs_input_grad[0] else None
        gb = transpose(tensordot(a, grad, axes_gb), perm_b) if self.needs_input_grad[1] else None
        return ga, gb

    def backward_data(self, grad: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        a, b = self.inputs[0].data, self.inputs[1].data
        (axes_ga, perm_a), (axes_gb, perm_b) = self._grad_layout()
        ga = np.tensordot(grad, b, axes_ga).transpose(perm_a) if self.needs_input_grad[0] else None
        gb = np.tensordot(a, grad, axes_gb).transpose(perm_b) if self.needs_input_grad[1] else None
        return ga, gb

    def _grad_layout(self) -> tuple[tuple[Any, tuple[int, ...]], tuple[Any, tuple[int, ...]]]:
        """For each operand: the tensordot axes giving its gradient (``grad`` with b,
        or a with ``grad``) and the permutation putting that result in its layout."""
        ndim_a, ndim_b = self.inputs[0].ndim, self.inputs[1].ndim
        ax_a, ax_b = self.axes_a, self.axes_b
        free_a = [i for i in range(ndim_a) if i not in ax_a]
        free_b = [i for i in range(ndim_b) if i not in ax_b]
        nfa = len(free_a)
        # grad @ b: free axes of a, then a's partners of b's summed axes in b's order.
        layout = free_a + [ax_a[ax_b.index(j)] for j in sorted(ax_b)]
        for_a = ((list(range(nfa, nfa + len(free_b))), free_b),
                 tuple(layout.index(i) for i in range(ndim_a)))
        layout = [ax_b[ax_a.index(i)] for i in sorted(ax_a)] + free_b
        for_b = ((free_a, list(range(nfa))), tuple(layout.index(j) for j in range(ndim_b)))
        return for_a, for_b


def tensordot(a: Any, b: Any, axes: Any = 2) -> Array:
    """Sum products over the given axes of ``a`` and ``b`` (NumPy's ``tensordot``).

    ``axes=n`` sums the last ``n`` axes of ``a`` with the first ``n`` of
    ``b``; ``axes=(axes_a, axes_b)`` pairs axes explicitly. The result has the
    free axes of ``a`` followed by the free axes of ``b``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> a = npg.ones((2, 3, 4))
    >>> npg.tensordot(a, npg.ones((3, 4, 5))).shape
    (2, 5)
    >>> npg.tensordot(a, npg.ones((4, 3)), axes=([1, 2], [1, 0])).shape
    (2,)
    """
    a, b = lift((a, b))
    ax_a, ax_b = _tensordot_axes(axes, a.shape, b.shape)
    return Tensordot.apply(a, b, axes_a=ax_a, axes_b=ax_b)


class Diagonal(Function):
    """A diagonal (a copy; NumPy's diagonal view is read-only)."""

    save_inputs = False

    def __init__(self, offset: int, axis1: int, axis2: int) -> None:
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.in_shape = x.shape
        return np.diagonal(x, self.offset, self.axis1, self.axis2).copy()

    def backward(self, grad: Array) -> Array:
        return DiagonalScatter.apply(grad, shape=self.in_shape, offset=self.offset,
                                     axis1=self.axis1, axis2=self.axis2)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return DiagonalScatter(self.in_shape, self.offset, self.axis1, self.axis2).forward(grad)


class DiagonalScatter(Function):
    """Zeros of ``shape`` with the input written onto a diagonal (adjoint of Diagonal)."""

    save_inputs = False

    def __init__(self, shape: tuple[int, ...], offset: int, axis1: int, axis2: int) -> None:
        self.shape, self.offset, self.axis1, self.axis2 = shape, offset, axis1, axis2

    def forward(self, g: np.ndarray) -> np.ndarray:
        out = np.zeros(self.shape, dtype=g.dtype)
        # np.diagonal puts the diagonal last and keeps the other axes in order;
        # moving axis1, axis2 to the end gives the same layout, writably.
        view = np.moveaxis(out, (self.axis1, self.axis2), (-2, -1))
        i = np.arange(g.shape[-1])
        view[..., i + max(-self.offset, 0), i + max(self.offset, 0)] = g
        return out

    def backward(self, grad: Array) -> Array:
        return diagonal(grad, self.offset, self.axis1, self.axis2)

    def backward_data(self, grad: np.ndarray) -> np.ndarray:
        return np.diagonal(grad, self.offset, self.axis1, self.axis2)  # (a read-only view)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """The diagonal of ``x`` over ``axis1`` and ``axis2`` (NumPy's ``diagonal``).

    The diagonal becomes the last axis; ``offset > 0`` picks a diagonal above
    the main one. The gradient is scattered back onto that diagonal.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> npg.diagonal(x)
    Array([1., 4.], grad_fn=<Diagonal>)
    >>> npg.diagonal(x, offset=1).sum().backward()
    >>> x.grad
    Array([[0., 1.],
           [0., 0.]])
    """
    (x,) = lift((x,))
    if x.ndim < 2:
        raise ValueError(f"diagonal requires an array of at least two dimensions, got shape "
                         f"{x.shape}")
    a1, a2 = normalize_axis_index(axis1, x.ndim), normalize_axis_index(axis2, x.ndim)
    if a1 == a2:
        raise ValueError(f"diagonal: axis1 and axis2 cannot be the same (both are {a1})")
    return Diagonal.apply(x, offset=int(offset), axis1=a1, axis2=a2)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Array:
    """Sum along a diagonal (NumPy's ``trace``); other axes are kept.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    >>> t = npg.trace(x)
    >>> t
    Array(5., grad_fn=<Sum>)
    >>> t.backward()
    >>> x.grad
    Array([[1., 0.],
           [0., 1.]])
    """
    from numpygrad.ops.reduction import sum as sum_

    return sum_(diagonal(x, offset, axis1, axis2), axis=-1)
