"""The makemore-part-4 style program of tests/programs/ ("becoming a backprop ninja"): every
hand-derived gradient of a character-level MLP with hand-written BatchNorm and cross-entropy
agrees with autograd's, training on those gradients alone lowers the loss, and under torch the
same program from the same weights and batches gives the same losses."""
import sys

import numpy as np
import pytest

sys.path.insert(0, str(__import__("pathlib").Path(__file__).parent / "programs"))
import swap  # noqa: E402

WORDS = swap.load("makemore_mlp_batchnorm").make_names(400)
EXERCISE_1 = ["logprobs", "probs", "counts_sum_inv", "counts_sum", "counts", "norm_logits",
              "logit_maxes", "logits", "h", "W2", "b2", "hpreact", "bngain", "bnbias", "bnraw",
              "bnvar_inv", "bnvar", "bndiff2", "bndiff", "bnmeani", "hprebn", "embcat", "W1",
              "b1", "emb", "C"]


def test_every_hand_derived_gradient_agrees_with_autograd_and_trains():
    program = swap.load("makemore_backprop_ninja")
    checks, loss, lossi, _ = program.main(WORDS, max_steps=60)
    names = [name for name, *_ in checks]
    assert names == EXERCISE_1 + ["logits (fast)", "hprebn (fast)"]
    assert all(approximate for _, _, approximate, _ in checks)
    # exercise 1 writes out the very expressions our autograd evaluates, so every one of its 26
    # gradients is bit for bit autograd's; the two shortcuts regroup the sums (measured 7e-9)
    assert [name for name, exact, _, _ in checks if not exact] == ["logits (fast)", "hprebn (fast)"]
    assert max(maxdiff for *_, maxdiff in checks) < 1e-7
    vocab = len(set("".join(WORDS))) + 1
    assert loss == pytest.approx(np.log(vocab), rel=0.15)             # a near-uniform start
    assert np.mean(lossi[-10:]) < 0.95 * np.mean(lossi[:5])        # measured: 0.88


def test_under_torch_the_same_program_gives_the_same_losses():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    ours, theirs = swap.load("makemore_backprop_ninja"), swap.load("makemore_backprop_ninja", "torch")
    assert theirs.torch is torch
    init = [p.numpy() for p in ours.init_parameters(len(set("".join(WORDS))) + 1)]
    our_checks, our_loss, our_lossi, our_params = ours.main(WORDS, max_steps=60, init=init)
    their_checks, their_loss, their_lossi, their_params = theirs.main(WORDS, max_steps=60, init=init)
    assert [c[:1] + c[2:3] for c in their_checks] == [(name, True) for name, *_ in our_checks]
    assert our_loss == pytest.approx(their_loss, rel=1e-6)
    np.testing.assert_allclose(our_lossi, their_lossi, rtol=1e-5)       # measured: 2e-7
    for ours_p, theirs_p in zip(our_params, their_params):
        np.testing.assert_allclose(ours_p.detach().numpy(), theirs_p.detach().numpy(), rtol=1e-4, atol=1e-5)   # measured: 2e-7
