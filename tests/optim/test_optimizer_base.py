"""Optimizer base: construction checks, groups, zero_grad, closures, state_dict round trips."""

import numpy as np
import pytest
from optim_testutils import resume_matches

import numpygrad as npg
from numpygrad.optim import LBFGS, SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop

ALL = [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta]


def param(*shape, dtype=np.float64):
    return npg.Array(np.ones(shape, dtype=dtype), requires_grad=True)


# -- construction -----------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL + [LBFGS])
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        cls([])


def test_exhausted_generator():
    params = [param(2)]
    gen = (p for p in params)
    SGD(gen, lr=0.1)
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        SGD(gen, lr=0.1)


def test_single_array_is_a_type_error():
    with pytest.raises(TypeError, match="iterable of Arrays or dicts, but got Array"):
        SGD(param(2), lr=0.1)


def test_non_iterable_is_a_type_error():
    with pytest.raises(TypeError, match="iterable of Arrays or dicts, but got int"):
        SGD(3, lr=0.1)


def test_non_array_parameter():
    with pytest.raises(TypeError, match="can only optimize Arrays, but parameter 1"):
        SGD([param(2), np.ones(2)], lr=0.1)


def test_integer_parameter():
    with pytest.raises(TypeError, match="floating-point Arrays.*dtype int64"):
        SGD([npg.Array(np.arange(3))], lr=0.1)


def test_non_leaf_parameter():
    x = param(2)
    with pytest.raises(ValueError, match="can't optimize a non-leaf Array"):
        SGD([x * 2], lr=0.1)


def test_parameter_in_two_groups():
    p = param(2)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        SGD([{"params": [p]}, {"params": [param(1), p]}], lr=0.1)


def test_duplicate_parameter_in_one_group():
    p = param(2)
    with pytest.raises(ValueError, match="duplicate parameters: parameter 2 is parameter 0"):
        SGD([p, param(1), p], lr=0.1)


def test_set_of_parameters_is_rejected():
    with pytest.raises(TypeError, match="ordered collections"):
        SGD([{"params": {param(2)}}], lr=0.1)


def test_groups_named_parameters_and_defaults():
    w, b = param(2), param(1)
    opt = SGD([("w", w), ("b", b)], lr=0.1)
    assert [id(p) for p in opt.param_groups[0]["params"]] == [id(w), id(b)]
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    opt = SGD([{"params": w}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0, 0.9]
    assert opt.defaults["lr"] == 0.1


def test_add_param_group():
    opt = SGD([param(2)], lr=0.1)
    q = param(3)
    opt.add_param_group({"params": [q], "lr": 0.01})
    assert opt.param_groups[1]["params"][0] is q and opt.param_groups[1]["lr"] == 0.01
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [q]})
    with pytest.raises(TypeError, match="param_group must be a dict"):
        opt.add_param_group([q])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.add_param_group({"params": [param(1)], "lr": -1.0})
    assert len(opt.param_groups) == 2


def test_repr_lists_groups():
    text = repr(SGD([param(2)], lr=0.1, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "momentum: 0.9" in text


# -- stepping ---------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ALL)
def test_step_with_all_grads_none_creates_no_state(cls):
    p, q = param(2), param(3)
    opt = cls([p, q], lr=0.1)
    before = p.data.copy()
    opt.step()
    assert len(opt.state) == 0 and opt.state_dict()["state"] == {}
    np.testing.assert_array_equal(p.data, before)


@pytest.mark.parametrize("cls", ALL)
def test_params_without_grad_are_skipped(cls):
    p, q = param(2), param(3)
    opt = cls([p, q], lr=0.1)
    p.grad = npg.Array(np.full(2, 0.5))
    opt.step()
    np.testing.assert_array_equal(q.data, np.ones(3))
    assert q not in opt.state
    assert (p in opt.state) == (cls is not SGD)  # plain SGD keeps no state


@pytest.mark.parametrize("cls", ALL)
def test_step_is_in_place_and_keeps_float32(cls):
    p = param(2, 3, dtype=np.float32)
    data = p.data
    opt = cls([p], lr=0.1)
    for _ in range(3):
        p.grad = npg.Array(np.full((2, 3), 0.25, dtype=np.float32))
        opt.step()
    assert p.data is data and p.dtype == np.float32
    assert all(v.dtype == np.float32 for v in opt.state[p].values() if isinstance(v, np.ndarray))


@pytest.mark.parametrize("cls", ALL)
def test_zero_dimensional_parameter(cls):
    p = npg.Array(np.array(2.0), requires_grad=True)
    opt = cls([p], lr=0.1)
    (p * p).backward()
    opt.step()
    assert p.shape == () and p.data < 2.0


def test_closure_runs_with_grad_enabled_and_returns_loss():
    w = param(2)
    opt = SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with npg.no_grad():
        loss = opt.step(closure)
    assert float(loss.item()) == 2.0
    np.testing.assert_allclose(w.data, [0.8, 0.8])
    assert opt.step() is None


def test_zero_grad_modes():
    w = param(2)
    (w * 3).sum().backward()
    grad = w.grad
    opt = SGD([w], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad
    np.testing.assert_array_equal(w.grad.data, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None
    opt.zero_grad(set_to_none=False)  # no grads: nothing to do
    assert w.grad is None


def test_step_bumps_the_version_counter():
    # Like torch: stepping between two backward passes through a graph that saved the
    # parameter must raise instead of silently using the new values.
    w = param(2)
    loss = (w * w).sum()
    loss.backward(retain_graph=True)
    SGD([w], lr=0.1).step()
    with pytest.raises(RuntimeError, match="version"):
        loss.backward()


def test_base_class_requires_update():
    with pytest.raises(NotImplementedError):
        p = param(1)
        p.grad = npg.zeros_like(p)
        Optimizer([p], {}).step()


# -- state_dict / load_state_dict -------------------------------------------------------
def adam_after_one_step(lr=0.1):
    w, b = param(2, 3), param(3)
    opt = Adam([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=lr)
    w.grad, b.grad = npg.Array(np.ones((2, 3))), npg.Array(np.ones(3))
    opt.step()
    return opt, w, b


def test_state_dict_holds_copies():
    opt, w, _ = adam_after_one_step()
    sd = opt.state_dict()
    assert sd["param_groups"][1]["params"] == [1]
    assert not np.shares_memory(sd["state"][0]["exp_avg"], opt.state[w]["exp_avg"])
    sd["param_groups"][0]["lr"] = 99.0
    assert opt.param_groups[0]["lr"] == 0.1


def test_load_copies_and_overrides_hyperparameters():
    opt, _, _ = adam_after_one_step(lr=0.5)
    sd = opt.state_dict()
    new, w2, _ = adam_after_one_step(lr=0.1)
    new.load_state_dict(sd)
    assert new.param_groups[0]["lr"] == 0.5
    assert new.param_groups[0]["params"][0] is w2
    sd["state"][0]["exp_avg"][...] = 7.0
    assert not np.any(new.state[w2]["exp_avg"] == 7.0)


def test_load_different_number_of_groups():
    opt, _, _ = adam_after_one_step()
    other = Adam([param(2, 3), param(3)])
    with pytest.raises(ValueError, match="different number of parameter groups: 2 in the state "
                                         "dict, 1 in the optimizer"):
        other.load_state_dict(opt.state_dict())


def test_load_group_size_mismatch():
    opt, _, _ = adam_after_one_step()
    other = Adam([{"params": [param(2, 3), param(1)]}, {"params": []}])
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group: group 0"):
        other.load_state_dict(opt.state_dict())


def test_load_state_shape_mismatch_names_index_and_shapes():
    opt, _, _ = adam_after_one_step()
    other = Adam([{"params": [param(2, 3)]}, {"params": [param(4)]}])
    before = other.state_dict()
    with pytest.raises(ValueError, match=r"'exp_avg' of shape \(3,\) for parameter 1, but the "
                                         r"parameter has shape \(4,\)"):
        other.load_state_dict(opt.state_dict())
    assert other.state_dict() == before  # nothing was half-loaded


def test_load_rejects_bad_inputs():
    opt, _, _ = adam_after_one_step()
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        opt.load_state_dict([1, 2])
    with pytest.raises(ValueError, match="no 'state' entry"):
        opt.load_state_dict({"param_groups": []})
    sd = opt.state_dict()
    sd["state"][5] = {"step": 1}
    with pytest.raises(ValueError, match="state for parameter 5"):
        opt.load_state_dict(sd)
    sd = opt.state_dict()
    sd["param_groups"][0]["lr"] = -1.0
    with pytest.raises(ValueError, match="Invalid learning rate: -1.0"):
        opt.load_state_dict(sd)


def test_load_casts_state_to_parameter_dtype():
    opt, _, _ = adam_after_one_step()
    w32, b32 = param(2, 3, dtype=np.float32), param(3, dtype=np.float32)
    new = Adam([{"params": [w32]}, {"params": [b32]}])
    new.load_state_dict(opt.state_dict())
    assert new.state[w32]["exp_avg"].dtype == np.float32


def test_adamw_stays_decoupled_after_loading_adam_state():
    opt, _, _ = adam_after_one_step()
    new = AdamW([{"params": [param(2, 3)]}, {"params": [param(3)]}])
    new.load_state_dict(opt.state_dict())
    assert all(g["decoupled_weight_decay"] for g in new.param_groups)


@pytest.mark.parametrize("cls, cfg", [
    (SGD, {"lr": 0.05, "momentum": 0.9}),
    (Adam, {"lr": 0.05, "amsgrad": True}),
    (AdamW, {"lr": 0.05}),
    (RMSprop, {"lr": 0.01, "momentum": 0.9, "centered": True}),
], ids=str)
def test_resume_through_a_checkpoint_file(cls, cfg, tmp_path):
    serialization = pytest.importorskip("numpygrad.serialization")

    def through_file(sd):
        path = tmp_path / "opt.npz"
        serialization.save(sd, path)
        return serialization.load(path)

    assert resume_matches(cls, cfg, through=through_file)


@pytest.mark.parametrize("cls, cfg", [
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    (Adam, {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1, "maximize": True}),
    (AdamW, {"lr": 0.1}),
    (RMSprop, {"lr": 0.1, "momentum": 0.9, "centered": True}),
    (Adagrad, {"lr": 0.1, "weight_decay": 0.1}),
    (Adadelta, {"lr": 0.1, "maximize": True}),
], ids=lambda v: getattr(v, "__name__", ""))
def test_steady_state_steps_allocate_no_arrays(cls, cfg):
    # State and scratch buffers are allocated once; later steps work in place.
    import tracemalloc

    p = npg.Array(np.ones((256, 256)), requires_grad=True)
    p.grad = npg.Array(np.full((256, 256), 0.5))
    opt = cls([p], **cfg)
    opt.step()
    opt.step()
    tracemalloc.start()
    try:
        opt.step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < p.data.nbytes // 10, peak
