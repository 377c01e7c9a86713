"""Every op: its output against NumPy, and its backward against central differences (float64)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F
from minigrad import ops
from minigrad.ops import unbroadcast


def arr(*shape, kind="normal"):
    """float64 test data from NumPy's seeded global generator (conftest seeds every test).

    kind: "normal"; "positive" (|N| + 0.5: log, sqrt, a divisor, a base of pow);
    "away" (|N| >= 0.1 with random sign: no finite difference straddles the kink of relu/abs).
    """
    x = np.random.standard_normal(shape)
    if kind == "positive":
        return np.abs(x) + 0.5
    if kind == "away":
        return np.where(x < 0, -1, 1) * np.maximum(np.abs(x), 0.1)
    return x


def leaf(data):
    return mg.tensor(data, requires_grad=True)


def check(func, *arrays):
    """func's output on tensors equals its output on the arrays; its gradients pass gradcheck."""
    tensors = [leaf(a) for a in arrays]
    assert mg.gradcheck(func, tuple(tensors))
    return func(*tensors)


# ------------------------------------------------------------------- broadcasting binary ops
SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),
    ((4,), (3, 4)),
    ((3, 1), (1, 4)),
    ((2, 1, 4), (3, 1)),
    ((2, 3, 4), (1, 3, 1)),
    ((), (2, 3)),
    ((2, 3), ()),
]

BINARY = [
    ("add", lambda a, b: a + b, np.add, "normal"),
    ("sub", lambda a, b: a - b, np.subtract, "normal"),
    ("mul", lambda a, b: a * b, np.multiply, "normal"),
    ("div", lambda a, b: a / b, np.divide, "positive"),
    ("pow", lambda a, b: a ** b, np.power, "positive"),
]


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
@pytest.mark.parametrize("name, op, reference, kind", BINARY, ids=[b[0] for b in BINARY])
def test_binary_op_broadcasts(name, op, reference, kind, shapes):
    # the base of pow and the divisor must be positive; the other operand may be anything
    a = arr(*shapes[0], kind="positive" if name == "pow" else "normal")
    b = arr(*shapes[1], kind=kind if name != "pow" else "normal")
    out = check(op, a, b)
    np.testing.assert_allclose(out._data, reference(a, b), rtol=1e-12)
    assert out.shape == np.broadcast_shapes(a.shape, b.shape)


@pytest.mark.parametrize("name, op, reference", [
    ("radd", lambda a: 2.5 + a, lambda a: 2.5 + a),
    ("rsub", lambda a: 1 - a, lambda a: 1 - a),
    ("rmul", lambda a: 3 * a, lambda a: 3 * a),
    ("rdiv", lambda a: 2 / a, lambda a: 2 / a),
    ("rpow", lambda a: 2 ** a, lambda a: 2.0 ** a),
    ("sub_number", lambda a: a - 0.5, lambda a: a - 0.5),
    ("div_number", lambda a: a / 4, lambda a: a / 4),
    ("ndarray_operand", lambda a: np.full(4, 2.0) * a, lambda a: 2.0 * a),
], ids=lambda v: v if isinstance(v, str) else "")
def test_ops_with_numbers_and_arrays(name, op, reference):
    a = arr(3, 4, kind="positive")
    out = check(op, a)
    np.testing.assert_allclose(out._data, reference(a), rtol=1e-12)


# ------------------------------------------------------------------- unary ops
UNARY = [
    ("neg", lambda x: -x, np.negative, "normal"),
    ("exp", lambda x: x.exp(), np.exp, "normal"),
    ("log", lambda x: x.log(), np.log, "positive"),
    ("sqrt", lambda x: x.sqrt(), np.sqrt, "positive"),
    ("abs", lambda x: x.abs(), np.abs, "away"),
    ("clone", lambda x: x.clone() * x, np.square, "normal"),
    ("min", lambda x: x.min(-1, keepdim=True).values * x, lambda x: x.min(-1, keepdims=True) * x, "normal"),
    ("relu", lambda x: x.relu(), lambda x: np.maximum(x, 0), "away"),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), "normal"),
    ("tanh", lambda x: x.tanh(), np.tanh, "normal"),
    ("pow_int", lambda x: x ** 3, lambda x: x ** 3, "normal"),
    ("pow_negative", lambda x: x ** -2, lambda x: x ** -2.0, "positive"),
    ("square_by_mul", lambda x: x * x, np.square, "normal"),
    ("module_function_relu", lambda x: mg.relu(x), lambda x: np.maximum(x, 0), "away"),
    ("module_function_exp", lambda x: mg.exp(x), np.exp, "normal"),
    ("module_function_log", lambda x: mg.log(x), np.log, "positive"),
    ("F_sigmoid", F.sigmoid, lambda x: 1 / (1 + np.exp(-x)), "normal"),
    ("F_tanh", F.tanh, np.tanh, "normal"),
    ("F_relu", F.relu, lambda x: np.maximum(x, 0), "away"),
]


@pytest.mark.parametrize("shape", [(), (5,), (3, 4), (2, 3, 4)], ids=str)
@pytest.mark.parametrize("name, op, reference, kind", UNARY, ids=[u[0] for u in UNARY])
def test_unary_op(name, op, reference, kind, shape):
    x = arr(*shape, kind=kind)
    out = check(op, x)
    np.testing.assert_allclose(out._data, reference(x), rtol=1e-12)


def test_relu_gradient_is_zero_at_zero_as_in_pytorch():
    x = leaf(np.array([-1.0, 0.0, 2.0]))
    x.relu().sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


def test_abs_gradient_is_zero_at_zero_as_in_pytorch():
    x = leaf(np.array([-1.0, 0.0, 2.0]))
    x.abs().sum().backward()
    np.testing.assert_array_equal(x.grad, [-1.0, 0.0, 1.0])


def test_sigmoid_and_log_softmax_do_not_overflow():
    with np.errstate(over="raise", invalid="raise", divide="raise"):   # exp(-1e4) may underflow to 0
        s = mg.tensor([-1000.0, 0.0, 1000.0]).sigmoid()
        ls = F.log_softmax(mg.tensor([[1e4, 0.0, -1e4]]), dim=1)
    np.testing.assert_allclose(s._data, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(ls._data, [[0.0, -1e4, -2e4]])


def test_cast_is_differentiable_and_returns_gradient_in_input_dtype():
    x = mg.tensor(arr(3, 4).astype(np.float32), requires_grad=True)
    y = x.double()
    assert y.dtype == np.float64 and y.grad_fn is not None
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, 2 * x._data, rtol=1e-6)
    check(lambda t: t.double() * 2, arr(3))


# ------------------------------------------------------------------- matmul and linear
MATMUL_SHAPES = [
    ((3, 4), (4, 5)),
    ((2, 3, 4), (4, 5)),
    ((4, 5), (2, 5, 3)),
    ((2, 1, 3, 4), (3, 4, 2)),
    ((5, 3, 4), (5, 4, 2)),
    ((4,), (4, 5)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4,)),
    ((4,), (2, 4, 3)),
    ((4,), (4,)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    a, b = arr(*shapes[0]), arr(*shapes[1])
    out = check(lambda x, y: x @ y, a, b)
    np.testing.assert_allclose(out._data, np.matmul(a, b), rtol=1e-12)
    check(mg.matmul, a, b)


def test_matmul_of_a_0d_tensor_is_pytorchs_error():
    # (mismatched shapes: tests/test_errors.py)
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        mg.tensor(2.0) @ mg.randn(3)


@pytest.mark.parametrize("x_shape", [(5, 4), (2, 5, 4), (4,)], ids=str)
@pytest.mark.parametrize("bias", [True, False])
def test_linear_function(x_shape, bias):
    x, w, b = arr(*x_shape), arr(3, 4), arr(3)
    if bias:
        out = check(F.linear, x, w, b)
        expected = x @ w.T + b
    else:
        out = check(F.linear, x, w)
        expected = x @ w.T
    np.testing.assert_allclose(out._data, expected, rtol=1e-12)
    assert type(out.grad_fn) is ops.Linear


# ------------------------------------------------------------------- reductions
REDUCE_DIMS = [None, 0, 1, -1, (0, 2), (0, 1, 2)]


@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dim", REDUCE_DIMS, ids=str)
@pytest.mark.parametrize("name, reference", [("sum", np.sum), ("mean", np.mean), ("max", np.max)])
def test_reduction(name, reference, dim, keepdim):
    x = arr(3, 4, 2)
    if name == "max" and isinstance(dim, int):      # along one dim, as in PyTorch: (values, indices)
        out = check(lambda t: t.max(dim, keepdim=keepdim).values, x)
    else:
        out = check(lambda t: getattr(t, name)(dim, keepdim=keepdim), x)
    np.testing.assert_allclose(out._data, reference(x, axis=dim, keepdims=keepdim), rtol=1e-12)


def test_reductions_accept_a_list_of_dims_and_module_functions():
    x = arr(3, 4, 2)
    np.testing.assert_allclose(check(lambda t: t.sum([0, 2]), x)._data, x.sum(axis=(0, 2)), rtol=1e-12)
    np.testing.assert_allclose(check(lambda t: mg.mean(t, 1), x)._data, x.mean(axis=1), rtol=1e-12)
    np.testing.assert_allclose(check(lambda t: mg.sum(t), x)._data, x.sum(), rtol=1e-12)
    np.testing.assert_allclose(check(lambda t: mg.max(t, -1).values, x)._data, x.max(axis=-1), rtol=1e-12)


def test_max_along_a_dim_gives_values_and_indices_as_in_pytorch():
    x = leaf(np.array([[1.0, 3.0, 2.0], [4.0, 0.0, 2.0]]))
    _, pred = x.max(1)                            # the accuracy idiom of the PyTorch tutorials
    np.testing.assert_array_equal(pred._data, [1, 0])
    top = mg.max(x, 1, keepdim=True)
    np.testing.assert_array_equal(top.values._data, [[3.0], [4.0]])
    np.testing.assert_array_equal(top.indices._data, [[1], [0]])
    assert x.max().shape == () and x.max((0, 1)).shape == ()     # no dim, or several: values alone


def test_max_gradient_between_ties():
    """As torch: max(x) (and amax) splits the gradient evenly between tied maxima; max(x, dim)
    gives it to the index it returns (the first maximum)."""
    x = leaf(np.array([[1.0, 3.0, 3.0], [2.0, 0.0, 2.0]]))
    x.max().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [0, 0, 0]])
    x.grad = None
    x.max(1).values.sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 1, 0], [1, 0, 0]])


@pytest.mark.parametrize("dim", [None, 0, 1], ids=str)
@pytest.mark.parametrize("unbiased", [True, False])
def test_var(dim, unbiased):
    x = arr(4, 5)
    out = check(lambda t: t.var(dim, unbiased=unbiased), x)
    np.testing.assert_allclose(out._data, x.var(axis=dim, ddof=int(unbiased)), rtol=1e-12)


# ------------------------------------------------------------------- shape ops
SHAPE_OPS = [
    ("reshape", lambda t: t.reshape(4, 6), lambda a: a.reshape(4, 6)),
    ("reshape_tuple_minus_one", lambda t: t.reshape((-1, 3)), lambda a: a.reshape(-1, 3)),
    ("view", lambda t: t.view(2, 12), lambda a: a.reshape(2, 12)),
    ("flatten", lambda t: t.flatten(), lambda a: a.reshape(-1)),
    ("flatten_from_1", lambda t: t.flatten(1), lambda a: a.reshape(2, -1)),
    ("flatten_middle", lambda t: t.flatten(0, 1), lambda a: a.reshape(6, 4)),
    ("permute", lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    ("permute_tuple", lambda t: t.permute((1, 2, 0)), lambda a: a.transpose(1, 2, 0)),
    ("transpose", lambda t: t.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    ("transpose_negative", lambda t: t.transpose(-1, -2), lambda a: a.swapaxes(-1, -2)),
    ("T", lambda t: t.T, lambda a: a.T),
    ("unsqueeze", lambda t: t.unsqueeze(1), lambda a: a[:, None]),
    ("unsqueeze_negative", lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    ("squeeze", lambda t: t.unsqueeze(0).unsqueeze(3).squeeze(), lambda a: a),
    ("squeeze_dim", lambda t: t.unsqueeze(0).squeeze(0), lambda a: a),
    ("index_int", lambda t: t[1], lambda a: a[1]),
    ("index_slices", lambda t: t[:, 1:, ::2], lambda a: a[:, 1:, ::2]),
    ("index_negative", lambda t: t[-1, :, -2], lambda a: a[-1, :, -2]),
    ("index_fancy_repeated", lambda t: t[[0, 1, 0]], lambda a: a[[0, 1, 0]]),
    ("index_pairs", lambda t: t[[0, 1, 1], [2, 0, 2]], lambda a: a[[0, 1, 1], [2, 0, 2]]),
    ("index_mask", lambda t: t[t._data > 0], lambda a: a[a > 0]),
    ("index_ellipsis_none", lambda t: t[..., None, 0], lambda a: a[..., None, 0]),
]


@pytest.mark.parametrize("name, op, reference", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_op(name, op, reference):
    x = arr(2, 3, 4)
    out = check(op, x)
    np.testing.assert_array_equal(out._data, reference(x))


def test_index_with_tensors_inside_a_tuple():
    """logp[arange(n), y], the idiom of every cross-entropy lesson."""
    logits = arr(4, 5)
    y = mg.tensor([0, 3, 3, 1])
    out = check(lambda t: t[mg.arange(4), y], logits)
    np.testing.assert_array_equal(out._data, logits[np.arange(4), y._data])
    check(lambda t: t[mg.tensor([2, 0, 2])], logits)


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cat(dim):
    shapes = {0: [(2, 3), (4, 3), (1, 3)], 1: [(3, 2), (3, 4), (3, 1)], -1: [(3, 2), (3, 4), (3, 1)]}[dim]
    arrays = [arr(*s) for s in shapes]
    out = check(lambda *ts: mg.cat(list(ts), dim=dim), *arrays)
    np.testing.assert_array_equal(out._data, np.concatenate(arrays, axis=dim))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_stack(dim):
    arrays = [arr(3, 4) for _ in range(3)]
    out = check(lambda *ts: mg.stack(list(ts), dim=dim), *arrays)
    np.testing.assert_array_equal(out._data, np.stack(arrays, axis=dim))


def test_cat_with_an_input_that_does_not_require_grad():
    a, b = leaf(arr(2, 3)), mg.tensor(arr(2, 3))
    mg.cat([a, b], dim=0).sum().backward()
    np.testing.assert_array_equal(a.grad, np.ones((2, 3)))
    assert b.grad is None


# ------------------------------------------------------------------- losses
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_log_softmax_and_softmax(dim):
    x = arr(4, 5)
    shifted = x - x.max(axis=dim, keepdims=True)
    expected = shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))
    np.testing.assert_allclose(check(lambda t: F.log_softmax(t, dim=dim), x)._data, expected, rtol=1e-12)
    np.testing.assert_allclose(check(lambda t: F.softmax(t, dim=dim), x)._data, np.exp(expected), rtol=1e-12)


def _cross_entropy_reference(logits, target):
    logp = logits - logits.max(1, keepdims=True)
    logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
    return -logp[np.arange(len(target)), target]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("target_as", ["tensor", "array", "list"])
def test_cross_entropy(reduction, target_as):
    logits, target = arr(6, 5), np.array([0, 4, 2, 2, 1, 3])
    t = {"tensor": mg.tensor(target), "array": target, "list": target.tolist()}[target_as]
    out = check(lambda z: F.cross_entropy(z, t, reduction=reduction), logits)
    per_sample = _cross_entropy_reference(logits, target)
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    np.testing.assert_allclose(out._data, expected, rtol=1e-12)


@pytest.mark.parametrize("ignore_index, target", [
    (-100, [0, 4, -100, 2, -100, 3]),     # the default, outside the classes: the min finds it
    (2, [0, 4, 2, 2, 1, 3]),               # a class: only an == pass can find it
    (2, [0, 4, 1, 1, 1, 3]),               # a class no target is
    (-100, [0, 4, 2, 2, 1, 3]),            # nothing ignored: no pass beyond min and max
    (7, [7, 7, 7, 7, 7, 7]),               # every target ignored: nan, as PyTorch
], ids=["default", "a-class", "a-class-unused", "none", "all"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_skips_ignored_targets(ignore_index, target, reduction):
    logits, target = arr(6, 5), np.array(target)
    kept = target != ignore_index
    per_sample = np.where(kept, _cross_entropy_reference(logits, np.where(kept, target, 0)), 0.0)
    expected = {"mean": per_sample.sum() / kept.sum() if kept.any() else np.nan, "sum": per_sample.sum(),
                "none": per_sample}[reduction]
    z = leaf(logits)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = F.cross_entropy(z, target, reduction=reduction, ignore_index=ignore_index)
    np.testing.assert_allclose(out._data, expected, rtol=1e-12)
    if kept.any():
        out.sum().backward()
        assert not z.grad._data[~kept].any()          # an ignored sample sends no gradient
        check(lambda t: F.cross_entropy(t, target, reduction=reduction, ignore_index=ignore_index), logits)


def test_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    logits, target = arr(4, 3), np.array([2, 0, 1, 1])
    z = leaf(logits)
    F.cross_entropy(z, target).backward()
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    np.testing.assert_allclose(z.grad, (p - np.eye(3)[target]) / 4, rtol=1e-12)


def test_cross_entropy_is_stable_for_huge_logits():
    z = leaf(np.array([[1e4, 0.0, -1e4], [0.0, 1e4, 0.0]]))
    loss = F.cross_entropy(z, np.array([0, 2]))
    loss.backward()
    np.testing.assert_allclose(loss.item(), 0.5 * 1e4)
    assert np.all(np.isfinite(z.grad))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.filterwarnings("ignore:Using a target size")      # broadcasting is what this test checks
@pytest.mark.parametrize("shapes", [((4, 3), (4, 3)), ((4, 3), (3,)), ((4, 1), (4, 3))], ids=str)
def test_mse_loss(reduction, shapes):
    a, b = arr(*shapes[0]), arr(*shapes[1])
    out = check(lambda x, y: F.mse_loss(x, y, reduction=reduction), a, b)
    sq = (a - b) ** 2
    expected = {"mean": sq.mean(), "sum": sq.sum(), "none": sq}[reduction]
    np.testing.assert_allclose(out._data, expected, rtol=1e-12)


def test_losses_reject_unknown_reduction():
    with pytest.raises(ValueError, match="average is not a valid value for reduction"):
        F.cross_entropy(mg.randn(3, 3), [0, 1, 2], reduction="average")
    with pytest.raises(ValueError, match="average is not a valid value for reduction"):
        F.mse_loss(mg.randn(3), mg.randn(3), reduction="average")


# ------------------------------------------------------------------- dtypes and coverage
@pytest.mark.parametrize("name, op", [(n, op) for n, op, _, _ in UNARY] + [
    ("add", lambda x: x + x), ("div", lambda x: x / (x.abs() + 1)), ("matmul", lambda x: x @ x.T),
    ("sum", lambda x: x.sum(0)), ("mean", lambda x: x.mean()), ("max", lambda x: x.max(1).values),
    ("index", lambda x: x[[0, 0]]), ("cat", lambda x: mg.cat([x, x])), ("stack", lambda x: mg.stack([x, x])),
    ("log_softmax", lambda x: F.log_softmax(x, 1)), ("cross_entropy", lambda x: F.cross_entropy(x, [0, 1, 2])),
    ("mse", lambda x: F.mse_loss(x, x * 2)), ("linear", lambda x: F.linear(x, x, x[0])),
    ("dropout", lambda x: F.dropout(x, 0.5)),
], ids=lambda v: v if isinstance(v, str) else "")
def test_float32_stays_float32_forward_and_backward(name, op):
    x = mg.tensor(np.abs(arr(3, 3)) + 0.5, dtype=mg.float32, requires_grad=True)
    out = op(x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32


def overwritten_row(x, y):
    """x * 2 with row 0 replaced by y: ``__setitem__`` in the graph (the SetItem op)."""
    z = x * 2
    z[0] = y
    return z


@pytest.mark.parametrize("index", [0, (slice(None), 1), np.array([True, False, True])],
                         ids=["row", "column", "mask"])
def test_setitem_gradcheck(index):
    x = leaf(arr(3, 4))
    v = leaf(arr(3, 4)[index])

    def f(x, v):
        z = x * 2
        z[index] = v * 3
        return z

    assert mg.gradcheck(f, (x, v))


def test_every_op_is_exercised_by_these_gradchecks():
    """Walk the graphs this file builds: every exported op class appears in one."""
    x, y = leaf(arr(3, 4, kind="positive")), leaf(arr(4))
    graphs = [
        (x + y - y * y / y) ** 2, -x.exp().log().abs().relu().sigmoid().tanh(),
        x @ y, F.linear(x, x, y[:3]), x.sum(0) + x.mean(1).max(), x.reshape(4, 3).permute(1, 0)[0],
        mg.cat([x, x]), mg.stack([y, y]), x.double(), x.clone(), F.log_softmax(x, 1), F.cross_entropy(x, [0, 1, 2]),
        F.mse_loss(x, x), F.dropout(x, 0.5), overwritten_row(x, y),
        x.clamp(0.6, 1.2) + x.where(x > 1, y), F.leaky_relu(x) + F.elu(x) + F.gelu(x) + F.silu(x) + F.softplus(x),
        x.expand(2, 3, 4).repeat(1, 2, 1), x.sort(1).values, F.embedding(mg.tensor([[0, 2]]), x),
        F.nll_loss(x, [0, 1, 2]), F.binary_cross_entropy(x.sigmoid(), y.sigmoid().expand(3, 4)),
        F.binary_cross_entropy_with_logits(x, x.sigmoid()), F.l1_loss(x, y.expand(3, 4)), F.smooth_l1_loss(x, y.expand(3, 4)),
        F.layer_norm(x, (4,)),
    ]
    # convolution and pooling (issue 11): their gradchecks are in test_conv.py and test_pool.py
    z, w = leaf(arr(1, 1, 4, 4)), leaf(arr(1, 1, 2, 2))
    graphs += [F.conv2d(z, w), F.max_pool2d(z, 2), F.avg_pool2d(z, 2), F.adaptive_avg_pool2d(z, 1),
               F.adaptive_max_pool2d(z, 1)]
    seen, stack = set(), [g.grad_fn for g in graphs]
    while stack:
        fn = stack.pop()
        seen.add(type(fn).__name__)
        stack.extend(node for node, _ in fn.next_functions if isinstance(node, mg.Function))
    exported = {name for name in dir(ops) if isinstance(getattr(ops, name), type)
                and issubclass(getattr(ops, name), mg.Function) and not name.startswith("BatchNorm")}
    assert exported <= seen, exported - seen


# ------------------------------------------------------------------- unbroadcast
@pytest.mark.parametrize("grad_shape, shape", [
    ((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 4), (1, 4)), ((3, 4), (3, 1)), ((2, 3, 4), (3, 1)),
    ((2, 3, 4), ()), ((2, 3, 4), (1, 1, 1)),
], ids=str)
def test_unbroadcast_sums_over_the_broadcast_axes(grad_shape, shape):
    g = arr(*grad_shape)
    out = unbroadcast(g, shape)
    assert out.shape == shape
    # the adjoint of broadcasting: <g, broadcast(v)> = <unbroadcast(g), v> for every v
    v = arr(*shape)
    np.testing.assert_allclose(np.sum(g * np.broadcast_to(v, grad_shape)), np.sum(out * v), rtol=1e-12)
