"""Tests of minigrad.experiment (Figure 1 of Ioffe & Szegedy) and of `python -m minigrad demo`
(its table and figure: test_reporting.py).

Training runs here are tiny (a few hundred steps on slices of MNIST): they check the
plumbing, not the paper's claim, which the demo and lesson 05 check on real runs.
"""
import subprocess
import sys

import numpy as np
import pytest

from minigrad import Tensor, nn
from minigrad import experiment as E
from minigrad import reporting
from minigrad.data import load_mnist


@pytest.fixture(scope="module")
def small_data():
    """3000 training and 1000 test images: enough to see the loss fall, quick to evaluate."""
    x, y = load_mnist(train=True)
    xt, yt = load_mnist(train=False)
    return x[:3000], y[:3000], xt[:1000], yt[:1000]


def test_build_mlp_layers_in_the_papers_order():
    plain, bn = E.build_mlp(False), E.build_mlp(True)
    assert [name for name, _ in plain.named_children()] == [
        "fc1", "sigmoid1", "fc2", "sigmoid2", "fc3", "sigmoid3", "out"]
    assert [name for name, _ in bn.named_children()] == [
        "fc1", "bn1", "sigmoid1", "fc2", "bn2", "sigmoid2", "fc3", "bn3", "sigmoid3", "out"]
    assert isinstance(bn.bn2, nn.BatchNorm1d) and isinstance(bn.sigmoid3, nn.Sigmoid)
    assert plain.fc1.weight.shape == (100, 784) and plain.out.weight.shape == (10, 100)
    # Linear -> BN: the bias would be subtracted again by BN, so the BN network has none
    assert all(getattr(bn, f"fc{i}").bias is None for i in (1, 2, 3))
    assert all(not getattr(plain, f"fc{i}").bias._data.any() for i in (1, 2, 3))
    assert E.build_mlp(False)(Tensor(np.zeros((5, 784), np.float32))).shape == (5, 10)


def test_both_networks_start_from_the_same_weights():
    plain, bn = E.build_mlp(False, seed=3), E.build_mlp(True, seed=3)
    plain_state, bn_state = plain.state_dict(), bn.state_dict()
    shared = ["fc1.weight", "fc2.weight", "fc3.weight", "out.weight", "out.bias"]
    for key in shared:
        np.testing.assert_array_equal(plain_state[key], bn_state[key])
    std = plain_state["fc1.weight"].std()
    assert abs(std - E.INIT_STD) < 0.05 * E.INIT_STD
    other = E.build_mlp(False, seed=4).state_dict()
    assert not np.array_equal(plain_state["fc1.weight"], other["fc1.weight"])
    assert E.build_mlp(False, init_std=0.5, seed=3).fc2.weight._data.std() > 0.4


@pytest.mark.parametrize("batch_norm", [False, True])
def test_a_short_run_lowers_the_loss_and_records_the_sigmoid_input(small_data, batch_norm):
    model = E.build_mlp(batch_norm, init_std=0.1)
    seen = []
    h = E.train(model, steps=150, lr=0.5, eval_every=50, data=small_data,
                label="run", progress=seen.append)
    np.testing.assert_array_equal(h["steps"], [0, 50, 100, 150])
    for key in ("test_acc", "test_loss", "train_loss"):
        assert h[key].shape == (4,)
    assert np.isnan(h["train_loss"][0]) and np.isfinite(h["train_loss"][1:]).all()
    assert h["test_loss"][-1] < h["test_loss"][0] - 0.1
    assert h["test_acc"][-1] > (0.5 if batch_norm else h["test_acc"][0])
    assert h["sigmoid_input"].shape == (4, 3)
    assert (np.diff(h["sigmoid_input"], axis=1) >= 0).all()       # 15th <= 50th <= 85th
    assert h["diverged"] is None and h["ms_per_step"] > 0
    assert [info["step"] for info in seen] == [0, 50, 100, 150]
    assert seen[-1]["label"] == "run" and seen[-1]["eta"] == 0
    assert model.training                                          # evaluation restored it


def test_the_probe_measures_the_input_of_the_last_sigmoid(small_data):
    model = E.build_mlp(True).eval()
    x = small_data[2][:7]
    u = E.sigmoid_input(model, x)
    h = model.bn3(model.fc3(model.sigmoid2(model.bn2(model.fc2(model.sigmoid1(model.bn1(
        model.fc1(Tensor(x)))))))))
    np.testing.assert_array_equal(u, h._data)
    assert E.last_sigmoid(model) == "sigmoid3"
    with pytest.raises(KeyError):
        E.sigmoid_input(model, x, layer="sigmoid9")


def test_compare_gives_both_networks_the_same_schedule_and_a_table(small_data):
    histories = E.compare(steps=60, eval_every=20, data=small_data)
    assert set(histories) == {"plain", "bn"}
    np.testing.assert_array_equal(histories["plain"]["steps"], histories["bn"]["steps"])
    assert histories["bn"]["label"] == "with BN"
    table = reporting.summary_table(histories)
    assert "test acc, final (60)" in table and "ms per training step" in table


def test_the_experiment_and_its_reporting_import_without_matplotlib():
    code = "import sys, minigrad.experiment, minigrad.reporting; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_demo_command_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    from minigrad.__main__ import main

    out = tmp_path / "tmp" / "figure1.png"
    assert main(["demo", "--steps", "200", "--eval-every", "50", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "step 200/200" in printed and "test acc, final (200)" in printed
