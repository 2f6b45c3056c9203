"""Array methods that delegate to the functions in :mod:`numpygrad.ops`.

Kept apart from ``_array.py`` so the class stays readable; every method is a
one-line call to the documented function of the same name.
"""

from __future__ import annotations

from typing import Any

from numpygrad.ops import activation as _act
from numpygrad.ops import arithmetic as _ar
from numpygrad.ops import comparison as _cmp
from numpygrad.ops import elementwise as _ew
from numpygrad.ops import indexing as _idx
from numpygrad.ops import linalg as _la
from numpygrad.ops import reduction as _red
from numpygrad.ops import scan as _scan
from numpygrad.ops import shape as _sh
from numpygrad.ops import statistics as _stat


def _method(fn: Any, doc_name: str) -> Any:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = doc_name
    method.__qualname__ = f"Array.{doc_name}"
    method.__doc__ = fn.__doc__
    return method


# name -> (module, function name). Only names whose function exists are bound,
# so the method list grows as ops are added to the op modules.
_METHODS = {
    # elementwise
    "exp": (_ew, "exp"), "log": (_ew, "log"), "log1p": (_ew, "log1p"), "expm1": (_ew, "expm1"),
    "sqrt": (_ew, "sqrt"), "square": (_ew, "square"), "reciprocal": (_ew, "reciprocal"),
    "abs": (_ew, "abs"), "sign": (_ew, "sign"), "sin": (_ew, "sin"), "cos": (_ew, "cos"),
    "tan": (_ew, "tan"), "tanh": (_ew, "tanh"), "sigmoid": (_ew, "sigmoid"),
    "relu": (_ew, "relu"), "clip": (_ew, "clip"), "clamp": (_ew, "clip"),
    "floor": (_ew, "floor"), "ceil": (_ew, "ceil"),
    "maximum": (_ew, "maximum"), "minimum": (_ew, "minimum"), "pow": (_ar, "power"),
    "add": (_ar, "add"), "sub": (_ar, "subtract"), "mul": (_ar, "multiply"),
    "div": (_ar, "divide"), "neg": (_ar, "negative"),
    "softmax": (_act, "softmax"), "log_softmax": (_act, "log_softmax"),
    "logaddexp": (_ew, "logaddexp"),
    # reductions
    "sum": (_red, "sum"), "mean": (_red, "mean"), "var": (_stat, "var"), "std": (_stat, "std"),
    "prod": (_red, "prod"), "max": (_red, "max"), "min": (_red, "min"),
    "amax": (_red, "max"), "amin": (_red, "min"),
    "logsumexp": (_red, "logsumexp"), "cumsum": (_scan, "cumsum"),
    "cumprod": (_scan, "cumprod"),
    "argmax": (_cmp, "argmax"), "argmin": (_cmp, "argmin"), "all": (_cmp, "all"),
    "any": (_cmp, "any"),
    # linear algebra
    "matmul": (_la, "matmul"), "dot": (_la, "dot"), "trace": (_la, "trace"),
    "diagonal": (_la, "diagonal"), "norm": (_la, "norm"),
    # shape
    "reshape": (_sh, "reshape"), "view": (_sh, "view"), "transpose": (_sh, "transpose"),
    "permute": (_sh, "permute"), "swapaxes": (_sh, "swapaxes"), "moveaxis": (_sh, "moveaxis"),
    "squeeze": (_sh, "squeeze"), "unsqueeze": (_sh, "unsqueeze"),
    "expand_dims": (_sh, "expand_dims"), "flatten": (_sh, "flatten"),
    "broadcast_to": (_sh, "broadcast_to"), "expand": (_sh, "expand"),
    "repeat": (_sh, "repeat"), "tile": (_sh, "tile"), "flip": (_sh, "flip"),
    "roll": (_sh, "roll"), "split": (_sh, "split"), "chunk": (_sh, "chunk"),
    "triu": (_sh, "triu"), "tril": (_sh, "tril"),
    # indexing
    "gather": (_idx, "gather"), "take_along_axis": (_idx, "take_along_axis"),
    "masked_fill": (_idx, "masked_fill"), "setitem": (_idx, "setitem"),
    "nonzero": (_cmp, "nonzero"),
    # non-differentiable
    "sort": (_cmp, "sort"), "argsort": (_cmp, "argsort"), "round": (_cmp, "round_"),
    "isnan": (_cmp, "isnan"), "isinf": (_cmp, "isinf"), "isfinite": (_cmp, "isfinite"),
    "eq": (_cmp, "equal"), "ne": (_cmp, "not_equal"), "lt": (_cmp, "less"),
    "le": (_cmp, "less_equal"), "gt": (_cmp, "greater"), "ge": (_cmp, "greater_equal"),
}


def install(cls: type) -> None:
    """Bind every available op function as a method of ``cls``."""
    for name, (module, fn_name) in _METHODS.items():
        if name in cls.__dict__:
            continue
        fn = getattr(module, fn_name, None)
        if fn is not None:
            setattr(cls, name, _method(fn, name))
