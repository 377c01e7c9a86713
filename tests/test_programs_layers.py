"""Programs of ours written the way course code is (tests/programs/): a makemore-part-3 style
character-level MLP with BatchNorm1d, and d2l's from-scratch batch_norm in an MLP. Each trains
on data generated in code; where torch is installed, the same file with its imports swapped for
torch, from the same initial weights and batches, gives the same losses to float32 rounding."""
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "programs"))
from swap import load  # noqa: E402


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    return torch


def _state(library, state):
    return {key: library.tensor(np.array(value)) for key, value in state.items()}


# ------------------------------------------------------------------- makemore, part 3 style
def test_makemore_mlp_learns_the_names():
    program = load("makemore_mlp_batchnorm")
    program.torch.manual_seed(0)
    lossi, _, losses, samples = program.main(max_steps=300)
    vocab = len(program.vocabulary(program.make_names(400))[1])
    first, last = 10 ** np.mean(lossi[:10]), 10 ** np.mean(lossi[-50:])
    assert first == pytest.approx(np.log(vocab), rel=0.1)      # a near-uniform start
    assert last < 0.85 * first and losses["val"] < 0.9 * np.log(vocab)
    assert all(isinstance(s, str) and len(s) >= 1 for s in samples) and len(samples) == 4


def test_makemore_mlp_under_torch_gives_the_same_losses(torch):
    ours, theirs = load("makemore_mlp_batchnorm"), load("makemore_mlp_batchnorm", "torch")
    assert theirs.torch is torch
    ours.torch.manual_seed(0)
    vocab = len(ours.vocabulary(ours.make_names(400))[1])
    init = ours.build_model(vocab).state_dict()
    our_lossi, _, our_losses, our_samples = ours.main(max_steps=200, init_state=_state(ours.torch, init))
    their_lossi, _, their_losses, their_samples = theirs.main(max_steps=200, init_state=_state(torch, init))
    # 200 steps of SGD through Embedding, BatchNorm1d and cross-entropy: measured 3e-7
    np.testing.assert_allclose(10 ** np.array(our_lossi), 10 ** np.array(their_lossi), rtol=1e-5)
    for split in our_losses:
        assert our_losses[split] == pytest.approx(their_losses[split], rel=1e-5)
    assert our_samples == their_samples


def test_makemore_update_to_data_ratios():
    """``((lr * p.grad).std() / p.data.std()).log10()`` needs .grad and .data to be Tensors."""
    program = load("makemore_mlp_batchnorm")
    program.torch.manual_seed(0)
    _, ud, _, _ = program.main(max_steps=20, track_ud=True)
    ratios = np.array(ud)
    assert ratios.shape == (20, 6) and np.all(np.isfinite(ratios))
    # the weight matrices move by a small fraction of their spread per step (under torch:
    # 1e-4.7 to 1e-2.3); BatchNorm's gain and bias start at constants, so theirs start near 1
    assert np.all(ratios[:, :2] < -1)


# ------------------------------------------------------------------- d2l, batch norm from scratch
def test_d2l_batch_norm_from_scratch_learns():
    """d2l hands the moving statistics back through ``.data`` and then asks for their
    ``.device``: that needs .data to be a Tensor."""
    program = load("d2l_batch_norm_scratch")
    program.torch.manual_seed(0)
    losses, test_acc, net = program.main(num_epochs=3)
    assert np.mean(losses[-5:]) < 0.75 * np.mean(losses[:5])          # measured: 0.61
    assert test_acc > 0.6                                       # chance is 1/3; measured 0.76
    moving = net[1].moving_mean
    assert moving.shape == (1, 32) and not moving.requires_grad


def test_d2l_batch_norm_from_scratch_under_torch_gives_the_same_losses(torch):
    ours, theirs = load("d2l_batch_norm_scratch"), load("d2l_batch_norm_scratch", "torch")
    ours.torch.manual_seed(0)
    _, _, net = ours.main(num_epochs=0)
    init = {key: np.array(value) for key, value in net.state_dict().items()}
    our_losses, our_acc, _ = ours.main(num_epochs=3, init_state=_state(ours.torch, init))
    their_losses, their_acc, _ = theirs.main(num_epochs=3, init_state=_state(torch, init))
    # measured 4e-7 (with .data replaced by .detach() on today's engine)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)
    assert our_acc == their_acc
