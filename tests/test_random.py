"""minigrad.Generator and the drawing functions that take generator=: reproducibility,
independence from the global generator, distributions, and PyTorch's shapes, dtypes, errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.utils.data import DataLoader, random_split


def draws(g):
    return [mg.randn(3, generator=g), mg.rand(2, 2, generator=g), mg.randint(0, 10, (4,), generator=g),
            mg.randperm(6, generator=g), mg.multinomial(mg.tensor([0.2, 0.3, 0.5]), 4, True, generator=g),
            mg.normal(mg.zeros(3), mg.ones(3), generator=g)]


def same(a, b):
    return all(np.array_equal(x.numpy(), y.numpy()) for x, y in zip(a, b))


def test_a_seeded_generator_replays_and_leaves_the_global_one_alone():
    mg.manual_seed(5)
    expected_global = mg.randn(4).numpy()
    mg.manual_seed(5)
    first = draws(mg.Generator().manual_seed(1))
    np.testing.assert_array_equal(mg.randn(4).numpy(), expected_global)
    assert same(first, draws(mg.Generator().manual_seed(1)))
    assert not same(first, draws(mg.Generator().manual_seed(2)))


def test_manual_seed_returns_the_generator_and_initial_seed_reports_it():
    g = mg.Generator()
    assert g.manual_seed(7) is g and g.initial_seed() == 7
    assert isinstance(mg.manual_seed(3), mg.Generator) and mg.initial_seed() == 3
    assert mg.Generator().manual_seed(-1).initial_seed() == 2**64 - 1      # wraps, as in PyTorch
    fresh = g.seed()
    assert g.initial_seed() == fresh and 0 <= fresh < 2**64


def test_get_state_and_set_state_replay_the_stream():
    g = mg.Generator().manual_seed(0)
    mg.randn(5, generator=g)
    state = g.get_state()
    assert state.dtype == np.uint8
    after = draws(g)
    other = mg.Generator().set_state(state)
    assert same(draws(other), after) and other.initial_seed() == 0
    g.set_state(mg.tensor(state))                    # a Tensor of the bytes works too
    assert same(draws(g), after)
    with pytest.raises(RuntimeError, match="RNG state is wrong size"):
        g.set_state(state[:-1])


def test_global_rng_state_round_trip():
    state = mg.get_rng_state()
    a = mg.rand(3).numpy()
    mg.set_rng_state(state)
    np.testing.assert_array_equal(mg.rand(3).numpy(), a)


@pytest.mark.parametrize("bad, error", [(1.5, TypeError), (True, TypeError), (2**64, ValueError)])
def test_manual_seed_refuses_what_is_not_a_seed(bad, error):
    with pytest.raises(error):
        mg.Generator().manual_seed(bad)


def test_generator_must_be_ours_and_on_the_cpu():
    with pytest.raises(TypeError, match="generator must be a minigrad.Generator, not Generator"):
        mg.randn(2, generator=np.random.default_rng(0))
    with pytest.raises(RuntimeError, match="minigrad runs on the CPU"):
        mg.Generator(device="cuda")


def test_randperm_is_a_permutation():
    p = mg.randperm(50)
    assert p.dtype == np.int64 and sorted(p.tolist()) == list(range(50))
    assert mg.randperm(0).shape == (0,)
    with pytest.raises(RuntimeError, match="negative dimension -1"):
        mg.randperm(-1)


def test_multinomial_with_replacement_follows_the_weights():
    counts = np.bincount(mg.multinomial(mg.tensor([1.0, 0.0, 3.0]), 40000, replacement=True).numpy(),
                         minlength=3)
    assert counts[1] == 0
    assert counts[0] / 40000 == pytest.approx(0.25, abs=0.01)


def test_multinomial_without_replacement_draws_each_category_once_in_weighted_order():
    rows = mg.multinomial(mg.tensor([[1.0, 1.0, 1.0, 1.0], [100.0, 1.0, 1.0, 1e-6]]), 4)
    assert rows.shape == (2, 4) and rows.dtype == np.int64
    assert all(sorted(r) == [0, 1, 2, 3] for r in rows.tolist())
    firsts = mg.multinomial(mg.tensor([[8.0, 1.0, 1.0]] * 20000), 1).numpy().ravel()
    assert np.mean(firsts == 0) == pytest.approx(0.8, abs=0.01)
    # given that the first draw was 0, the second follows the remaining weights 1:3
    pairs = mg.multinomial(mg.tensor([[8.0, 1.0, 3.0]] * 20000), 2).numpy()
    second = pairs[pairs[:, 0] == 0, 1]
    assert np.mean(second == 2) == pytest.approx(0.75, abs=0.02)


@pytest.mark.parametrize("weights, n, replacement, message", [
    ([[[1.0]]], 1, False, "prob_dist must be 1 or 2 dim"),
    ([1.0, -1.0], 1, False, "element < 0"),
    ([0.0, 0.0], 1, True, r"sum of probabilities <= 0"),
    ([1.0, 1.0], 3, False, "cannot sample n_sample > prob_dist.size\\(-1\\) samples without replacement"),
    ([1.0, 1.0], 0, True, "cannot sample n_sample <= 0 samples"),
])
def test_multinomial_errors_are_pytorchs(weights, n, replacement, message):
    with pytest.raises(RuntimeError, match=message):
        mg.multinomial(mg.tensor(weights), n, replacement)


def test_normal_broadcasts_and_keeps_the_mean_and_spread():
    x = mg.normal(mg.full((20000,), 3.0), 2.0)
    assert x.dtype == np.float32 and x.numpy().mean() == pytest.approx(3.0, abs=0.05)
    assert x.numpy().std() == pytest.approx(2.0, abs=0.05)
    assert mg.normal(mg.zeros(2, 1), mg.ones(3)).shape == (2, 3)
    assert mg.normal(0.0, 1.0, size=(4,)).shape == (4,)
    assert mg.normal(mg.zeros(2, dtype=mg.float64), 1.0).dtype == np.float64
    with pytest.raises(RuntimeError, match="normal expects std >= 0.0"):
        mg.normal(0.0, -1.0, size=(2,))
    with pytest.raises(TypeError, match="pass a size too"):
        mg.normal(0.0, 1.0)


def test_shuffling_and_splitting_follow_their_generator():
    data = list(range(20))

    def epoch(seed):
        return [b.tolist() for b in DataLoader(data, batch_size=5, shuffle=True, generator=mg.Generator().manual_seed(seed))]
    assert epoch(0) == epoch(0) and epoch(0) != epoch(1)
    split = [list(s) for s in random_split(data, [15, 5], generator=mg.Generator().manual_seed(0))]
    assert split == [list(s) for s in random_split(data, [15, 5], generator=mg.Generator().manual_seed(0))]
    mg.manual_seed(4)
    a = [b.tolist() for b in DataLoader(data, batch_size=5, shuffle=True)]
    mg.manual_seed(4)
    assert a == [b.tolist() for b in DataLoader(data, batch_size=5, shuffle=True)]


def test_shapes_and_dtypes_match_torch():
    torch = pytest.importorskip("torch")
    g, tg = mg.Generator().manual_seed(0), torch.Generator().manual_seed(0)
    pairs = [
        (mg.randn(2, 3, generator=g), torch.randn(2, 3, generator=tg)),
        (mg.rand((2,), generator=g), torch.rand((2,), generator=tg)),
        (mg.randint(3, (2, 2), generator=g), torch.randint(3, (2, 2), generator=tg)),
        (mg.randperm(5, generator=g), torch.randperm(5, generator=tg)),
        (mg.multinomial(mg.ones(2, 4), 3, generator=g), torch.multinomial(torch.ones(2, 4), 3, generator=tg)),
        (mg.normal(mg.zeros(3), 1.0, generator=g), torch.normal(torch.zeros(3), 1.0, generator=tg)),
        (mg.normal(1.0, 2.0, (2, 2), generator=g), torch.normal(1.0, 2.0, (2, 2), generator=tg)),
    ]
    for ours, theirs in pairs:
        assert ours.shape == tuple(theirs.shape) and ours.dtype.name == str(theirs.dtype).split(".")[1]
    assert len(tg.get_state()) > 0 and tg.initial_seed() == g.initial_seed() == 0
