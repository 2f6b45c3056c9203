"""Module, Parameter and Buffer: discovery, registration errors, train/eval, hooks, repr,
state_dict and load_state_dict."""

import copy

import numpy as np
import pytest

import numpygrad as npg
from numpygrad.nn.module import Buffer, Module, Parameter


class Lin(Module):
    """A minimal affine layer so these tests do not depend on nn.Linear."""

    def __init__(self, i, o, bias=True, dtype=np.float32):
        super().__init__()
        self.i, self.o = i, o
        self.weight = Parameter(np.arange(o * i, dtype=dtype).reshape(o, i) / 10)
        if bias:
            self.bias = Parameter(np.zeros(o, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        out = x @ self.weight.T
        return out if self.bias is None else out + self.bias

    def extra_repr(self):
        return f"in_features={self.i}, out_features={self.o}, bias={self.bias is not None}"


class Net(Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Lin(2, 3)
        self.scale = Parameter(np.ones(3, dtype=np.float32))
        self.blocks = [Lin(3, 3), Lin(3, 3, bias=False)]
        self.heads = {"cls": Lin(3, 2), "box": Lin(3, 4)}
        self.register_buffer("steps", npg.Array(np.zeros((), dtype=np.int64)))

    def forward(self, x):
        x = self.fc1(x) * self.scale
        for b in self.blocks:
            x = b(x)
        return self.heads["cls"](x)


def names(pairs):
    return [n for n, _ in pairs]


# ------------------------------------------------------------------ discovery
def test_discovery_order_own_params_first_then_children_in_definition_order():
    assert names(Net().named_parameters()) == [
        "scale", "fc1.weight", "fc1.bias", "blocks.0.weight", "blocks.0.bias",
        "blocks.1.weight", "heads.cls.weight", "heads.cls.bias", "heads.box.weight",
        "heads.box.bias",
    ]


def test_named_modules_children_and_buffers():
    net = Net()
    assert names(net.named_modules()) == ["", "fc1", "blocks.0", "blocks.1", "heads.cls",
                                          "heads.box"]
    assert names(net.named_children()) == ["fc1", "blocks.0", "blocks.1", "heads.cls",
                                           "heads.box"]
    assert list(net.children())[0] is net.fc1
    assert names(net.named_buffers()) == ["steps"]
    assert len(list(net.modules())) == 6


def test_recurse_false_and_prefix():
    net = Net()
    assert names(net.named_parameters(recurse=False)) == ["scale"]
    assert names(net.fc1.named_parameters(prefix="m")) == ["m.weight", "m.bias"]
    assert len(list(net.parameters())) == 10


def test_containers_of_parameters_and_nested_containers():
    m = Module()
    m.ws = [Parameter([1.0]), (Parameter([2.0]), {"deep": Parameter([3.0])})]
    m.table = {"a": [Buffer(npg.zeros(1))]}
    assert names(m.named_parameters()) == ["ws.0", "ws.1.0", "ws.1.1.deep"]
    assert names(m.named_buffers()) == ["table.a.0"]
    assert list(m.state_dict()) == ["ws.0", "ws.1.0", "ws.1.1.deep", "table.a.0"]


def test_list_mutated_after_assignment_is_seen():
    m = Module()
    m.layers = []
    m.layers.append(Lin(1, 1))
    assert names(m.named_parameters()) == ["layers.0.weight", "layers.0.bias"]


def test_self_containing_list_does_not_loop():
    m = Module()
    m.loop = [Parameter([1.0])]
    m.loop.append(m.loop)
    assert names(m.named_parameters()) == ["loop.0"]


def test_shared_parameter_and_module_counted_once():
    m = Module()
    p = Parameter([1.0, 2.0])
    m.a = p
    m.b = p
    m.sub = Lin(1, 1)
    m.again = m.sub
    m.also = [m.sub]
    assert names(m.named_parameters()) == ["a", "sub.weight", "sub.bias"]
    assert [x is p for x in m.parameters()] == [True, False, False]
    assert len(list(m.modules())) == 2
    # like torch, the state dict names a tied tensor under every name
    assert list(m.state_dict()) == ["a", "b", "sub.weight", "sub.bias", "again.weight",
                                    "again.bias", "also.0.weight", "also.0.bias"]


def test_module_cycle_terminates():
    a, b = Module(), Module()
    a.child = b
    b.parent = a
    assert len(list(a.modules())) == 2
    assert list(a.state_dict()) == []


def test_deep_chain_has_no_recursion_limit():
    root = m = Module()
    for _ in range(3000):
        m.next = Module()
        m.w = Parameter([0.0])
        m = m.next
    assert len(list(root.parameters())) == 3000
    sd = root.state_dict()
    assert len(sd) == 3000
    root.load_state_dict(sd)
    root.eval()
    assert not m.training


# --------------------------------------------------------------- registration
def test_dot_in_names_raises_keyerror():
    m = Module()
    with pytest.raises(KeyError, match="must not contain"):
        m.register_parameter("a.b", Parameter([1.0]))
    with pytest.raises(KeyError, match="must not contain"):
        m.register_buffer("a.b", npg.zeros(1))
    with pytest.raises(KeyError, match="must not contain"):
        m.add_module("a.b", Module())
    m.d = {"x.y": Parameter([1.0])}
    with pytest.raises(KeyError, match="must not contain"):
        list(m.parameters())


def test_assign_plain_array_to_parameter_slot_raises():
    m = Lin(2, 2)
    with pytest.raises(TypeError, match=r"cannot assign 'Array' as parameter 'weight' "
                                        r"\(Parameter or None expected\)"):
        m.weight = npg.zeros((2, 2))
    with pytest.raises(TypeError, match=r"cannot assign 'ndarray' as parameter 'weight'"):
        m.weight = np.zeros((2, 2))
    m.bias = None  # None clears the slot but keeps it a parameter slot
    assert names(m.named_parameters()) == ["weight"]
    with pytest.raises(TypeError, match="as parameter 'bias'"):
        m.bias = npg.zeros(2)
    m.bias = Parameter(np.ones(2, dtype=np.float32))
    assert names(m.named_parameters()) == ["weight", "bias"]


def test_other_registration_errors():
    m = Module()
    with pytest.raises(TypeError, match="Parameter or None expected"):
        m.register_parameter("w", npg.zeros(1))
    with pytest.raises(TypeError, match="as buffer 'b' \\(Array or None expected"):
        m.register_buffer("b", np.zeros(1))
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("c", 3)
    with pytest.raises(KeyError, match="attribute 'forward' already exists"):
        m.register_parameter("forward", Parameter([1.0]))
    m.sub = Module()
    with pytest.raises(TypeError, match="as child module 'sub'"):
        m.sub = 3
    m.register_buffer("buf", npg.zeros(1))
    with pytest.raises(TypeError, match="as buffer 'buf'"):
        m.buf = [1.0]


def test_assignment_before_init_raises():
    class Bad(Module):
        def __init__(self):
            self.w = Parameter([1.0])

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Bad()


def test_forward_not_implemented():
    with pytest.raises(NotImplementedError, match=r'Module \[Module\] is missing the required'
                                                  r' "forward" function'):
        Module()(1)


def test_reassignment_keeps_order_and_retyping_moves_registry():
    m = Module()
    m.a = Parameter([1.0])
    m.b = Parameter([2.0])
    m.a = Parameter([3.0])
    assert names(m.named_parameters()) == ["a", "b"]
    assert m.a.tolist() == [3.0]
    with pytest.raises(TypeError, match="cannot assign 'Lin' as parameter 'a'"):
        m.a = Lin(1, 1)  # as in torch, a parameter slot only takes a Parameter or None
    del m.a
    m.a = Lin(1, 1)
    assert "a" not in m._parameters and m._modules["a"] is m.a
    assert names(m.named_parameters()) == ["b", "a.weight", "a.bias"]


def test_plain_value_to_parameter_slot_rejected_and_delattr_unregisters():
    m = Module()
    m.b = Parameter([2.0])
    with pytest.raises(TypeError):
        m.b = 5
    del m.b
    assert list(m.parameters()) == []
    m.b = 5  # now a plain attribute
    assert m.b == 5 and list(m.parameters()) == []


def test_attribute_access_needs_no_getattr_fallback():
    m = Lin(2, 2)
    assert "weight" in m.__dict__ and m.__dict__["weight"] is m._parameters["weight"]
    assert not hasattr(type(m), "__getattr__")


# ---------------------------------------------------------- Parameter / Buffer
def test_parameter_basics():
    p = Parameter([1.0, 2.0])
    assert isinstance(p, npg.Array) and p.requires_grad and p.is_leaf
    assert p.dtype == np.float32
    assert repr(p).startswith("Parameter(")
    assert Parameter(np.zeros(2)).dtype == np.float64
    assert not Parameter([1.0], requires_grad=False).requires_grad
    x = npg.Array([1.0, 2.0], requires_grad=True)
    q = Parameter(x * 2)
    assert q.is_leaf and q.grad_fn is None and q.tolist() == [2.0, 4.0]
    assert Parameter().shape == (0,)


def test_buffer_attribute_assignment_and_persistence():
    m = Module()
    m.mean = Buffer(npg.zeros(2))
    m.tmp = Buffer(npg.ones(2), persistent=False)
    m.register_buffer("cache", npg.ones(1), persistent=False)
    m.register_buffer("none", None)
    assert not m.mean.requires_grad
    assert names(m.named_buffers()) == ["mean", "tmp", "cache"]
    assert list(m.state_dict()) == ["mean"]
    m.mean = npg.ones(2)  # a plain Array may replace a buffer
    assert m._buffers["mean"] is m.mean and list(m.state_dict()) == ["mean"]
    m.tmp = npg.zeros(2)  # replacing keeps the non-persistent flag
    assert list(m.state_dict()) == ["mean"]


def test_deepcopy_gives_independent_module():
    m = Net()
    m.tmp = Buffer(npg.ones(1), persistent=False)
    c = copy.deepcopy(m)
    assert c.fc1.weight is not m.fc1.weight and isinstance(c.fc1.weight, Parameter)
    c.fc1.weight.data += 1
    assert not np.array_equal(c.fc1.weight.data, m.fc1.weight.data)
    assert list(c.state_dict()) == list(m.state_dict())


# ----------------------------------------------------------- modes and helpers
def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("no")
    assert "training" not in net.state_dict()


def test_apply_is_children_first():
    net = Net()
    seen = []
    assert net.apply(lambda m: seen.append(m)) is net
    assert seen[-1] is net and seen[0] is net.fc1 and len(seen) == 6


def test_zero_grad_both_modes_and_requires_grad_():
    net = Lin(2, 2)
    out = net(npg.ones((1, 2))).sum()
    out.backward()
    assert net.weight.grad is not None
    g = net.weight.grad
    net.zero_grad(set_to_none=False)
    assert net.weight.grad is g and not g.data.any()
    net.zero_grad()
    assert net.weight.grad is None and net.bias.grad is None
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_forward_hooks_and_removal():
    net = Lin(2, 2)
    calls = []
    h1 = net.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    h2 = net.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = net(npg.ones((1, 2)))
    assert out.tolist() == [[1.0, 1.0]] and calls == [(1, 2)]
    h1.remove()
    h2.remove()
    h2.remove()
    assert net(npg.zeros((1, 2))).tolist() == [[0.0, 0.0]]


def test_get_submodule():
    net = Net()
    assert net.get_submodule("heads.cls") is net.heads["cls"]
    assert net.get_submodule("") is net
    with pytest.raises(AttributeError, match="nope"):
        net.get_submodule("nope")


def test_repr_tree():
    assert repr(Module()) == "Module()"
    assert repr(Lin(2, 3)) == "Lin(in_features=2, out_features=3, bias=True)"
    m = Module()
    m.fc = Lin(2, 3)
    m.inner = Module()
    m.inner.fc = Lin(3, 1, bias=False)
    assert repr(m) == (
        "Module(\n"
        "  (fc): Lin(in_features=2, out_features=3, bias=True)\n"
        "  (inner): Module(\n"
        "    (fc): Lin(in_features=3, out_features=1, bias=False)\n"
        "  )\n"
        ")"
    )


def test_torch_key_order_matches():
    torch = pytest.importorskip("torch")

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(2, 3)
            self.scale = torch.nn.Parameter(torch.ones(3))
            self.blocks = torch.nn.ModuleList([torch.nn.Linear(3, 3),
                                               torch.nn.Linear(3, 3, bias=False)])
            self.heads = torch.nn.ModuleDict({"cls": torch.nn.Linear(3, 2),
                                              "box": torch.nn.Linear(3, 4)})
            self.register_buffer("steps", torch.zeros((), dtype=torch.int64))

    t = TNet()
    ours = Net()
    assert names(ours.named_parameters()) == names(t.named_parameters())
    assert list(ours.state_dict()) == list(t.state_dict())


# ------------------------------------------------------------------ state_dict
def test_state_dict_keys_copies_and_detached():
    net = Net()
    net.tmp = Buffer(npg.ones(1), persistent=False)
    sd = net.state_dict()
    assert list(sd)[:3] == ["scale", "steps", "fc1.weight"]
    assert "tmp" not in sd and len(sd) == 11
    v = sd["fc1.weight"]
    assert type(v) is npg.Array and not v.requires_grad and v.is_leaf
    assert not np.shares_memory(v.data, net.fc1.weight.data)
    v.data += 100
    sd["scale"] = None
    assert net.fc1.weight.data.max() < 100 and net.scale is not None
    net.fc1.weight.data += 1  # and the other way round
    assert np.allclose(sd["fc1.weight"].data - 100, net.fc1.weight.data - 1, atol=1e-4)
    assert net.state_dict(keep_vars=True)["fc1.weight"] is net.fc1.weight
    assert list(net.fc1.state_dict(prefix="x.")) == ["x.weight", "x.bias"]


def test_load_round_trip_copies_without_aliasing():
    a, b = Lin(2, 3), Lin(2, 3)
    b.weight.data[...] = 7
    src = b.state_dict(keep_vars=True)
    res = a.load_state_dict(src)
    assert res.missing_keys == [] and res.unexpected_keys == []
    assert repr(res) == "<All keys matched successfully>"
    assert np.array_equal(a.weight.data, b.weight.data)
    assert not np.shares_memory(a.weight.data, b.weight.data)
    assert isinstance(a.weight, Parameter) and a.weight.requires_grad and a.weight.is_leaf
    weight_buffer = a.weight.data
    a.load_state_dict({"weight": np.ones((3, 2)), "bias": [1.0, 2.0, 3.0]})
    assert a.weight.data is weight_buffer  # copied in place, not rebound
    assert a.bias.tolist() == [1.0, 2.0, 3.0]


def test_load_keeps_destination_dtype():
    m = Lin(2, 2, dtype=np.float32)
    m.load_state_dict({"weight": np.full((2, 2), 0.1, dtype=np.float64),
                       "bias": npg.Array(np.zeros(2, dtype=np.float64))})
    assert m.weight.dtype == np.float32 and m.bias.dtype == np.float32
    assert np.allclose(m.weight.data, 0.1)


def test_load_missing_key():
    with pytest.raises(RuntimeError, match=r'Error\(s\) in loading state_dict for Lin:\n\t'
                                           r'Missing key\(s\) in state_dict: "bias"\. '):
        Lin(2, 3).load_state_dict({"weight": np.zeros((3, 2))})


def test_load_unexpected_key():
    sd = Lin(2, 3).state_dict()
    sd["extra"] = np.zeros(1)
    with pytest.raises(RuntimeError, match=r'Unexpected key\(s\) in state_dict: "extra"\. '):
        Lin(2, 3).load_state_dict(sd)


def test_load_reports_all_problems_at_once_and_copies_nothing():
    m = Lin(4, 2)
    before = m.weight.data.copy()
    sd = {"weight": np.zeros((3, 4)), "extra": 1.0, "more": 2.0}
    with pytest.raises(RuntimeError) as info:
        m.load_state_dict(sd)
    msg = str(info.value)
    assert msg == (
        "Error(s) in loading state_dict for Lin:\n"
        '\tMissing key(s) in state_dict: "bias". \n'
        '\tUnexpected key(s) in state_dict: "extra", "more". \n'
        "\tsize mismatch for weight: copying a param with shape (3, 4) from checkpoint, "
        "the shape in current model is (2, 4)."
    )
    assert np.array_equal(m.weight.data, before)


def test_load_size_mismatch_one_line_per_tensor():
    with pytest.raises(RuntimeError, match=r"size mismatch for weight: copying a param with "
                       r"shape \(3, 4\) from checkpoint, the shape in current model is "
                       r"\(2, 4\)\.\n\tsize mismatch for bias: .* \(3,\) .* \(2,\)\."):
        Lin(4, 2).load_state_dict({"weight": np.zeros((3, 4)), "bias": np.zeros(3)})


def test_load_non_dict_raises_typeerror():
    with pytest.raises(TypeError, match=r"Expected state_dict to be dict-like, got "
                                        r"<class 'list'>\."):
        Lin(2, 2).load_state_dict([("weight", np.zeros((2, 2)))])


def test_load_non_numeric_value_raises_typeerror():
    with pytest.raises(TypeError, match="'bias' has non-numeric dtype"):
        Lin(2, 2).load_state_dict({"weight": np.zeros((2, 2)), "bias": ["a", "b"]})


def test_load_strict_false_returns_incompatible_keys():
    m = Lin(2, 3)
    res = m.load_state_dict({"weight": np.ones((3, 2)), "extra": 0.0}, strict=False)
    assert res.missing_keys == ["bias"] and res.unexpected_keys == ["extra"]
    assert res == (["bias"], ["extra"])
    assert "missing_keys=['bias']" in repr(res)
    assert np.all(m.weight.data == 1)
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        m.load_state_dict({"weight": np.ones((2, 2))}, strict=False)


def test_load_into_buffers_and_nested_model():
    a, b = Net(), Net()
    for p in b.parameters():
        p.data[...] = 3
    b.steps.data[...] = 5
    a.load_state_dict(b.state_dict())
    assert all(np.all(p.data == 3) for p in a.parameters())
    assert int(a.steps.item()) == 5 and a.steps.dtype == np.int64


def test_load_state_dict_from_torch_when_available():
    torch = pytest.importorskip("torch")
    t = torch.nn.Linear(2, 3)
    m = Lin(2, 3)
    m.load_state_dict(t.state_dict())
    assert np.allclose(m.weight.data, t.weight.detach().numpy())
