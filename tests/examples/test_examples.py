"""End-to-end: the example scripts train on a slice of the real MNIST files."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np

import numpygrad as npg

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_mnist_mlp_learns_well_above_chance(tmp_path):
    mlp = _load("mnist_mlp")
    acc = mlp.main(["--epochs", "1", "--limit", "6000", "--no-progress",
                    "--checkpoint", str(tmp_path / "ckpt.npz")])
    # Chance is 0.10; one epoch on 6000 images reaches about 0.9.
    assert acc > 0.8
    state = npg.load(tmp_path / "ckpt.npz")
    assert state["epoch"] == 1
    assert set(state["model"]) == {"layers.0.weight", "layers.0.bias", "layers.2.weight",
                                   "layers.2.bias", "layers.4.weight", "layers.4.bias"}


def test_mnist_mlp_resume_is_bit_exact(tmp_path):
    mlp = _load("mnist_mlp")
    common = ["--epochs", "3", "--limit", "1024", "--batch-size", "128", "--hidden", "32",
              "--no-progress"]
    straight = tmp_path / "straight.npz"
    mlp.main([*common, "--checkpoint", str(straight)])
    # The same 3-epoch plan, interrupted after epoch 2 and resumed from its checkpoint.
    partial = tmp_path / "partial.npz"
    mlp.main([*common, "--checkpoint", str(partial), "--stop-after", "2"])
    assert npg.load(partial)["epoch"] == 2
    mlp.main([*common, "--checkpoint", str(partial), "--resume"])
    a, b = npg.load(straight), npg.load(partial)
    for key, value in a["model"].items():
        np.testing.assert_array_equal(value.data, b["model"][key].data)


def test_pytorch_style_script_runs_unchanged():
    script = _load("pytorch_style")
    acc = script.main(["--epochs", "1", "--limit", "3000", "--log-interval", "1000"])
    assert acc > 0.6


def test_mnist_cnn_learns(tmp_path):
    cnn = _load("mnist_cnn")
    acc = cnn.main(["--epochs", "1", "--limit", "2000", "--no-progress",
                    "--checkpoint", str(tmp_path / "cnn.npz")])
    assert acc > 0.6
