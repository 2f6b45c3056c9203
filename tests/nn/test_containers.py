"""Sequential, ModuleList and ModuleDict."""

from collections import OrderedDict

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.containers import ModuleDict, ModuleList, Sequential
from numpygrad.nn.module import Module, Parameter


class Affine(Module):
    """y = a * x + b with scalar parameters (no dependency on nn.Linear)."""

    def __init__(self, a=1.0, b=0.0):
        super().__init__()
        self.a = Parameter([a])
        self.b = Parameter([b])

    def forward(self, x):
        return x * self.a + self.b

    def extra_repr(self):
        return f"a={self.a.item()}, b={self.b.item()}"


def keys(module):
    return [n for n, _ in module.named_parameters()]


# ----------------------------------------------------------------- Sequential
def test_sequential_forward_chains_in_order():
    seq = Sequential(Affine(2.0, 0.0), Affine(1.0, 3.0))
    assert seq(npg.array([1.0])).tolist() == [5.0]  # (1*2)+3, not (1+3)*2
    assert keys(seq) == ["0.a", "0.b", "1.a", "1.b"]


def test_sequential_from_ordered_dict_and_dict():
    seq = Sequential(OrderedDict([("first", Affine()), ("second", Affine())]))
    assert keys(seq) == ["first.a", "first.b", "second.a", "second.b"]
    assert seq.first is seq[0]
    assert list(Sequential({"x": Affine()}).state_dict()) == ["x.a", "x.b"]


def test_sequential_indexing_slicing_len_iter():
    mods = [Affine(float(i)) for i in range(4)]
    seq = Sequential(*mods)
    assert len(seq) == 4 and list(seq) == mods
    assert seq[-1] is mods[3] and seq[0] is mods[0]
    part = seq[1:3]
    assert type(part) is Sequential and list(part) == mods[1:3]
    assert list(part._modules) == ["1", "2"]  # slices keep their keys, as in torch
    with pytest.raises(IndexError, match="index 4 is out of range"):
        seq[4]
    with pytest.raises(IndexError, match="index -5 is out of range"):
        seq[-5]
    with pytest.raises(TypeError, match="must be integers or slices"):
        seq["0"]


def test_sequential_mutation_renumbers():
    a, b, c, d = (Affine(float(i)) for i in range(4))
    seq = Sequential(a, b)
    assert seq.append(c) is seq
    seq.insert(0, d)
    assert list(seq) == [d, a, b, c]
    assert list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq) == [d, b, c] and keys(seq)[:2] == ["0.a", "0.b"]
    assert list(seq._modules) == ["0", "1", "2"]
    assert seq.pop() is c and len(seq) == 2
    seq[0] = a
    assert list(seq) == [a, b]
    seq.extend([c, d])
    assert [n for n, _ in seq.named_children()] == ["0", "1", "2", "3"]
    del seq[1:3]
    assert list(seq) == [a, d]
    with pytest.raises(TypeError, match="not a Module subclass"):
        seq.append(3)
    with pytest.raises(TypeError, match="not a Module subclass"):
        Sequential(Affine(), "relu")


def test_empty_sequential_is_identity():
    x = npg.ones(2)
    assert Sequential()(x) is x


def test_sequential_state_dict_round_trip():
    src = Sequential(Affine(2.0, 1.0), Sequential(Affine(3.0, 4.0)))
    dst = Sequential(Affine(), Sequential(Affine()))
    assert list(src.state_dict()) == ["0.a", "0.b", "1.0.a", "1.0.b"]
    dst.load_state_dict(src.state_dict())
    assert dst(npg.array([1.0])).tolist() == src(npg.array([1.0])).tolist()


# ----------------------------------------------------------------- ModuleList
def test_modulelist_registers_and_discovers():
    class Stack(Module):
        def __init__(self):
            super().__init__()
            self.layers = ModuleList([Affine(), Affine()])

    s = Stack()
    assert keys(s) == ["layers.0.a", "layers.0.b", "layers.1.a", "layers.1.b"]
    s.layers.append(Affine())
    assert len(list(s.parameters())) == 6


def test_modulelist_list_api():
    a, b, c = Affine(), Affine(), Affine()
    ml = ModuleList()
    assert len(ml) == 0
    ml += [a, b]
    ml.extend([c])
    assert list(ml) == [a, b, c] and ml[-1] is c
    assert type(ml[:2]) is ModuleList and list(ml[:2]) == [a, b]
    both = ml + ModuleList([a])
    assert type(both) is ModuleList and len(both) == 4
    ml.insert(1, c)
    assert list(ml) == [a, c, b, c]
    # the same module twice is one child for parameters(), like torch
    assert len(list(ml.parameters())) == 6
    del ml[0]
    assert list(ml._modules) == ["0", "1", "2"] and ml[0] is c
    assert ml.pop(0) is c and list(ml) == [b, c]
    with pytest.raises(IndexError):
        ml[2]


def test_modulelist_has_no_forward():
    with pytest.raises(NotImplementedError, match="ModuleList"):
        ModuleList([Affine()])(npg.ones(1))


# ----------------------------------------------------------------- ModuleDict
def test_moduledict_dict_api():
    a, b = Affine(), Affine()
    md = ModuleDict({"cls": a, "box": b})
    assert list(md) == ["cls", "box"] and list(md.keys()) == ["cls", "box"]
    assert list(md.values()) == [a, b] and list(md.items()) == [("cls", a), ("box", b)]
    assert md["cls"] is a and md.box is b and "cls" in md and "x" not in md and len(md) == 2
    assert keys(md) == ["cls.a", "cls.b", "box.a", "box.b"]
    c = Affine()
    md["cls"] = c  # replacing keeps the position
    assert list(md.items()) == [("cls", c), ("box", b)]
    md.update([("z", a)])
    assert list(md) == ["cls", "box", "z"]
    assert md.pop("box") is b and list(md) == ["cls", "z"]
    del md["z"]
    assert list(md) == ["cls"] and not hasattr(md, "z")
    with pytest.raises(KeyError):
        del md["nope"]
    with pytest.raises(KeyError):
        md["nope"]
    md.clear()
    assert len(md) == 0 and list(md.parameters()) == []


def test_moduledict_bad_keys_and_values():
    md = ModuleDict()
    with pytest.raises(KeyError, match="must not contain"):
        md["a.b"] = Affine()
    with pytest.raises(KeyError, match="attribute 'keys' already exists"):
        md["keys"] = Affine()
    with pytest.raises(TypeError, match="not a Module subclass"):
        md["x"] = 3
    with pytest.raises(ValueError, match="element #0"):
        md.update([Affine()])


# ----------------------------------------------------------------- repr / torch
def test_container_repr():
    seq = Sequential(Affine(2.0), ModuleList([Affine()]))
    assert repr(seq) == (
        "Sequential(\n"
        "  (0): Affine(a=2.0, b=0.0)\n"
        "  (1): ModuleList(\n"
        "    (0): Affine(a=1.0, b=0.0)\n"
        "  )\n"
        ")"
    )


def test_state_dict_keys_match_torch():
    torch = pytest.importorskip("torch")
    tn = torch.nn
    t = tn.Sequential(tn.Linear(2, 2), tn.ModuleList([tn.Linear(2, 2)]),
                      tn.ModuleDict({"h": tn.Linear(2, 2)}))

    class Lin(Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(np.zeros((2, 2), dtype=np.float32))
            self.bias = Parameter(np.zeros(2, dtype=np.float32))

    ours = Sequential(Lin(), ModuleList([Lin()]), ModuleDict({"h": Lin()}))
    assert list(ours.state_dict()) == list(t.state_dict())
    ours.load_state_dict(t.state_dict())
    assert np.allclose(ours[2]["h"].weight.data, t[2]["h"].weight.detach().numpy())
