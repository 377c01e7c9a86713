"""The convolutional course programs of tests/programs/: d2l's BN LeNet, from scratch and
concise (d2l_batch_norm_lenet.py), and PyTorch's examples/mnist/main.py style (mnist_main.py).
Each trains on a small part of the bundled MNIST, and gives PyTorch's losses when its imports
are swapped for torch, from the same initial weights and batches."""
import sys

import numpy as np
import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "programs"))
import swap  # noqa: E402
from swap import both  # noqa: E402,F401  (the fixture)

LENET = dict(root=str(swap.DATA), lr=1.0, num_epochs=2, batch_size=64, train_indices=range(1024),
             test_indices=range(500))


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


# ------------------------------------------------------------------- PyTorch's examples/mnist
MNIST_ARGS = ['--batch-size', '32', '--train-size', '256', '--test-size', '200', '--test-batch-size',
              '100', '--root', str(swap.DATA), '--log-interval', '4']


def test_the_mnist_example_trains_and_saves_its_model(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)                        # the example saves to ./mnist_cnn.pt
    program = swap.load("mnist_main")
    losses, evaluations, model = program.main(MNIST_ARGS + ['--epochs', '2', '--save-model'])
    assert len(losses) == 2 * 8
    assert np.mean(losses[-4:]) < 0.7 * np.mean(losses[:2])      # dropout on; measured: 0.55
    (loss1, correct1), (loss2, correct2) = evaluations
    assert loss2 < loss1 and correct2 / 200 > 0.5                   # chance is 0.1; measured 0.71
    out = capsys.readouterr().out
    assert "Train Epoch: 2 [128/256 (50%)]\tLoss: " in out and "Accuracy: {}/200".format(correct2) in out
    # the saved state_dict loads into a fresh Net (the dropouts have no state) and predicts the same
    assert model.conv1.weight.device == program.torch.device("cpu")
    fresh = program.Net()
    fresh.load_state_dict(program.torch.load("mnist_cnn.pt"))
    assert sorted(fresh.state_dict()) == sorted(model.state_dict())
    assert program.test(fresh, "cpu", _test_loader(program)) == program.test(model, "cpu", _test_loader(program))


def _test_loader(program):
    transform = program.transforms.Compose([program.transforms.ToTensor(),
                                            program.transforms.Normalize((0.1307,), (0.3081,))])
    dataset = program.datasets.MNIST(str(swap.DATA), train=False, transform=transform)
    return program.torch.utils.data.DataLoader(program.torch.utils.data.Subset(dataset, range(200)),
                                               batch_size=100)


def test_the_mnist_example_under_torch_gives_the_same_losses(both):
    """With --no-dropout: the two libraries draw different Dropout masks from the same seed."""
    ours, theirs = both("mnist_main")
    ours.torch.manual_seed(0)
    init = {k: v.numpy().copy() for k, v in ours.Net().state_dict().items()}
    argv = MNIST_ARGS + ['--epochs', '1', '--no-dropout']
    our_losses, our_eval, _ = ours.main(argv, init_state=init)
    their_losses, their_eval, _ = theirs.main(argv, init_state=swap.to_torch(init))
    # one epoch of Adadelta at lr 1.0 through ReLU and max-pooling: measured 2e-7. (Over a
    # second epoch the difference grows to 4e-5: Adadelta's normalised steps and the max-pool's
    # choice among near-equal inputs amplify float32 rounding.)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)
    (our_loss, our_correct), = our_eval
    (their_loss, their_correct), = their_eval
    assert our_loss == pytest.approx(their_loss, rel=1e-5) and abs(our_correct - their_correct) <= 1
