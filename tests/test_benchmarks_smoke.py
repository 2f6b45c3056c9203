"""Smoke tests of the benchmark suite (benchmarks/): the hand-written NumPy baselines and
numpygrad compute the same losses and gradients, on tiny sizes. No timing assertions."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpygrad as npg  # noqa: E402
import numpygrad.nn.functional as F  # noqa: E402
from benchmarks import baseline_numpy as bn  # noqa: E402
from benchmarks import common  # noqa: E402
from benchmarks import run as bench_run  # noqa: E402
from benchmarks.cases import CASES, chain, epoch, lenet, mlp_step  # noqa: E402
from benchmarks.common import CaseError, Row, Settings, check_losses, mlp_weights  # noqa: E402

SIZES = (20, 16, 8, 5)
NO_TORCH = Settings(quick=True, use_torch=False)


def _torch_settings() -> Settings:
    """Compare with torch too when it is installed (the suite's default)."""
    return Settings(quick=True, use_torch=True)


def _data(bs: int, n: int = 4, seed: int = 0) -> tuple[list[np.ndarray], list[np.ndarray]]:
    rng = np.random.default_rng(seed)
    xs = [rng.random((bs, SIZES[0]), dtype=np.float32) for _ in range(n)]
    ys = [rng.integers(0, SIZES[-1], bs) for _ in range(n)]
    return xs, ys


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_mlp_baseline_matches_numpygrad_first_loss_and_gradients(opt):
    xs, ys = _data(8)
    params = mlp_weights(SIZES, seed=3)
    base = bn.MLP(params, optimizer=opt, lr=mlp_step.LR[opt])
    model, _ = mlp_step.numpygrad_variant(params, opt, mlp_step.LR[opt], SIZES)
    loss_np = base.forward_backward(xs[0], ys[0])
    loss = F.cross_entropy(model(npg.asarray(xs[0])), npg.asarray(ys[0]))
    loss.backward()
    assert loss.item() == pytest.approx(loss_np, rel=1e-5)
    for k, (p, g) in enumerate(zip(model.parameters(), base.grads)):
        np.testing.assert_allclose(p.grad.data, g, rtol=1e-4, atol=1e-6,
                                   err_msg=f"gradient of parameter {k}")
    # the baseline's parameters are copies: the caller's arrays are untouched by updates
    base.update()
    np.testing.assert_array_equal(params[0], mlp_weights(SIZES, seed=3)[0])


@pytest.mark.parametrize("opt", ["sgd", "adam"])
def test_mlp_step_variants_agree_over_steps(opt):
    xs, ys = _data(8)
    steppers = mlp_step.build(_torch_settings(), 8, opt, xs, ys, sizes=SIZES)
    mlp_step.check(f"tiny MLP {opt}", steppers, steps=4)


def test_mlp_matmuls_only_runs():
    xs, _ = _data(8)
    bn.MLP(mlp_weights(SIZES), "sgd", 0.1).matmuls_only(xs[0])


def test_check_losses_raises_a_clear_error():
    with pytest.raises(CaseError, match="loss 0 of numpygrad and of the numpy baseline"):
        check_losses("demo", {"numpy": [1.0], "numpygrad": [1.5]})


def test_chain_variants_agree():
    fns = chain.build(_torch_settings(), shape=(4, 4), n_ops=14)
    chain.check(fns)


def test_chain_case_runs_without_torch_and_renders():
    rows, _ = chain.run(Settings(quick=True, repeat=1, use_torch=False))
    table = bench_run.render_table([r.to_json() for r in rows])
    assert "n/a" in table and "per op" in table


def test_lenet_baseline_matches_numpygrad():
    try:
        model_fn = lenet.numpygrad_model
        model_fn()
    except (ImportError, AttributeError, NotImplementedError) as exc:
        pytest.skip(f"numpygrad convolution layers not available: {exc}")
    rng = np.random.default_rng(0)
    x = rng.random((4, 1, 28, 28), dtype=np.float32)
    y = rng.integers(0, 10, 4)
    params = bn.lenet_weights(seed=1)
    base = bn.LeNet(params, lr=lenet.LR)
    loss_np = base.forward_backward(x.reshape(4, 28, 28, 1), y)
    model, _ = lenet.numpygrad_variant(params)
    loss = F.cross_entropy(model(npg.asarray(x)), npg.asarray(y))
    loss.backward()
    assert loss.item() == pytest.approx(loss_np, rel=1e-5)
    for k, (p, g) in enumerate(zip(model.parameters(), base.torch_layout_grads())):
        np.testing.assert_allclose(p.grad.data, g, rtol=1e-3, atol=1e-5,
                                   err_msg=f"LeNet gradient of parameter {k}")
    xs, ys = [x, x[::-1].copy()], [y, y[::-1].copy()]
    steppers = lenet.build(_torch_settings(), xs, ys, seed=2)
    losses = {k: [] for k in steppers}
    for _ in range(3):
        for k, s in steppers.items():
            out = s()
            losses[k].append(float(out.item()) if hasattr(out, "item") else float(out))
    check_losses("tiny LeNet", losses)


def test_epoch_variants_use_the_same_batches():
    fns = epoch.build(_torch_settings(), limit=384)
    first = {k: [float(v) for v in fn()] for k, fn in fns.items()}
    assert len(first["numpy"]) == epoch.RECORD
    check_losses("tiny MNIST epoch", first)


def test_interleaved_epochs_run_every_step_and_agree():
    makers = epoch.build_makers(_torch_settings(), limit=384)
    counted = {}

    def counting(it, name):
        for loss in it:
            counted[name] = counted.get(name, 0) + 1
            yield loss

    totals, first = epoch.interleaved_epoch(
        {k: counting(make(), k) for k, make in makers.items()}, chunk=2)
    assert set(totals) == set(makers) and all(t > 0 for t in totals.values())
    assert set(counted.values()) == {384 // epoch.BATCH}
    assert all(len(v) == epoch.RECORD for v in first.values())
    check_losses("interleaved tiny MNIST epoch", first)


def test_interleave_pauses_before_every_turn_only_when_asked(monkeypatch):
    pauses = []
    monkeypatch.setattr(common.time, "sleep", pauses.append)
    calls = []
    variants = {"numpy": lambda: calls.append("n"), "torch": lambda: calls.append("t")}
    times = common.interleave(variants, rounds=3, per_round=2, warmup=1, settle=0.15)
    assert calls == ["n", "t"] + ["n", "n", "t", "t"] * 3
    assert pauses == [0.15] * 6 and all(len(v) == 6 for v in times.values())
    pauses.clear()
    common.interleave(variants, rounds=2, per_round=1)
    assert pauses == []
    assert common.settle_time(Settings(threads=1)) == 0.0
    assert common.settle_time(Settings(threads=2)) > 0.1


def test_run_cli_parses_and_knows_every_case():
    args = bench_run.parse_args(["--quick", "--threads", "1", "--cases", "mlp", "chain"])
    assert args.threads == [1] and args.cases == ["mlp", "chain"] and args.quick
    with pytest.raises(SystemExit):
        bench_run.parse_args(["--cases", "nope"])
    for name in CASES:
        from benchmarks import cases

        assert callable(cases.get(name))


def test_render_memory_row_shows_differences():
    row = Row("peak", "mem", {"numpy": 100 << 20, "numpygrad": 105 << 20, "torch": None},
              target="<=+10 MB", met=True)
    table = bench_run.render_table([row.to_json()])
    assert "+5.0 MB" in table and "n/a" in table


def test_higher_order_case_counts_nodes_and_grad_mode_checks():
    from benchmarks.cases import higher_order

    rows, _ = higher_order.run(Settings(quick=True, repeat=1, use_torch=False))
    (row,) = rows
    assert row.extra["nodes"] == 0  # a first-order backward records no graph
    # The first-order pass runs each op's backward_data: no grad-mode branch at all.
    assert row.extra["checks"] == 0
    assert "0 nodes" in row.target and bench_run.render_table([row.to_json()])


def test_counting_helpers_see_graph_work():
    from benchmarks.cases.higher_order import count_grad_mode_checks, nodes_recorded

    x = npg.array([1.0, 2.0], requires_grad=True)
    assert nodes_recorded(lambda: (x * x).sum()) == 2
    y = (x * x).sum()
    assert nodes_recorded(lambda: npg.grad(y, x, create_graph=True)) > 0
    assert count_grad_mode_checks(npg.is_grad_enabled) == 1  # the stand-in counts
    assert count_grad_mode_checks(lambda: (x * x).sum()) >= 1  # recording reads the mode
    y = (x * x).sum()
    assert count_grad_mode_checks(lambda: y.backward()) == 0
