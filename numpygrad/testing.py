"""Gradient checking and comparison helpers (public, for users and for our tests).

:func:`gradcheck` compares the gradients computed by backward with central
finite differences in float64, with PyTorch's defaults (``eps=1e-6``,
``atol=1e-5``, ``rtol=1e-3``). :func:`gradgradcheck` does the same for the
gradient of the gradient, which proves that a backward formula is itself
differentiable (``create_graph=True``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from numpygrad._array import Array, _wrap
from numpygrad.autograd.engine import grad as _grad

__all__ = ["gradcheck", "gradgradcheck", "numerical_jacobian", "assert_allclose",
           "GradcheckError"]


class GradcheckError(AssertionError):
    """Raised when analytical and numerical gradients disagree.

    An ``AssertionError`` raised by :func:`gradcheck` and
    :func:`gradgradcheck` when ``raise_exception=True`` (the default).

    Examples
    --------
    >>> import numpygrad as npg
    >>> from numpygrad.testing import GradcheckError, gradcheck
    >>> class BadSquare(npg.Function):
    ...     def forward(self, x):
    ...         return x * x
    ...     def backward(self, grad):
    ...         return grad * self.inputs[0]  # should be 2 * x
    >>> x = npg.array([1.0, 2.0], dtype="float64", requires_grad=True)
    >>> try:
    ...     gradcheck(BadSquare.apply, [x])
    ... except GradcheckError:
    ...     print("mismatch")
    mismatch
    """


def _as_tuple(x: Any) -> tuple[Any, ...]:
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(fn: Callable[..., Any], inputs: Sequence[Any]) -> tuple[Array, ...]:
    return tuple(o for o in _as_tuple(fn(*inputs)) if isinstance(o, Array))


def numerical_jacobian(
    fn: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6
) -> list[list[np.ndarray]]:
    """Central-difference Jacobians ``J[i][j]`` of output ``i`` w.r.t. input ``j``.

    Each Jacobian has shape ``(output.size, input.size)``; inputs that do not
    require grad get ``None``.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([1.0, 2.0], dtype="float64", requires_grad=True)
    >>> J = npg.testing.numerical_jacobian(lambda v: v * v, [x])
    >>> J[0][0].round(6)
    array([[2., 0.],
           [0., 4.]])
    """
    # fn runs with grad mode as the caller has it: gradgradcheck's fn itself
    # differentiates. Perturbing ``x.data`` directly bypasses the version counter.
    outs = _outputs(fn, inputs)
    jac: list[list[Any]] = [[None] * len(inputs) for _ in outs]
    for j, x in enumerate(inputs):
        if not (isinstance(x, Array) and x.requires_grad):
            continue
        for i, o in enumerate(outs):
            jac[i][j] = np.zeros((o.size, x.size))
        flat = x.data.reshape(-1)
        if x.size and not np.shares_memory(flat, x.data):
            raise ValueError("numerical_jacobian needs inputs with contiguous data")
        for k in range(x.size):
            orig = flat[k].copy()
            flat[k] = orig + eps
            plus = [o.data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[k] = orig - eps
            minus = [o.data.astype(np.float64).ravel() for o in _outputs(fn, inputs)]
            flat[k] = orig
            for i in range(len(outs)):
                jac[i][j][:, k] = (plus[i] - minus[i]) / (2 * eps)
    return jac


def _analytical_jacobian(
    outs: Sequence[Array], inputs: Sequence[Any], create_graph: bool = False
) -> list[list[np.ndarray | None]]:
    diff = [x for x in inputs if isinstance(x, Array) and x.requires_grad]
    jac: list[list[Any]] = []
    for o in outs:
        rows: list[Any] = [None] * len(inputs)
        for j, x in enumerate(inputs):
            if isinstance(x, Array) and x.requires_grad:
                rows[j] = np.zeros((o.size, x.size))
        if o.requires_grad:
            for r in range(o.size):
                seed = np.zeros(o.shape, dtype=o.dtype)
                seed.reshape(-1)[r] = 1
                gs = _grad(o, diff, grad_outputs=_wrap(seed), retain_graph=True,
                           create_graph=create_graph, allow_unused=True)
                for g, x in zip(gs, diff):
                    j = next(k for k, y in enumerate(inputs) if y is x)
                    if g is not None:
                        rows[j][r, :] = g.data.reshape(-1)
        jac.append(rows)
    return jac


def _check_dtypes(inputs: Sequence[Any]) -> None:
    for k, x in enumerate(inputs):
        if isinstance(x, Array) and x.requires_grad and x.dtype != np.float64:
            warnings.warn(
                f"Input #{k} requires gradient and is not float64; this check will likely fail "
                "if the inputs are not of double precision.",
                UserWarning,
                stacklevel=3,
            )


def gradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    check_recorded: bool = True,
) -> bool:
    """Check backward against central finite differences.

    Compares, for every output and every input that requires grad, the
    Jacobian built from backward passes with the one built from central
    differences. Use float64 inputs, away from kinks. The Jacobian is built
    twice: from first-order passes, which run each op's
    :meth:`~numpygrad.Function.backward_data`, and from ``create_graph=True``
    passes, which run :meth:`~numpygrad.Function.backward`; so an op whose two
    formulas disagree fails.

    Parameters
    ----------
    fn : callable
        Takes the inputs and returns an Array or a tuple of Arrays.
    inputs : Array or sequence
        The arguments; those that require grad are checked.
    eps, atol, rtol : float
        Step and tolerances (PyTorch's defaults).
    raise_exception : bool
        Raise :class:`GradcheckError` on a mismatch instead of returning False.
    check_recorded : bool
        Also check the ``create_graph=True`` passes (``backward``). Turn it off
        for a function whose backward cannot be recorded (it raises then).

    Returns
    -------
    bool
        True if every Jacobian matches.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([0.5, 1.5], dtype="float64", requires_grad=True)
    >>> npg.testing.gradcheck(lambda v: (v * v).exp(), [x])
    True
    """
    inputs = _as_tuple(inputs)
    _check_dtypes(inputs)
    outs = _outputs(fn, inputs)
    numerical = numerical_jacobian(fn, inputs, eps)
    passes = [("", False)]
    if check_recorded:
        passes.append((" (create_graph=True, i.e. backward rather than backward_data)", True))
    for how, create_graph in passes:
        analytical = _analytical_jacobian(outs, inputs, create_graph)
        for i in range(len(outs)):
            for j in range(len(inputs)):
                a, n = analytical[i][j], numerical[i][j]
                if a is None:
                    continue
                if not np.allclose(a, n, rtol=rtol, atol=atol, equal_nan=False):
                    if raise_exception:
                        raise GradcheckError(
                            f"Jacobian mismatch for output {i} with respect to input {j}"
                            f"{how},\nnumerical:{n}\nanalytical:{a}\n"
                        )
                    return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Any,
    grad_outputs: Any = None,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    seed: int = 0,
) -> bool:
    """Check second derivatives: gradcheck of the gradient of ``fn``.

    The gradient of each output (weighted by ``grad_outputs``, random by
    default) w.r.t. the inputs is computed with ``create_graph=True`` and
    checked against finite differences of itself.

    Examples
    --------
    >>> import numpygrad as npg
    >>> x = npg.array([0.5, 1.5], dtype="float64", requires_grad=True)
    >>> npg.testing.gradgradcheck(lambda v: v ** 3, [x])
    True
    """
    inputs = _as_tuple(inputs)
    _check_dtypes(inputs)
    outs = _outputs(fn, inputs)
    rng = np.random.default_rng(seed)
    if grad_outputs is None:
        gos = [_wrap(rng.standard_normal(o.shape).astype(o.dtype)) for o in outs]
    else:
        gos = [g if isinstance(g, Array) else _wrap(np.asarray(g)) for g in
               _as_tuple(grad_outputs)]
    diff = [x for x in inputs if isinstance(x, Array) and x.requires_grad]

    def first_grad(*xs: Any) -> tuple[Array, ...]:
        # Pair each output with its own grad_output before dropping those
        # without grad (slicing ``gos`` misaligned them).
        pairs = [(o, go) for o, go in zip(_outputs(fn, xs), gos) if o.requires_grad]
        if not pairs:
            return ()
        d = [x for x in xs if isinstance(x, Array) and x.requires_grad]
        gs = _grad([o for o, _ in pairs], d, grad_outputs=[go for _, go in pairs],
                   create_graph=True, allow_unused=True)
        # Keep gradients that do not require grad: a backward that detaches is
        # exactly what this check must catch (its analytical Jacobian is zero).
        # Dropping them made gradgradcheck pass such a backward.
        return tuple(g for g in gs if g is not None)

    if not diff:
        return True
    return gradcheck(first_grad, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def assert_allclose(actual: Any, desired: Any, rtol: float = 1e-7, atol: float = 0.0,
                    check_dtype: bool = False) -> None:
    """Assert two arrays (Arrays, ndarrays or numbers) are elementwise close.

    Examples
    --------
    >>> import numpygrad as npg
    >>> npg.testing.assert_allclose(npg.array([1.0, 2.0]), [1.0, 2.0])
    """
    a = actual.data if isinstance(actual, Array) else np.asarray(actual)
    d = desired.data if isinstance(desired, Array) else np.asarray(desired)
    if check_dtype and a.dtype != d.dtype:
        raise AssertionError(f"dtype mismatch: {a.dtype} != {d.dtype}")
    np.testing.assert_allclose(a, d, rtol=rtol, atol=atol)
