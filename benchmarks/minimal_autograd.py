"""The smallest autograd that runs the op chain: a floor for framework overhead.

The chain case (``benchmarks/cases/chain.py``) times numpygrad against NumPy
alone, but part of any define-by-run framework's cost is irreducible Python: an
object per result and per node, a method call per op and per backward step. This
module is that part and nothing more -- the four ops of the chain (``*``, ``+``,
``tanh``, ``sum``), a node per op, and a backward loop -- with none of what makes
numpygrad a framework: no grad mode, no version counters, no broadcasting or dtype
handling, no shape checks, no hooks, no freeing of the graph, no Python scalars,
no heap (it only follows a chain). Its time per op says how much of numpygrad's
overhead any autograd written in Python would pay on this machine.
"""

from __future__ import annotations

from typing import Any

import numpy as np


class Var:
    """An array with the node that made it (``None`` for a leaf) and a gradient."""

    __slots__ = ("data", "node", "grad")

    def __init__(self, data: np.ndarray, node: Node | None = None) -> None:
        self.data = data
        self.node = node
        self.grad: np.ndarray | None = None

    def __mul__(self, other: Var) -> Var:
        return Mul()(self, other)

    def __add__(self, other: Var) -> Var:
        return Add()(self, other)


class Node:
    """One op of the graph: its inputs, and where their gradients go."""

    __slots__ = ("inputs", "edges")

    def __call__(self, a: Var, b: Var | None = None) -> Var:
        # The edges say where each input's gradient goes: its node, or the leaf itself.
        # (One and two inputs written out: a loop would cost more than the rest.)
        if b is None:
            self.inputs = (a,)
            self.edges = (a.node or a,)
            return Var(self.forward(a.data), self)
        self.inputs = (a, b)
        self.edges = (a.node or a, b.node or b)
        return Var(self.forward(a.data, b.data), self)

    def forward(self, *data: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def backward(self, g: np.ndarray) -> tuple[Any, ...]:
        raise NotImplementedError


class Mul(Node):
    __slots__ = ()

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.multiply(a, b)

    def backward(self, g: np.ndarray) -> tuple[Any, ...]:
        a, b = self.inputs
        if a is b:  # x * x: one gradient, as numpygrad hands it on
            return g * (a.data + a.data), None
        return g * b.data, None  # (the chain's right operand is a constant)


class Add(Node):
    __slots__ = ()

    def forward(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.add(a, b)

    def backward(self, g: np.ndarray) -> tuple[Any, ...]:
        return g, None


class Tanh(Node):
    __slots__ = ("y",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.y = np.tanh(a)
        return self.y

    def backward(self, g: np.ndarray) -> tuple[Any, ...]:
        y = self.y
        return (g * (1 - y * y),)


class Sum(Node):
    __slots__ = ("shape",)

    def forward(self, a: np.ndarray) -> np.ndarray:
        self.shape = a.shape
        return np.asarray(np.add.reduce(a, axis=None))

    def backward(self, g: np.ndarray) -> tuple[Any, ...]:
        return (np.broadcast_to(g, self.shape),)


def backward(root: Var) -> None:
    """Backpropagate from ``root`` along a chain, into the leaves' ``grad``.

    Examples
    --------
    >>> x, a = Var(np.array([1.0, 2.0])), Var(np.array([3.0, 4.0]))
    >>> backward(Sum()(Tanh()(x * a)))
    >>> bool(np.allclose(x.grad, a.data * (1 - np.tanh(x.data * a.data) ** 2)))
    True
    """
    node: Any = root.node
    g = np.ones_like(root.data)
    while node is not None:
        nxt = None
        for edge, gi in zip(node.edges, node.backward(g)):
            if gi is None:
                continue
            if isinstance(edge, Node):
                nxt, g = edge, gi
            else:
                edge.grad = gi if edge.grad is None else edge.grad + gi
        node = nxt

