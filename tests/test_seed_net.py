"""The seed example, lessons/seed_net.py, runs with only its imports changed and matches PyTorch.

With PyTorch's initial weights loaded through load_state_dict: the outputs and every
parameter's gradient in three SGD steps on cross entropy, the state after them (running
statistics included) and the eval-mode output equal PyTorch's, to 1e-5 in float32 and 1e-10 in
float64. Golden values: tests/fixtures/batchnorm.npz (keys seed_net-<dtype>/...), made by
tests/fixtures/make_batchnorm_fixtures.py; the same run live when torch is installed.
"""
import contextlib
import importlib.util
import io
import pathlib

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim
from minigrad import Tensor

ROOT = pathlib.Path(__file__).resolve().parents[1]
LESSON = ROOT / "lessons" / "seed_net.py"
FIXTURES = pathlib.Path(__file__).parent / "fixtures"
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}


def run_lesson():
    """Execute the lesson as a script; return its namespace and what it printed."""
    namespace, printed = {"__name__": "seed_net"}, io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(LESSON.read_text(encoding="utf-8"), str(LESSON), "exec"), namespace)
    return namespace, printed.getvalue()


def test_the_seed_example_runs_and_prints_its_output():
    namespace, printed = run_lesson()
    assert printed.startswith("tensor([[") and "grad_fn=" in printed
    assert namespace["output"].shape == (5, 2)
    assert isinstance(namespace["net"].bn1, nn.BatchNorm1d)


def test_only_the_imports_differ_from_the_seed():
    lines = LESSON.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["import minigrad as torch", "import minigrad.nn as nn"]
    assert not any("minigrad" in line for line in lines[2:])


def run_minigrad_seed_net(dtype, inputs, initial_state):
    """The fixture script's run_torch_seed_net, in minigrad, from PyTorch's initial weights."""
    net = run_lesson()[0]["Net"]()
    if dtype == "float64":
        net = net.double()
    net.load_state_dict(initial_state)
    optimizer = minigrad.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    outputs, grads = [], {}
    for x, target in zip(inputs["x"], inputs["target"]):
        optimizer.zero_grad()
        output = net(Tensor(x))
        F.cross_entropy(output, target).backward()
        outputs.append(output._data)
        for name, p in net.named_parameters():
            grads.setdefault(name, []).append(np.array(p.grad))
        optimizer.step()
    results = {f"initial/{k}": np.asarray(v) for k, v in initial_state.items()}
    results["output"] = np.stack(outputs)
    results.update({f"grad/{k}": np.stack(v) for k, v in grads.items()})
    results.update({f"final/{k}": v for k, v in net.state_dict().items()})
    net.eval()
    with minigrad.no_grad():
        results["eval_output"] = net(Tensor(inputs["x_eval"]))._data
    return results


def assert_same(ours, theirs, dtype):
    assert sorted(ours) == sorted(theirs)
    assert any(k.startswith("grad/bn1.") for k in theirs) and "final/bn1.running_var" in theirs
    for key, expected in theirs.items():
        assert ours[key].dtype == expected.dtype, key
        np.testing.assert_allclose(ours[key], expected, rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype],
                                   err_msg=key)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_seed_net_matches_pytorch_golden_values(dtype):
    prefix = f"seed_net-{dtype}/"
    with np.load(FIXTURES / "batchnorm.npz") as golden:
        stored = {k[len(prefix):]: golden[k] for k in golden.files if k.startswith(prefix)}
    inputs = {k: stored.pop(k) for k in ("x", "target", "x_eval")}
    initial = {k[len("initial/"):]: v for k, v in stored.items() if k.startswith("initial/")}
    assert stored["final/bn1.num_batches_tracked"] == 3
    assert_same(run_minigrad_seed_net(dtype, inputs, initial), stored, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_seed_net_matches_pytorch_live(dtype):
    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("make_batchnorm_fixtures",
                                                  FIXTURES / "make_batchnorm_fixtures.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)
    inputs = maker.seed_net_inputs(dtype, seed=1)                  # not the fixtures' data
    theirs = maker.run_torch_seed_net(dtype, inputs, seed=1)
    initial = {k[len("initial/"):]: v for k, v in theirs.items() if k.startswith("initial/")}
    assert_same(run_minigrad_seed_net(dtype, inputs, initial), theirs, dtype)
