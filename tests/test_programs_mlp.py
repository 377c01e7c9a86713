"""The course-style MNIST programs of tests/programs/: the tutorial MLP + BatchNorm1d
(mlp_batchnorm_mnist.py) and the TensorDataset + AdamW + OneCycleLR one
(mlp_onecycle_tensordataset.py). Each trains on the bundled data, keeps its checkpoint promises,
and gives PyTorch's losses when its imports are swapped for torch."""
import sys

import numpy as np
import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "programs"))
import swap  # noqa: E402
from swap import both  # noqa: E402,F401  (the fixture)

SMALL = dict(root=str(swap.DATA), batch_size=32, train_indices=range(512), test_indices=range(500))


def test_it_trains_on_the_bundled_data(tmp_path, capsys):
    program = swap.load("mlp_batchnorm_mnist")
    losses, evaluations = program.main(num_epochs=2, checkpoint=str(tmp_path / "ckpt.pt"), **SMALL)
    assert len(losses) == 2 * 16
    assert np.mean(losses[-8:]) < 0.5 * np.mean(losses[:4])
    (loss1, correct1), (loss2, correct2) = evaluations
    assert loss2 < loss1 and correct2 / 500 > 0.6          # chance is 0.1
    assert "Test set: Average loss" in capsys.readouterr().out


def test_resuming_from_the_checkpoint_continues_the_same_run(tmp_path):
    program = swap.load("mlp_batchnorm_mnist")
    straight, straight_eval = program.main(num_epochs=3, checkpoint=str(tmp_path / "a.pt"), **SMALL)
    first, first_eval = program.main(num_epochs=1, checkpoint=str(tmp_path / "b.pt"), **SMALL)
    rest, rest_eval = program.main(num_epochs=3, checkpoint=str(tmp_path / "b.pt"), resume=True, **SMALL)
    assert len(first) == 16 and len(rest) == 32
    assert first + rest == straight                   # bit for bit: weights, momentum, StepLR, batch order
    assert first_eval + rest_eval == straight_eval


def test_the_same_program_under_torch_gives_the_same_losses(tmp_path, both):
    ours, theirs = both("mlp_batchnorm_mnist")
    assert theirs.torch.__name__ == "torch" and theirs.datasets.MNIST.__module__ == "swap"
    ours.torch.manual_seed(0)
    init = ours.Net(ours.input_size, ours.hidden_size, ours.num_classes).state_dict()
    # the same batches: a fixed random subset, visited in order (the two libraries' shuffles
    # draw different permutations from the same seed)
    order = np.random.default_rng(0).permutation(60000)[:512].tolist()
    run = dict(SMALL, train_indices=order, shuffle=False, num_epochs=2)
    our_losses, our_eval = ours.main(checkpoint=str(tmp_path / "ours.pt"), init_state=init, **run)
    their_losses, their_eval = theirs.main(checkpoint=str(tmp_path / "theirs.pt"),
                                           init_state=swap.to_torch(init), **run)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)         # measured: 3e-7
    for (our_loss, our_correct), (their_loss, their_correct) in zip(our_eval, their_eval):
        assert our_loss == pytest.approx(their_loss, rel=1e-5) and abs(our_correct - their_correct) <= 1
    # and each library resumes from its own checkpoint
    _, our_rest = ours.main(checkpoint=str(tmp_path / "ours.pt"), init_state=init, resume=True,
                            **dict(run, num_epochs=3))
    _, their_rest = theirs.main(checkpoint=str(tmp_path / "theirs.pt"), resume=True,
                                init_state=swap.to_torch(init), **dict(run, num_epochs=3))
    assert our_rest[0][0] == pytest.approx(their_rest[0][0], rel=1e-4)


ONECYCLE = dict(root=str(swap.DATA), n=1280, bs=64, epochs=3)


def test_the_onecycle_program_trains_and_reloads_its_best_model(tmp_path):
    program = swap.load("mlp_onecycle_tensordataset")
    losses, valid_losses, reloaded_loss, reloaded_acc, (train_idx, valid_idx) = program.main(
        best_path=str(tmp_path / "best.pt"), **ONECYCLE)
    assert (len(train_idx), len(valid_idx)) == (1024, 256) and not set(train_idx) & set(valid_idx)
    assert len(losses) == 3 * 16                                 # drop_last: 1024 / 64 batches
    assert valid_losses[-1] < valid_losses[0] and reloaded_acc > 0.8
    assert reloaded_loss == min(valid_losses)                    # the checkpoint is the best epoch


def test_the_onecycle_program_under_torch_gives_the_same_losses(tmp_path, both):
    ours, theirs = both("mlp_onecycle_tensordataset")
    ours.torch.manual_seed(0)
    init = ours.make_model().state_dict()
    split = ours.main(best_path=str(tmp_path / "a.pt"), **ONECYCLE)[-1]    # our random_split
    run = dict(ONECYCLE, shuffle=False, split=split)                       # the same batches
    our_losses, our_valid, our_best, our_acc, _ = ours.main(best_path=str(tmp_path / "b.pt"),
                                                            init_state=init, **run)
    their_losses, their_valid, their_best, their_acc, _ = theirs.main(best_path=str(tmp_path / "c.pt"),
                                                                      init_state=swap.to_torch(init), **run)
    np.testing.assert_allclose(our_losses, their_losses, rtol=1e-5)        # measured: 2e-6
    np.testing.assert_allclose(our_valid, their_valid, rtol=1e-5)
    assert our_best == pytest.approx(their_best, rel=1e-5) and abs(our_acc - their_acc) <= 1 / 256
