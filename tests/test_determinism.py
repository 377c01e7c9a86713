"""manual_seed makes a training run reproducible bit for bit: weights, batch order, losses."""
import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.data import DataLoader


def training_run(seed, epochs=2):
    """Seed, build, train on shuffled mini-batches; return everything that could differ."""
    minigrad.manual_seed(seed)
    x = minigrad.randn(96, 5)._data
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 1)
    model = nn.Sequential(nn.Linear(5, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    opt = minigrad.optim.Adam(model.parameters(), lr=1e-2)
    loader = DataLoader(x, y, batch_size=16, shuffle=True)       # seed drawn from manual_seed
    losses, batches = [], []
    for _ in range(epochs):
        for xb, yb in loader:
            batches.append(yb.copy())
            opt.zero_grad()
            loss = F.cross_entropy(model(minigrad.tensor(xb)), minigrad.tensor(yb))
            loss.backward()
            opt.step()
            losses.append(loss.item())
    return losses, batches, model.state_dict()


def digest(run) -> str:
    losses, batches, state = run
    h = hashlib.sha256(np.array(losses).tobytes())
    for b in batches:
        h.update(b.tobytes())
    for key, value in state.items():
        h.update(key.encode() + np.asarray(value).tobytes())
    return h.hexdigest()


def test_same_seed_same_run_bit_for_bit():
    first, second = training_run(7), training_run(7)
    assert first[0] == second[0]                                   # losses, exactly
    for a, b in zip(first[1], second[1]):
        np.testing.assert_array_equal(a, b)                        # batch order
    assert list(first[2]) == list(second[2])
    for key in first[2]:
        np.testing.assert_array_equal(first[2][key], second[2][key], err_msg=key)


def test_other_seed_other_run():
    assert digest(training_run(7)) != digest(training_run(8))


def test_the_run_ignores_numpys_global_random_state():
    np.random.seed(1)
    first = digest(training_run(3))
    np.random.seed(2)
    np.random.standard_normal(10)
    assert digest(training_run(3)) == first


def test_dataloader_shuffles_each_epoch_differently_but_reproducibly():
    def epochs(seed):
        minigrad.manual_seed(seed)
        loader = DataLoader(np.arange(20), np.arange(20), batch_size=5)
        return [np.concatenate([yb for _, yb in loader]) for _ in range(3)]

    run1, run2 = epochs(0), epochs(0)
    for a, b in zip(run1, run2):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(run1[0], run1[1])                   # a new order every epoch
    assert sorted(run1[0]) == list(range(20))


def test_two_processes_with_different_hash_seeds_agree():
    """Nothing may depend on id() or hash() order: two fresh interpreters give the same run."""
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, sys.argv[1])
        import test_determinism as t
        print(t.digest(t.training_run(11)))
    """)
    here = os.path.dirname(os.path.abspath(__file__))
    outputs = []
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", script, here], env=env, capture_output=True,
                              text=True, timeout=120, check=True)
        outputs.append(done.stdout.strip())
    assert outputs[0] == outputs[1] == digest(training_run(11))
