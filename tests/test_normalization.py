"""The normalisation family: finite differences, PyTorch parity, the special cases, properties.

Equation labels (NF.k) refer to the docstring of minigrad/ops/normalization.py, (BN.k) to
minigrad/ops/batchnorm.py. Golden values: tests/fixtures/normalization.npz, made by
tests/fixtures/make_normalization_fixtures.py; live parity tests run the same cases on fresh
data when torch is installed. Tolerance (absolute and relative): 1e-10 in float64, 1e-5 in float32.
"""
import inspect
import io
import json
import pathlib
import re
import warnings

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import Tensor, gradcheck
from minigrad.ops import normalization as nf_ops
from minigrad.ops.batchnorm import BatchNorm
from minigrad.ops.normalization import Normalization
from parity import FIXTURES, assert_raises_as_pytorch, assert_same, check_live, load_maker

GOLDEN = np.load(FIXTURES / "normalization.npz")
CASES = json.loads(str(GOLDEN["cases"]))
FIELDS = ("y", "dx", "dweight", "dbias", "running_mean", "running_var")


def data(shape, seed=0, dtype=np.float64):
    """Data with an offset and a spread along every axis."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * rng.uniform(0.5, 3, shape[-1]) + rng.uniform(-3, 3, shape[-1])
    return x.astype(dtype)


def randomized(layer, seed=1):
    """Random weight and bias (float64 layer), random running statistics where it keeps them."""
    rng = np.random.default_rng(seed)
    layer = layer.double()
    for p in layer.parameters():
        p._data[...] = 1 + 0.5 * rng.standard_normal(p.shape)
    if getattr(layer, "running_mean", None) is not None:
        layer.running_mean._data[...] = rng.standard_normal(layer.running_mean.shape)
        layer.running_var._data[...] = rng.uniform(0.5, 2, layer.running_var.shape)
    return layer


# ------------------------------------------------------------------ finite differences
GRADCHECK = [
    ("LayerNorm-last", lambda: nn.LayerNorm(4), (3, 4)),
    ("LayerNorm-last-3D", lambda: nn.LayerNorm(4), (2, 3, 4)),
    ("LayerNorm-two", lambda: nn.LayerNorm((3, 4)), (2, 3, 4)),
    ("LayerNorm-1D-input", lambda: nn.LayerNorm(5), (5,)),
    ("LayerNorm-no-bias", lambda: nn.LayerNorm(4, bias=False), (3, 4)),
    ("LayerNorm-no-affine", lambda: nn.LayerNorm((2, 3), elementwise_affine=False), (2, 2, 3)),
    ("RMSNorm", lambda: nn.RMSNorm(4), (3, 4)),
    ("RMSNorm-two", lambda: nn.RMSNorm((2, 3), eps=1e-3), (4, 2, 3)),
    ("RMSNorm-no-weight", lambda: nn.RMSNorm(4, elementwise_affine=False), (3, 4)),
    ("GroupNorm-2D", lambda: nn.GroupNorm(2, 6), (3, 6)),
    ("GroupNorm-3D", lambda: nn.GroupNorm(3, 6), (2, 6, 3)),
    ("GroupNorm-4D-one-group", lambda: nn.GroupNorm(1, 4), (2, 4, 2, 2)),
    ("GroupNorm-4D-group-per-channel", lambda: nn.GroupNorm(4, 4), (2, 4, 2, 2)),
    ("GroupNorm-5D", lambda: nn.GroupNorm(2, 4), (2, 4, 2, 1, 2)),
    ("GroupNorm-no-affine", lambda: nn.GroupNorm(2, 4, affine=False), (2, 4, 3)),
    ("InstanceNorm1d", lambda: nn.InstanceNorm1d(3), (2, 3, 4)),
    ("InstanceNorm1d-affine", lambda: nn.InstanceNorm1d(3, affine=True), (2, 3, 4)),
    ("InstanceNorm1d-unbatched", lambda: nn.InstanceNorm1d(3, affine=True), (3, 4)),
    ("InstanceNorm2d-affine", lambda: nn.InstanceNorm2d(3, affine=True), (2, 3, 2, 3)),
    ("InstanceNorm2d-tracked-train", lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True),
     (2, 3, 2, 2)),
    ("InstanceNorm2d-tracked-eval", lambda: nn.InstanceNorm2d(3, affine=True, track_running_stats=True).eval(),
     (2, 3, 2, 2)),
    ("InstanceNorm3d-affine", lambda: nn.InstanceNorm3d(2, affine=True), (2, 2, 2, 2, 2)),
    ("BatchRenorm1d-eval", lambda: nn.BatchRenorm1d(3).eval(), (4, 3)),
    ("BatchRenorm2d-eval", lambda: nn.BatchRenorm2d(3).eval(), (2, 3, 2, 2)),
    ("BatchRenorm3d-eval", lambda: nn.BatchRenorm3d(3).eval(), (2, 3, 2, 1, 2)),
    ("GhostBatchNorm1d-2D", lambda: nn.GhostBatchNorm1d(3, 3), (9, 3)),
    ("GhostBatchNorm1d-3D-uneven", lambda: nn.GhostBatchNorm1d(3, 3), (7, 3, 2)),
    ("GhostBatchNorm2d", lambda: nn.GhostBatchNorm2d(3, 2), (5, 3, 2, 2)),
    ("GhostBatchNorm3d", lambda: nn.GhostBatchNorm3d(3, 2), (4, 3, 1, 2, 2)),
    ("GhostBatchNorm2d-eval", lambda: nn.GhostBatchNorm2d(3, 2).eval(), (5, 3, 2, 2)),
    ("GhostBatchNorm1d-untracked-eval", lambda: nn.GhostBatchNorm1d(3, 2, track_running_stats=False).eval(),
     (6, 3)),
]


@pytest.mark.parametrize("make, shape", [c[1:] for c in GRADCHECK], ids=[c[0] for c in GRADCHECK])
def test_gradcheck_every_layer_and_shape(make, shape):
    layer = randomized(make())
    x = Tensor(data(shape), requires_grad=True)
    assert gradcheck(lambda x, *_: layer(x), (x, *layer.parameters()))


@pytest.mark.parametrize("cls, shape", [(nn.BatchRenorm1d, (6, 3)), (nn.BatchRenorm1d, (4, 3, 2)),
                                        (nn.BatchRenorm2d, (3, 3, 2, 2)), (nn.BatchRenorm3d, (2, 3, 2, 1, 2))])
def test_gradcheck_batch_renorm_in_training_where_r_and_d_are_clipped(cls, shape):
    """Where r and d sit on their clips (NF.6) they are truly constant, so finite differences
    see the function the backward describes. Each call updates the running statistics, so
    they are restored first."""
    layer = randomized(cls(3))
    mean, var = np.full(3, 200.0), np.full(3, 400.0)        # d = clip(-200 / 20) = -5, r = 1/3

    def run(x, *_):
        layer.running_mean._data[...], layer.running_var._data[...] = mean, var
        return layer(x)

    x = Tensor(data(shape), requires_grad=True)
    assert gradcheck(run, (x, *layer.parameters()))


def test_batch_renorm_backward_holds_r_and_d_constant():
    """Unclipped, r and d depend on the batch, but the backward treats them as constants (NF.7):
    it is BatchNorm's backward with weight * r and weight * d + bias."""
    layer = randomized(nn.BatchRenorm2d(3))
    x = Tensor(data((4, 3, 2, 2)), requires_grad=True)
    g = data((4, 3, 2, 2), seed=5)
    mean0, var0 = layer.running_mean.detach().numpy().copy(), layer.running_var.detach().numpy().copy()
    _, mean, var = nf_ops.two_pass_moments(x.detach().numpy().transpose(1, 0, 2, 3).reshape(3, -1), (1,))
    r, d = nf_ops.renorm_correction(mean.ravel(), var.ravel(), mean0, var0, layer.eps, 3.0, 5.0)
    assert np.all((r > 1 / 3) & (r < 3)) and np.all(np.abs(d) < 5), "not clipped"
    layer(x).backward(g)
    w, b = Tensor(layer.weight.detach().numpy().copy(), requires_grad=True), Tensor(layer.bias.detach().numpy().copy(), requires_grad=True)
    x2 = Tensor(x.detach().numpy().copy(), requires_grad=True)
    F.batch_norm(x2, None, None, w * Tensor(r), w * Tensor(d) + b, training=True).backward(g)
    for ours, expected in ((x.grad, x2.grad), (layer.weight.grad, w.grad), (layer.bias.grad, b.grad)):
        np.testing.assert_allclose(np.asarray(ours), np.asarray(expected), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("centered", [True, False], ids=["centered", "rms"])
@pytest.mark.parametrize("axes, param_shape", [((0, 2), (3, 1)), ((2,), (3, 1)), ((1, 2), (3, 4)),
                                               ((0,), (4,)), ((1,), (1, 4))])
def test_gradcheck_the_op_over_any_axes(axes, param_shape, centered):
    rng = np.random.default_rng(2)
    x = Tensor(data((2, 3, 4)), requires_grad=True)
    w = Tensor(1 + 0.5 * rng.standard_normal(param_shape), requires_grad=True)
    b = Tensor(rng.standard_normal(param_shape), requires_grad=True)
    assert gradcheck(lambda x, w, b: Normalization.apply(x, w, b, axes=axes, centered=centered), (x, w, b))


def test_command_line_gradcheck_has_a_row_for_every_new_layer():
    from minigrad.__main__ import CASES, run_gradchecks
    names = ("LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm", "BatchRenorm", "GhostBatchNorm",
             "layer_norm", "group_norm", "instance_norm", "rms_norm")
    rows = [case for case in CASES if case[0].startswith(names)]
    assert {name for name in names if any(row[0].startswith(name) for row in rows)} == set(names)
    assert {row[0][:len("InstanceNorm1d")] for row in rows if "InstanceNorm" in row[0]} == {
        f"InstanceNorm{d}d" for d in (1, 2, 3)}
    out = io.StringIO()
    assert run_gradchecks(rows, out=out), out.getvalue()


# ------------------------------------------------------------------ one derivation
def test_the_op_over_batchnorms_axes_is_batchnorm():
    x = data((5, 3, 4))
    rng = np.random.default_rng(3)
    w, b, g = 1 + rng.standard_normal(3), rng.standard_normal(3), data((5, 3, 4), seed=4)
    xs = [Tensor(x.copy(), requires_grad=True) for _ in range(2)]
    ws = [Tensor(w.copy(), requires_grad=True) for _ in range(2)]
    bs = [Tensor(b.copy(), requires_grad=True) for _ in range(2)]
    ys = [Normalization.apply(xs[0], ws[0].reshape(3, 1), bs[0].reshape(3, 1), axes=(0, 2)),
          BatchNorm.apply(xs[1], ws[1], bs[1])]
    for y in ys:
        y.backward(g)
    np.testing.assert_allclose(ys[0].detach().numpy(), ys[1].detach().numpy(), atol=1e-14)
    for pair in (xs, ws, bs):
        np.testing.assert_allclose(np.asarray(pair[0].grad).reshape(pair[1].shape), np.asarray(pair[1].grad),
                                   atol=1e-13)


def _labels_tagging_code():
    """The (NF.n) labels that tag a line of code (in a comment) in the family's three modules."""
    import minigrad.nn.functional as functional
    import minigrad.nn.normalization as modules
    code = "".join(inspect.getsource(m).split('"""', 2)[2] for m in (nf_ops, functional, modules))
    return set(re.findall(r"#.*\((NF\.\d+)\)", code))


def test_every_equation_label_is_listed_once_and_tags_code():
    listed = re.findall(r"^\s+\((NF\.\d+)\)", nf_ops.__doc__, re.MULTILINE)
    assert listed == [f"NF.{i}" for i in range(1, len(listed) + 1)], "numbered in order, once each"
    assert _labels_tagging_code() == set(listed), set(listed) - _labels_tagging_code()


def test_every_label_lesson_09_cites_tags_a_line_of_code():
    lesson = pathlib.Path(__file__).resolve().parents[1] / "lessons" / "09_when_the_batch_is_small.ipynb"
    cited = set(re.findall(r"\((NF\.\d+)\)", lesson.read_text(encoding="utf-8")))
    assert len(cited) >= 5 and cited <= _labels_tagging_code(), cited - _labels_tagging_code()


def test_group_norm_with_one_group_per_channel_is_instance_norm_and_one_group_is_layer_norm():
    x = Tensor(data((3, 4, 5)))
    np.testing.assert_allclose(F.group_norm(x, 4).numpy(), F.instance_norm(x).numpy(), atol=1e-13)
    np.testing.assert_allclose(F.group_norm(x, 1).numpy(), F.layer_norm(x, (4, 5)).numpy(), atol=1e-13)


@pytest.mark.parametrize("norm", [lambda x: F.layer_norm(x, (4,), eps=0.0), lambda x: F.group_norm(x, 1, eps=0.0),
                                  lambda x: F.instance_norm(x.reshape(3, 1, 4), eps=0.0).reshape(3, 4)],
                         ids=["layer", "group", "instance"])
def test_output_is_invariant_to_a_per_sample_shift_and_scale_and_dx_sums_to_zero(norm):
    x = data((3, 4))
    shift, scale = np.array([[5.0], [-2.0], [0.5]]), np.array([[3.0], [0.2], [7.0]])
    np.testing.assert_allclose(norm(Tensor(x * scale + shift)).numpy(), norm(Tensor(x)).numpy(), atol=1e-7)
    xt = Tensor(x, requires_grad=True)
    norm(xt).backward(data((3, 4), seed=9))
    np.testing.assert_allclose(np.asarray(xt.grad).sum(axis=1), 0, atol=1e-12)    # (NF.1): mean path


def test_rms_norm_is_invariant_to_scale_not_to_shift():
    x = data((3, 6))
    y = F.rms_norm(Tensor(x), (6,), eps=0.0).numpy()
    np.testing.assert_allclose(F.rms_norm(Tensor(4 * x), (6,), eps=0.0).numpy(), y, atol=1e-13)
    assert not np.allclose(F.rms_norm(Tensor(x + 1), (6,), eps=0.0).numpy(), y)
    np.testing.assert_allclose(np.sqrt((y ** 2).mean(axis=1)), 1, atol=1e-13)


def test_float32_group_with_mean_1000_and_std_001_is_normalised_accurately():
    rng = np.random.default_rng(0)
    x = (1000 + 0.01 * rng.standard_normal((2, 4096))).astype(np.float32)
    expected = (x - x.astype(np.float64).mean(1, keepdims=True)) / x.astype(np.float64).std(1, keepdims=True)
    assert np.abs(F.layer_norm(Tensor(x), (4096,), eps=0.0).numpy() - expected).max() < 1e-3


# ------------------------------------------------------------------ the special cases
def _run(layer, shape, steps=4, dtype=np.float64):
    outputs, records = [], []
    for step in range(steps):
        layer.train(step < steps - 1)
        x = Tensor(data(shape, seed=step, dtype=dtype) * (step + 1), requires_grad=True)
        y = layer(x)
        y.backward(data(shape, seed=100 + step, dtype=dtype))
        records.append([np.asarray(a).copy() for a in (
            y.detach(), x.grad, layer.weight.grad, layer.bias.grad,
            layer.running_mean, layer.running_var, layer.num_batches_tracked)])
        layer.zero_grad()
    return records


SPECIAL = [("1d-2D", 1, (6, 3)), ("1d-3D", 1, (4, 3, 5)), ("2d", 2, (3, 3, 2, 2)), ("3d", 3, (2, 3, 2, 2, 2))]


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name, d, shape", SPECIAL, ids=[s[0] for s in SPECIAL])
def test_batch_renorm_with_r_max_1_and_d_max_0_is_batchnorm_exactly(name, d, shape, momentum, dtype):
    ours = getattr(nn, f"BatchRenorm{d}d")(3, momentum=momentum, r_max=1.0, d_max=0.0, dtype=dtype)
    bn = getattr(nn, f"BatchNorm{d}d")(3, momentum=momentum, dtype=dtype)
    for a, b in zip(_run(ours, shape, dtype=dtype), _run(bn, shape, dtype=dtype)):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("name, d, shape", SPECIAL, ids=[s[0] for s in SPECIAL])
@pytest.mark.parametrize("extra", [0, 5], ids=["vbs=N", "vbs>N"])
def test_ghost_batchnorm_with_one_chunk_is_batchnorm_exactly(name, d, shape, momentum, dtype, extra):
    ours = getattr(nn, f"GhostBatchNorm{d}d")(3, shape[0] + extra, momentum=momentum, dtype=dtype)
    bn = getattr(nn, f"BatchNorm{d}d")(3, momentum=momentum, dtype=dtype)
    for a, b in zip(_run(ours, shape, dtype=dtype), _run(bn, shape, dtype=dtype)):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("momentum", [0.1, None])
def test_ghost_batchnorm_is_batchnorm_chunk_by_chunk_with_the_statistics_updated_in_order(momentum):
    ghost = randomized(nn.GhostBatchNorm2d(3, 3, momentum=momentum))
    bn = randomized(nn.BatchNorm2d(3, momentum=momentum))
    x, g = data((8, 3, 2, 2)), data((8, 3, 2, 2), seed=3)            # chunks of 3, 3 and 2
    xg, xb = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    ghost(xg).backward(g)
    parts = [bn(xb[i:i + 3]) for i in (0, 3, 6)]
    minigrad.cat(parts, dim=0).backward(g)
    assert ghost.num_batches_tracked.item() == bn.num_batches_tracked.item() == 3
    for a, b in ((xg.grad, xb.grad), (ghost.weight.grad, bn.weight.grad), (ghost.bias.grad, bn.bias.grad),
                 (ghost.running_mean, bn.running_mean), (ghost.running_var, bn.running_var)):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    assert not np.allclose(ghost(Tensor(x)).detach().numpy(), bn(Tensor(x)).detach().numpy()), "chunks are not the batch"


def test_batch_renorm_matches_the_papers_algorithm():
    """Ioffe (2017), Algorithm 1, written out in NumPy for one training step."""
    layer = randomized(nn.BatchRenorm1d(4, r_max=1.5, d_max=0.5))
    mu, sigma = layer.running_mean.detach().numpy().copy(), np.sqrt(layer.running_var.detach().numpy() + layer.eps)
    x = data((16, 4)) * [0.3, 1, 2, 4] + [0, 3, -1, 0.2]
    mean, var = x.mean(0), x.var(0)
    sigma_b = np.sqrt(var + layer.eps)
    r, d = np.clip(sigma_b / sigma, 1 / 1.5, 1.5), np.clip((mean - mu) / sigma, -0.5, 0.5)
    assert np.any(r == 1.5) or np.any(r == 1 / 1.5), "some clipping is exercised"
    expected = layer.weight.detach().numpy() * ((x - mean) / sigma_b * r + d) + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(Tensor(x)).detach().numpy(), expected, atol=1e-12)
    np.testing.assert_allclose(layer.running_mean.detach().numpy(), 0.9 * mu + 0.1 * mean, atol=1e-14)
    layer.eval()
    expected = layer.weight.detach().numpy() * (x - layer.running_mean.detach().numpy()) / np.sqrt(
        layer.running_var.detach().numpy() + layer.eps) + layer.bias.detach().numpy()
    np.testing.assert_allclose(layer(Tensor(x)).detach().numpy(), expected, atol=1e-12)


def test_batch_renorm_limits_are_attributes_a_schedule_may_change():
    layer = nn.BatchRenorm1d(2, r_max=1.0, d_max=0.0).double()
    bn = nn.BatchNorm1d(2).double()
    x = Tensor(data((8, 2)) + 10)
    np.testing.assert_array_equal(layer(x).detach().numpy(), bn(x).detach().numpy())
    layer.r_max, layer.d_max = 3.0, 5.0
    assert not np.allclose(layer(x).detach().numpy(), bn(x).detach().numpy())
    assert "r_max=3.0, d_max=5.0" in repr(layer)


# ------------------------------------------------------------------ empty batches
EMPTY = [lambda: nn.LayerNorm(3), lambda: nn.RMSNorm(3), lambda: nn.GroupNorm(1, 3),
         lambda: nn.InstanceNorm1d(3, affine=True, track_running_stats=True),
         lambda: nn.BatchNorm1d(3), lambda: nn.BatchRenorm1d(3), lambda: nn.GhostBatchNorm1d(3, 2)]


@pytest.mark.parametrize("make", EMPTY, ids=["LN", "RMS", "GN", "IN", "BN", "BRN", "GhostBN"])
def test_an_empty_batch_returns_an_empty_output_and_leaves_the_statistics(make):
    layer = randomized(make())
    shape = (0, 3, 4) if isinstance(layer, nn.InstanceNorm1d) else (0, 3)
    before = {k: np.array(v, copy=True) for k, v in layer.state_dict().items() if "running" in k}
    x = Tensor(np.zeros(shape), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")                      # no division by zero on the way
        y = layer(x)
        y.backward(np.zeros(shape))
    assert y.shape == shape and np.asarray(x.grad).shape == shape
    for p in layer.parameters():
        np.testing.assert_array_equal(np.asarray(p.grad), 0)
    for key, value in before.items():
        np.testing.assert_array_equal(np.asarray(layer.state_dict()[key]), value)


# ------------------------------------------------------------------ PyTorch parity: golden values
def run_minigrad_layer(case, inputs):
    """minigrad's results for one case, the same steps as the fixture script's run_torch_layer."""
    layer = getattr(nn, case["module"])(*case["args"], **case["kwargs"])
    layer = layer.double() if case["dtype"] == "float64" else layer
    for name, p in layer.named_parameters():
        p._data[...] = inputs[name]
    steps = len(inputs["x"])
    results = {}
    for step, (x, g) in enumerate(zip(inputs["x"], inputs["g"])):
        layer.train(step < steps - 1)
        x = Tensor(x.copy(), requires_grad=True)
        y = layer(x)
        y.backward(g)
        record = dict(y=y.detach(), dx=x.grad)
        for name, p in layer.named_parameters():
            record["d" + name] = p.grad
        layer.zero_grad()
        for name in ("running_mean", "running_var"):
            if getattr(layer, name, None) is not None:
                record[name] = getattr(layer, name)
        for key, value in record.items():
            results.setdefault(key, []).append(np.array(np.asarray(value), copy=True))
    return {key: np.stack(values) for key, values in results.items()}


def _golden(case, keys):
    return {k: GOLDEN[f"{case['name']}/{k}"] for k in keys if f"{case['name']}/{k}" in GOLDEN}


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_matches_pytorch_golden_values(case):
    inputs = _golden(case, ("x", "g", "weight", "bias"))
    assert_same(run_minigrad_layer(case, inputs), _golden(case, FIELDS), case["dtype"], case["name"])


def test_golden_values_cover_every_member_and_rank():
    modules = {c["module"] for c in CASES}
    assert modules == {"LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"}
    assert {len(c["shape"]) for c in CASES if c["module"] == "GroupNorm"} == {2, 3, 4, 5}
    assert {c["dtype"] for c in CASES} == {"float64", "float32"}
    tracked = [c for c in CASES if c["kwargs"].get("track_running_stats")]
    assert tracked and all(f"{c['name']}/running_var" in GOLDEN for c in tracked)
    assert (FIXTURES / "normalization.npz").stat().st_size < 1 << 20


# ------------------------------------------------------------------ PyTorch parity: live
@pytest.fixture(scope="module")
def maker():
    return load_maker("normalization")


LARGER = [("LayerNorm", [64], {}, (8, 16, 64)), ("RMSNorm", [[4, 32]], {}, (6, 4, 32)),
          ("GroupNorm", [4, 16], {}, (4, 16, 7, 5)), ("GroupNorm", [8, 32], {}, (3, 32, 9)),
          ("InstanceNorm2d", [5], {"affine": True, "track_running_stats": True}, (4, 5, 6, 7)),
          ("InstanceNorm3d", [3], {"affine": True}, (2, 3, 3, 4, 5))]


@pytest.mark.parametrize("seed, case", list(enumerate(CASES)), ids=[c["name"] for c in CASES])
def test_matches_pytorch_live(maker, seed, case):
    check_live(maker, run_minigrad_layer, [case], 10_000 + seed)     # not the fixtures' data


def test_matches_pytorch_live_on_larger_inputs(maker):
    check_live(maker, run_minigrad_layer, maker.layer_cases(LARGER), 20_000)


def test_functional_forms_match_pytorch_live(maker):
    import torch
    import torch.nn.functional as TF
    rng = np.random.default_rng(7)
    x, w, b = rng.standard_normal((3, 4, 5)), rng.standard_normal(5), rng.standard_normal(5)
    c4 = rng.standard_normal(4)
    rm, rv = rng.standard_normal(4), rng.uniform(0.5, 2, 4)
    calls = [
        (lambda lib, t: lib.layer_norm(t(x), (5,), t(w), t(b), 1e-3)),
        (lambda lib, t: lib.rms_norm(t(x), (4, 5))),
        (lambda lib, t: lib.rms_norm(t(x), (5,), t(w), 1e-2)),
        (lambda lib, t: lib.group_norm(t(x), 2, t(c4), t(c4))),
        (lambda lib, t: lib.instance_norm(t(x), weight=t(c4), bias=t(c4))),
        (lambda lib, t: lib.instance_norm(t(x), t(rm), t(rv), use_input_stats=False)),
    ]
    for i, call in enumerate(calls):
        ours = call(F, lambda a: Tensor(a.copy())).numpy()
        theirs = call(TF, lambda a: torch.from_numpy(a.copy())).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-10, err_msg=str(i))
    ours_rm, ours_rv = Tensor(rm.copy()), Tensor(rv.copy())
    theirs_rm, theirs_rv = torch.from_numpy(rm.copy()), torch.from_numpy(rv.copy())
    F.instance_norm(Tensor(x), ours_rm, ours_rv, momentum=0.3)
    TF.instance_norm(torch.from_numpy(x), theirs_rm, theirs_rv, momentum=0.3)
    np.testing.assert_allclose(ours_rm.numpy(), theirs_rm.numpy(), atol=1e-12)    # (NF.5)
    np.testing.assert_allclose(ours_rv.numpy(), theirs_rv.numpy(), atol=1e-12)


CONFIGS = {
    "LayerNorm": [(5,), ((3, 4),), (5, 1e-3), ((2, 3), 1e-5, False), (4, 1e-5, True, False)],
    "RMSNorm": [(5,), ((3, 4),), (5, 1e-3), ((2, 3), None, False)],
    "GroupNorm": [(2, 6), (1, 4), (4, 4, 1e-3), (2, 6, 1e-5, False)],
    "InstanceNorm1d": [(3,), (3, 1e-3, 0.2, True), (3, 1e-5, 0.1, True, True), (3, 1e-5, None, False, True)],
    "InstanceNorm2d": [(3,), (3, 1e-5, 0.1, True, True)],
    "InstanceNorm3d": [(3,), (3, 1e-5, 0.1, True)],
}


def test_repr_state_dict_and_initialisation_match_pytorch(maker):
    import torch
    for name, configs in CONFIGS.items():
        for args in configs:
            ours, theirs = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
            assert repr(ours) == repr(theirs)
            assert list(ours.state_dict()) == list(theirs.state_dict())
            for key, value in theirs.state_dict().items():
                np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
                assert ours.state_dict()[key].dtype == value.numpy().dtype
    for ours, theirs in ((nn.GroupNorm(2, 4, bias=False), torch.nn.GroupNorm(2, 4, bias=False)),
                         (nn.InstanceNorm1d(3, affine=True, bias=False),
                          torch.nn.InstanceNorm1d(3, affine=True, bias=False))):
        assert repr(ours) == repr(theirs) and list(ours.state_dict()) == list(theirs.state_dict())


ERRORS = {
    "LayerNorm, wrong trailing shape": lambda lib: lib.nn.LayerNorm(10)(lib.randn(2, 5)),
    "LayerNorm, transposed trailing shape": lambda lib: lib.nn.LayerNorm((3, 4))(lib.randn(2, 4, 3)),
    "LayerNorm, too few dimensions": lambda lib: lib.nn.LayerNorm((3, 2, 5))(lib.randn(2, 5)),
    "layer_norm, int normalized_shape": lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 5), 5),
    "layer_norm, weight shape": lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 5), (5,), lib.ones(4)),
    "layer_norm, bias shape": lambda lib: lib.nn.functional.layer_norm(lib.randn(2, 5), (5,), None, lib.ones(4)),
    "LayerNorm, integer input": lambda lib: lib.nn.functional.layer_norm(lib.ones(2, 5, dtype=lib.int64), (5,)),
    "LayerNorm, float64 input, float32 layer": lambda lib: lib.nn.LayerNorm(5)(lib.ones(2, 5, dtype=lib.float64)),
    "RMSNorm, wrong trailing shape": lambda lib: lib.nn.RMSNorm(10)(lib.randn(2, 5)),
    "rms_norm, weight shape": lambda lib: lib.nn.functional.rms_norm(lib.randn(2, 5), (5,), lib.ones(4)),
    "RMSNorm, integer input": lambda lib: lib.nn.functional.rms_norm(lib.ones(2, 5, dtype=lib.int64), (5,)),
    "GroupNorm, channels not divisible": lambda lib: lib.nn.GroupNorm(4, 6),
    "GroupNorm, wrong channels": lambda lib: lib.nn.GroupNorm(2, 6)(lib.randn(2, 4, 3)),
    "GroupNorm, 1D input": lambda lib: lib.nn.GroupNorm(2, 6)(lib.randn(6)),
    "group_norm, not divisible": lambda lib: lib.nn.functional.group_norm(lib.randn(2, 6, 3), 4),
    "group_norm, weight size": lambda lib: lib.nn.functional.group_norm(lib.randn(2, 6, 3), 2, lib.ones(4)),
    "GroupNorm, integer input": lambda lib: lib.nn.functional.group_norm(lib.ones(2, 4, dtype=lib.int64), 2),
    "GroupNorm, float64 input, float32 layer": lambda lib: lib.nn.GroupNorm(1, 5)(lib.ones(2, 5, dtype=lib.float64)),
    "InstanceNorm1d, 4D input": lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 4, 4)),
    "InstanceNorm1d, 1D input": lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(3)),
    "InstanceNorm2d, 2D input": lambda lib: lib.nn.InstanceNorm2d(3)(lib.randn(3, 4)),
    "InstanceNorm1d, one position": lambda lib: lib.nn.InstanceNorm1d(3)(lib.randn(2, 3, 1)),
    "InstanceNorm1d, affine, wrong channels": lambda lib: lib.nn.InstanceNorm1d(3, affine=True)(lib.randn(2, 4, 5)),
    "InstanceNorm1d, tracked, wrong channels": lambda lib: lib.nn.InstanceNorm1d(
        3, track_running_stats=True)(lib.randn(2, 4, 5)),
    "instance_norm, (N, C) input": lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 4)),
    "instance_norm, one statistic": lambda lib: lib.nn.functional.instance_norm(lib.randn(2, 4, 3), lib.zeros(4)),
    "instance_norm, eval without statistics": lambda lib: lib.nn.functional.instance_norm(
        lib.randn(2, 4, 3), use_input_stats=False),
    "instance_norm, weight size": lambda lib: lib.nn.functional.instance_norm(
        lib.randn(2, 4, 3), lib.zeros(4), lib.ones(4), lib.ones(3)),
    "InstanceNorm, integer input": lambda lib: lib.nn.functional.instance_norm(lib.ones(2, 4, 3, dtype=lib.int64)),
}


@pytest.mark.parametrize("name", list(ERRORS))
def test_errors_have_pytorchs_type_and_text_then_what_to_change(maker, name):
    ours, expected = assert_raises_as_pytorch(ERRORS[name])
    assert len(ours) > len(expected) + 10, f"no advice after PyTorch's message: {ours}"


def test_instance_norm_warns_as_pytorch_when_channels_differ_without_affine(maker):
    import torch
    for lib in (minigrad, torch):
        with pytest.warns(UserWarning, match="input's size at dim=1 does not match num_features"):
            lib.nn.InstanceNorm1d(3)(lib.randn(2, 4, 5))


def test_variant_errors_name_the_variant():
    with pytest.raises(ValueError, match="use GhostBatchNorm2d"):
        nn.GhostBatchNorm1d(3, 2)(minigrad.randn(4, 3, 2, 2))
    with pytest.raises(ValueError, match="use BatchRenorm1d"):
        nn.BatchRenorm2d(3)(minigrad.randn(4, 3))
    with pytest.raises(ValueError, match="N % virtual_batch_size != 1"):
        nn.GhostBatchNorm1d(3, 2)(minigrad.randn(5, 3))
    with pytest.raises(ValueError, match="at least 2"):
        nn.GhostBatchNorm1d(3, 1)


def test_variant_state_dict_is_batchnorms():
    for layer in (nn.BatchRenorm2d(4), nn.GhostBatchNorm2d(4, 8)):
        assert list(layer.state_dict()) == list(nn.BatchNorm2d(4).state_dict())
    assert repr(nn.GhostBatchNorm1d(3, 4)) == ("GhostBatchNorm1d(3, virtual_batch_size=4, eps=1e-05, "
                                                "momentum=0.1, affine=True, bias=True, track_running_stats=True)")


def test_signatures_match_pytorch(maker):
    import torch
    for name in ("LayerNorm", "RMSNorm", "GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"):
        ours, theirs = (inspect.signature(getattr(lib, name)).parameters for lib in (nn, torch.nn))
        assert [(p.name, p.default, p.kind) for p in ours.values()] == \
            [(p.name, p.default, p.kind) for p in theirs.values()], name
    with pytest.raises(AssertionError, match="minigrad not compiled with CUDA enabled"):   # as torch
        nn.LayerNorm(4, device="cuda")
