"""The optimisation probes of minigrad/probes.py; labels (PR.k) refer to its docstring."""
import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import Tensor, probes
from minigrad.nn.module import Parameter


class Quadratic(nn.Module):
    """L(w) = 1/2 w^T A w, for a symmetric positive definite A."""

    def __init__(self, A, w):
        super().__init__()
        self.A = A
        self.w = Parameter(np.array(w, dtype=np.float64))

    def forward(self):
        return 0.5 * (self.w * (Tensor(self.A) @ self.w)).sum()


def spd(rng, eigenvalues):
    q, _ = np.linalg.qr(rng.standard_normal((len(eigenvalues), len(eigenvalues))))
    return q @ np.diag(eigenvalues) @ q.T, q


def small_bn_net(batch_norm=True, eps=1e-12):
    """Linear -> [BN] -> ReLU twice, then Linear, in float64; a tiny BN eps makes the
    scale invariance exact to rounding (eps breaks it at order eps / var)."""
    minigrad.manual_seed(0)
    layers = [nn.Linear(6, 8, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(8, eps=eps))
    layers += [nn.ReLU(), nn.Linear(8, 8, bias=not batch_norm)]
    if batch_norm:
        layers.append(nn.BatchNorm1d(8, eps=eps))
    layers += [nn.ReLU(), nn.Linear(8, 3)]
    return nn.Sequential(*layers).double()


def cross_entropy_closure(model, rng):
    x, y = rng.standard_normal((32, 6)), rng.integers(0, 3, 32)
    return lambda: F.cross_entropy(model(Tensor(x)), y)


def test_effective_smoothness_of_a_quadratic_is_its_curvature_along_the_gradient():
    rng = np.random.default_rng(0)
    eigenvalues = np.array([0.5, 1.0, 2.0, 7.0])
    A, q = spd(rng, eigenvalues)
    model = Quadratic(A, 3.0 * q[:, 3])                 # w along the top eigenvector: g = 7 w
    etas = [0.01, 0.05, 0.1]
    out = probes.landscape_along_gradient(model, model, etas)
    assert out["beta"] == pytest.approx(7.0, rel=1e-12)                        # (PR.6)
    g = A @ model.w.detach().numpy()
    assert out["grad_norm"] == pytest.approx(np.linalg.norm(g))
    w = model.w.detach().numpy()
    for eta, loss, change in zip(etas, out["losses"], out["grad_change"]):
        moved = w - eta * g
        assert loss == pytest.approx(0.5 * moved @ A @ moved, rel=1e-12)       # (PR.4)
        assert change == pytest.approx(eta * np.linalg.norm(A @ g), rel=1e-12)  # (PR.5)
    assert out["loss_range"] == pytest.approx(max(out["losses"].max(), out["loss"]) -
                                              min(out["losses"].min(), out["loss"]))


def test_effective_smoothness_of_a_quadratic_lies_between_its_eigenvalues():
    rng = np.random.default_rng(1)
    A, _ = spd(rng, np.array([0.1, 1.0, 4.0]))
    model = Quadratic(A, rng.standard_normal(3))
    g = A @ model.w.detach().numpy()
    beta = probes.landscape_along_gradient(model, model, [0.1, 0.2])["beta"]
    assert beta == pytest.approx(np.linalg.norm(A @ g) / np.linalg.norm(g), rel=1e-12)
    assert 0.1 < beta < 4.0


def test_probes_leave_the_model_as_they_found_it():
    rng = np.random.default_rng(2)
    model = small_bn_net()
    closure = cross_entropy_closure(model, rng)
    before = {k: np.array(v) for k, v in model.state_dict().items()}
    probes.landscape_along_gradient(model, closure, [0.1, 1.0])
    probes.internal_covariate_shift(model, closure, [model[3].weight, model[6].weight], lr=0.5)
    probes.scale_invariance(model, closure, model[3].weight, 4.0)
    after = model.state_dict()
    for key, value in before.items():
        np.testing.assert_array_equal(value, after[key], err_msg=key)
    assert all(p.grad is None for p in model.parameters())


def test_internal_covariate_shift_matches_definition_2_1_by_hand():
    rng = np.random.default_rng(3)
    model = small_bn_net(batch_norm=False)
    closure = cross_entropy_closure(model, rng)
    lr = 0.3
    out = probes.internal_covariate_shift(model, closure, [model[2].weight, model[4].weight], lr)
    _, g = probes.loss_and_grads(model, closure)
    model.zero_grad()
    # by hand for the last layer: step layers 0 and 2 (weights and biases), then re-take its gradient
    for p, gp in list(zip(model.parameters(), g))[:4]:
        p._data -= lr * gp
    _, moved = probes.loss_and_grads(model, closure)
    expected = np.linalg.norm(g[4] - moved[4])
    assert out["l2"][1] == pytest.approx(expected, rel=1e-10)                  # (PR.3)
    cosine = (g[4] * moved[4]).sum() / np.linalg.norm(g[4]) / np.linalg.norm(moved[4])
    assert out["cosine"][1] == pytest.approx(cosine, rel=1e-10)
    assert out["relative"][1] == pytest.approx(expected / np.linalg.norm(g[4]), rel=1e-10)
    assert 0 < out["l2"][0] and -1 <= out["cosine"].min() <= out["cosine"].max() <= 1


def test_internal_covariate_shift_of_the_first_layer_is_zero():
    rng = np.random.default_rng(4)
    model = small_bn_net()
    out = probes.internal_covariate_shift(model, cross_entropy_closure(model, rng),
                                          [model[0].weight], lr=1.0)
    assert out["l2"][0] == 0.0 and out["cosine"][0] == pytest.approx(1.0)


@pytest.mark.parametrize("a", [0.5, 3.0, 10.0])
def test_scale_invariance_identities_hold_for_a_weight_followed_by_batchnorm(a):
    rng = np.random.default_rng(5)
    model = small_bn_net()
    closure = cross_entropy_closure(model, rng)
    out = probes.scale_invariance(model, closure, model[3].weight, a)
    assert out["loss_scaled"] == pytest.approx(out["loss"], rel=1e-10)         # L(a w) = L(w)
    assert out["grad_ratio"] == pytest.approx(1 / a, rel=1e-8)                 # (PR.7)
    assert out["grad_error"] < 1e-8
    assert abs(out["cosine_w_grad"]) < 1e-10                                   # (PR.8)


def test_scale_invariance_fails_where_no_batchnorm_follows():
    rng = np.random.default_rng(6)
    model = small_bn_net()
    out = probes.scale_invariance(model, cross_entropy_closure(model, rng), model[6].weight, 3.0)
    assert out["loss_scaled"] != pytest.approx(out["loss"], rel=1e-3)
    assert abs(out["cosine_w_grad"]) > 1e-3


def test_sgd_only_grows_a_scale_invariant_weight_without_weight_decay():
    rng = np.random.default_rng(7)
    model = small_bn_net()
    data = iter([(rng.standard_normal((32, 6)), rng.integers(0, 3, 32)) for _ in range(40)])
    weight = model[3].weight

    def measure(model, closure, step):
        return float(np.sum(weight._data.astype(np.float64) ** 2))

    norms = probes.track(model, data, F.cross_entropy, steps=40, lr=0.5, every=1, measure=measure)
    assert np.all(np.diff(norms) > 0)                                          # (PR.9)


def test_every_label_lesson_10_cites_is_defined_and_tags_code():
    import json
    import re
    from pathlib import Path

    from minigrad.nn import batchnorm_variants
    root = Path(__file__).resolve().parent.parent
    lesson = json.loads((root / "lessons" / "10_why_batchnorm_helps.ipynb").read_text())
    text = "".join("".join(cell["source"]) for cell in lesson["cells"])
    cited = set(re.findall(r"\((?:PR|NB|LP)\.\d+", text))
    assert len(cited) >= 12
    sources = {"PR": Path(probes.__file__).read_text(), "NB": Path(batchnorm_variants.__file__).read_text(),
               "LP": Path(batchnorm_variants.__file__).read_text()}
    tests_text = Path(__file__).read_text() + (root / "tests" / "test_batchnorm_variants.py").read_text()
    for label in sorted(cited):
        source = sources[label[1:3]]
        docstring, code = source.split('"""', 2)[1], source.split('"""', 2)[2]
        assert label + ")" in docstring, f"{label}) is not defined in the module docstring"
        assert f"# {label})" in code or f"# {label})" in tests_text, f"no line is tagged {label})"
