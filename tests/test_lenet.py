"""minigrad.lenet (LeNet-5 with and without BatchNorm) and `python -m minigrad demo --model lenet`.
The plumbing is tested here; the claim (BN trains faster) is checked by lesson 07 on real runs."""
import subprocess
import sys

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
from minigrad import lenet

PLAIN = ["conv1", "sigmoid1", "pool1", "conv2", "sigmoid2", "pool2", "flatten",
         "fc1", "sigmoid3", "fc2", "sigmoid4", "out"]
BN = ["conv1", "bn1", "sigmoid1", "pool1", "conv2", "bn2", "sigmoid2", "pool2", "flatten",
      "fc1", "bn3", "sigmoid3", "fc2", "bn4", "sigmoid4", "out"]


@pytest.mark.parametrize("batch_norm, names", [(False, PLAIN), (True, BN)])
def test_the_layers_and_their_names(batch_norm, names):
    model = lenet.build_lenet(batch_norm)
    assert [name for name, _ in model.named_children()] == names
    assert model(minigrad.rand(3, 1, 28, 28)).shape == (3, 10)
    assert isinstance(model.bn1, nn.BatchNorm2d) if batch_norm else model.conv1.bias is not None
    if batch_norm:
        assert isinstance(model.bn3, nn.BatchNorm1d) and model.conv1.bias is None and model.fc2.bias is None


def test_both_networks_share_their_initial_weights():
    plain, bn = lenet.build_lenet(False, seed=3), lenet.build_lenet(True, seed=3)
    for name in ("conv1", "conv2", "fc1", "fc2", "out"):
        np.testing.assert_array_equal(getattr(plain, name).weight.detach().numpy(),
                                      getattr(bn, name).weight.detach().numpy())
    np.testing.assert_array_equal(plain.out.bias.detach().numpy(), bn.out.bias.detach().numpy())
    other = lenet.build_lenet(False, seed=4)
    assert not np.array_equal(other.conv1.weight.detach().numpy(), plain.conv1.weight.detach().numpy())


def test_the_initialisation_is_pytorchs_bound():
    model = lenet.build_lenet(False)
    bound = 1 / np.sqrt(6 * 5 * 5)
    w = model.conv2.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound


def test_pytorch_builds_the_same_network_from_the_same_function():
    torch = pytest.importorskip("torch")
    ours = lenet.build_lenet(True)
    theirs = torch.nn.Sequential(lenet.lenet_layers(torch.nn, batch_norm=True))
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).random((4, 1, 28, 28), dtype=np.float32)
    np.testing.assert_allclose(ours(minigrad.tensor(x)).detach().numpy(),
                               theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-4, atol=1e-5)


def _tiny_data():
    train_x, train_y, test_x, test_y = lenet.mnist_images(test_size=200)
    return train_x[:640], train_y[:640], test_x, test_y


def test_compare_trains_both_on_the_same_batches():
    histories = lenet.compare(steps=6, eval_every=3, data=_tiny_data())
    for key in ("plain", "bn"):
        h = histories[key]
        assert list(h["steps"]) == [0, 3, 6] and h["test_acc"].shape == (3,)
        assert np.isfinite(h["train_loss"][1:]).all()
    # step 0 is before any training: the two nets share weights but BN changes the function
    assert histories["plain"]["label"] == "without BN" and histories["bn"]["label"] == "with BN"


def test_lr_sweep_returns_a_comparison_per_rate():
    sweep = lenet.lr_sweep([0.1, 1.0], steps=2, eval_every=2, data=_tiny_data())
    assert set(sweep) == {0.1, 1.0} and set(sweep[0.1]) == {"plain", "bn"}
    assert sweep[1.0]["bn"]["lr"] == 1.0


def test_the_module_imports_without_matplotlib():
    code = "import sys, minigrad.lenet; assert 'matplotlib' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_demo_command_writes_its_own_png(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    from minigrad import __main__ as cli

    monkeypatch.setattr(cli, "LENET_TEST_SIZE", 100)
    out = tmp_path / "lenet.png"
    assert cli.main(["demo", "--model", "lenet", "--steps", "4", "--eval-every", "2", "--out", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    printed = capsys.readouterr().out
    assert "LeNet-5" in printed and "step 4/4" in printed and "test acc, final (4)" in printed
