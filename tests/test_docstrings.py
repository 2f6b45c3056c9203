"""Every public function, class, method and property has a runnable docstring example.

The Sphinx doctest build runs these examples; this test makes sure none is missing.
"""

from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

MODULES = [
    "numpygrad", "numpygrad.nn", "numpygrad.nn.functional", "numpygrad.nn.init",
    "numpygrad.nn.utils", "numpygrad.optim", "numpygrad.optim.lr_scheduler",
    "numpygrad.random", "numpygrad.data", "numpygrad.data.datasets", "numpygrad.testing",
    "numpygrad.functions", "numpygrad.linalg", "numpygrad.autograd", "numpygrad.serialization",
]


def _public_objects():
    seen: set[int] = set()
    for modname in MODULES:
        mod = importlib.import_module(modname)
        names = getattr(mod, "__all__", None) or [n for n in dir(mod) if not n.startswith("_")]
        for name in names:
            obj = getattr(mod, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if inspect.isclass(obj) and issubclass(obj, np.generic):
                continue  # NumPy's dtype aliases (npg.float32, ...) are NumPy's to document
            if id(obj) not in seen:
                seen.add(id(obj))
                yield f"{modname}.{name}", obj
            if inspect.isclass(obj):
                # Own and inherited members from numpygrad's classes (Array's methods live
                # partly in mixins), not those of object or other libraries.
                members = {}
                for klass in reversed(obj.__mro__):
                    if klass.__module__.startswith("numpygrad"):
                        members.update(vars(klass))
                for attr, value in members.items():
                    if attr.startswith("_"):
                        continue
                    if isinstance(value, property):
                        value = value.fget
                    elif isinstance(value, (classmethod, staticmethod)):
                        value = value.__func__
                    elif not inspect.isfunction(value):
                        continue
                    if id(value) not in seen:
                        seen.add(id(value))
                        yield f"{modname}.{name}.{attr}", value


def test_every_public_object_has_an_example():
    missing = [name for name, obj in _public_objects() if ">>>" not in (inspect.getdoc(obj) or "")]
    assert not missing, "public names without a docstring example:\n" + "\n".join(missing)


@pytest.mark.parametrize("modname", MODULES)
def test_modules_import(modname):
    assert importlib.import_module(modname).__doc__
