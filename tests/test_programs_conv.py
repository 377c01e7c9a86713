"""The convolutional course programs of tests/programs/: d2l's BN LeNet, from scratch and
concise (d2l_batch_norm_lenet.py), and PyTorch's examples/mnist/main.py style (mnist_main.py).
Each trains on a small part of the bundled MNIST, and gives PyTorch's losses when its imports
are swapped for torch, from the same initial weights and batches."""
import sys

import numpy as np
import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "programs"))
import swap  # noqa: E402

LENET = dict(root=str(swap.DATA), lr=1.0, num_epochs=2, batch_size=64, train_indices=range(1024),
             test_indices=range(500))


@pytest.fixture
def both(monkeypatch):
    """name -> (the program on minigrad, the same program with its imports swapped for torch)."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    for name, module in swap.torchvision_stand_in().items():
        monkeypatch.setitem(sys.modules, name, module)
    return lambda name: (swap.load(name), swap.load(name, "torch"))


# ------------------------------------------------------------------- d2l, BN LeNet
@pytest.mark.parametrize("which, floor", [("scratch", 0.6), ("concise", 0.6)])
def test_the_bn_lenet_learns(which, floor):
    program = swap.load("d2l_batch_norm_lenet")
    program.torch.manual_seed(0)
    losses, accs, test_acc, net = program.main(which, **LENET)
    assert len(losses) == 2 * 16
    assert np.mean(losses[-8:]) < 0.5 * np.mean(losses[:4])
    assert np.mean(accs[-8:]) > 0.7 and test_acc > floor         # chance is 0.1; measured 0.74, 0.73
    if which == "scratch":
        # the moving statistics: per channel after a convolution, per feature after a Linear,
        # plain tensors outside the autograd graph, moved by momentum 0.9 from (0, 1)
        conv_bn, fc_bn = net[1], net[10]
        assert conv_bn.moving_mean.shape == (1, 6, 1, 1) and fc_bn.moving_var.shape == (1, 120)
        assert not conv_bn.moving_mean.requires_grad and conv_bn.moving_mean.grad_fn is None
        assert float(conv_bn.moving_var.min()) > 0 and not np.allclose(conv_bn.moving_mean.numpy(), 0)
        assert sorted(net.state_dict()) == sorted(k for k in net.state_dict() if "moving" not in k)
    else:
        assert int(net[1].num_batches_tracked) == 32


@pytest.mark.parametrize("which", ["scratch", "concise"])
def test_the_bn_lenet_under_torch_gives_the_same_losses(both, which):
    ours, theirs = both("d2l_batch_norm_lenet")
    assert theirs.torch.__name__ == "torch" and theirs.datasets.MNIST.__module__ == "swap"
    ours.torch.manual_seed(0)
    net = ours.lenet_scratch() if which == "scratch" else ours.lenet_concise()
    net.apply(ours.init_weights)
    init = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    run = dict(LENET, shuffle=False, init_state=None)
    our_losses, our_accs, our_acc, _ = ours.main(which, **dict(run, init_state=init))
    their_losses, their_accs, their_acc, _ = theirs.main(which, **dict(run, init_state=swap.to_torch(init)))
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)        # measured: 1.3e-6 over 32 steps
    assert our_accs == their_accs and abs(our_acc - their_acc) <= 2 / 500
