"""Property-based tests: hypothesis draws shapes, broadcasting pairs, axes and values; every op's
output must equal NumPy's and its gradient must pass ``minigrad.gradcheck`` (float64).

Values stay away from the points where an op is not differentiable (0 for relu and abs, ties
for max) or not defined (log and division near 0), because there finite differences are wrong,
not the op. The runs are derandomized, so the suite gives the same verdict every time; raise
``max_examples`` locally to search harder.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
import minigrad.nn.functional as F

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
ANY = st.floats(-3, 3, allow_subnormal=False)
AWAY_FROM_ZERO = st.one_of(st.floats(-3, -0.1), st.floats(0.1, 3))
POSITIVE = st.floats(0.1, 3)


def leaf(array):
    return minigrad.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def arrays(shape, elements=ANY):
    return hnp.arrays(np.float64, shape, elements=elements)


def check(func, inputs, expected):
    """func(*inputs) equals NumPy's ``expected`` and passes gradcheck on every input."""
    np.testing.assert_allclose(func(*inputs)._data, expected, rtol=1e-10, atol=1e-12)
    assert minigrad.gradcheck(func, inputs)


@st.composite
def distinct(draw, shape):
    """An array of the given shape whose values differ pairwise by at least 0.25 (no ties)."""
    size = int(np.prod(shape, dtype=int))
    order = draw(st.permutations(range(size)))
    return (np.array(order, dtype=np.float64) - size / 2).reshape(shape) * 0.25


# ---- elementwise, with broadcasting -----------------------------------------------------------

BINARY = {
    "add": (lambda a, b: a + b, np.add, ANY),
    "sub": (lambda a, b: a - b, np.subtract, ANY),
    "mul": (lambda a, b: a * b, np.multiply, ANY),
    "div": (lambda a, b: a / b, np.divide, AWAY_FROM_ZERO),
    "pow": (lambda a, b: a ** b, np.power, st.floats(-2, 2)),
}


@pytest.mark.parametrize("name", BINARY)
@SETTINGS
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
def test_binary_ops_broadcast(name, data, shapes):
    op, reference, second = BINARY[name]
    first = st.floats(0.5, 2) if name == "pow" else ANY        # x ** y needs x > 0
    a = data.draw(arrays(shapes.input_shapes[0], first))
    b = data.draw(arrays(shapes.input_shapes[1], second))
    out = op(leaf(a), leaf(b))
    assert out.shape == shapes.result_shape
    check(op, (leaf(a), leaf(b)), reference(a, b))


UNARY = {
    "neg": (lambda x: -x, np.negative, ANY),
    "exp": (lambda x: x.exp(), np.exp, ANY),
    "log": (lambda x: x.log(), np.log, POSITIVE),
    "sqrt": (lambda x: x.sqrt(), np.sqrt, POSITIVE),
    "abs": (lambda x: x.abs(), np.abs, AWAY_FROM_ZERO),
    "relu": (lambda x: x.relu(), lambda x: np.maximum(x, 0), AWAY_FROM_ZERO),
    "sigmoid": (lambda x: x.sigmoid(), lambda x: 1 / (1 + np.exp(-x)), ANY),
    "tanh": (lambda x: x.tanh(), np.tanh, ANY),
    "scalar ops": (lambda x: 2.5 - x * 3 + 1 / (x * x + 1), lambda x: 2.5 - x * 3 + 1 / (x * x + 1), ANY),
}


@pytest.mark.parametrize("name", UNARY)
@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_unary_ops(name, data, shape):
    op, reference, elements = UNARY[name]
    x = data.draw(arrays(shape, elements))
    check(op, (leaf(x),), reference(x))


@pytest.mark.parametrize("name", [*UNARY, *BINARY])
@SETTINGS
@given(shape=SHAPES)
def test_float32_stays_float32(name, shape):
    x = minigrad.tensor(np.full(shape, 0.75, dtype=np.float32), requires_grad=True)
    out = UNARY[name][0](x) if name in UNARY else BINARY[name][0](x, x)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == shape


# ---- reductions over drawn axes --------------------------------------------------------------------

@st.composite
def shape_and_axes(draw):
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
    axes = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                          hnp.valid_tuple_axes(len(shape), min_size=1)))
    return shape, axes, draw(st.booleans())


@pytest.mark.parametrize("name", ["sum", "mean"])
@SETTINGS
@given(data=st.data(), spec=shape_and_axes())
def test_sum_and_mean(name, data, spec):
    shape, axes, keepdim = spec
    x = data.draw(arrays(shape))
    check(lambda t: getattr(t, name)(axes, keepdim=keepdim), (leaf(x),),
          getattr(np, name)(x, axis=axes, keepdims=keepdim))


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_max(data, shape):
    x = data.draw(distinct(shape))
    axis = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    if axis is None:
        check(lambda t: t.max(keepdim=keepdim), (leaf(x),), np.max(x, keepdims=keepdim))
        return
    # along a dim, as in PyTorch: (values, indices)
    check(lambda t: t.max(axis, keepdim=keepdim).values, (leaf(x),), np.max(x, axis=axis, keepdims=keepdim))
    np.testing.assert_array_equal(leaf(x).max(axis, keepdim=keepdim).indices._data,
                                  np.argmax(x, axis=axis, keepdims=keepdim))


# ---- moving elements -------------------------------------------------------------------------------

@SETTINGS
@given(data=st.data(), shape=SHAPES)
def test_reshape_and_permute(data, shape):
    x = data.draw(arrays(shape))
    new_shape = data.draw(st.sampled_from([shape[::-1], (-1,), (1, -1)]))
    check(lambda t: t.reshape(new_shape), (leaf(x),), x.reshape(new_shape))
    axes = tuple(data.draw(st.permutations(range(len(shape)))))
    check(lambda t: t.permute(axes), (leaf(x),), np.transpose(x, axes))


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_indexing_with_repeats_and_slices(data, shape):
    x = data.draw(arrays(shape))
    rows = data.draw(st.lists(st.integers(-shape[0], shape[0] - 1), min_size=1, max_size=5))
    start, step = data.draw(st.integers(0, 2)), data.draw(st.integers(1, 2))
    index = (np.array(rows), slice(start, None, step)) if len(shape) > 1 else np.array(rows)
    check(lambda t: t[index], (leaf(x),), x[index])        # repeated rows add their gradients


@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
def test_cat_and_stack(data, shape):
    axis = data.draw(st.integers(0, len(shape) - 1))
    other = shape[:axis] + (data.draw(st.integers(1, 3)),) + shape[axis + 1:]
    a, b, c = data.draw(arrays(shape)), data.draw(arrays(other)), data.draw(arrays(shape))
    check(lambda s, t: minigrad.cat([s, t], dim=axis), (leaf(a), leaf(b)), np.concatenate([a, b], axis))
    check(lambda s, t: minigrad.stack([s, t], dim=axis), (leaf(a), leaf(c)), np.stack([a, c], axis))


# ---- matrix products ------------------------------------------------------------------------------

@st.composite
def matmul_shapes(draw):
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batches = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
    a = draw(st.sampled_from([(k,), batches.input_shapes[0] + (n, k)]))
    b = draw(st.sampled_from([(k,), batches.input_shapes[1] + (k, m)]))
    return a, b


@SETTINGS
@given(data=st.data(), shapes=matmul_shapes())
def test_matmul_with_vectors_and_broadcast_batches(data, shapes):
    a, b = data.draw(arrays(shapes[0])), data.draw(arrays(shapes[1]))
    check(lambda s, t: s @ t, (leaf(a), leaf(b)), np.matmul(a, b))


@SETTINGS
@given(data=st.data(), lead=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4), bias=st.booleans())
def test_linear(data, lead, n_in, n_out, bias):
    x, w = data.draw(arrays(lead + (n_in,))), data.draw(arrays((n_out, n_in)))
    b = data.draw(arrays((n_out,))) if bias else None
    expected = x @ w.T + (b if bias else 0)
    inputs = (leaf(x), leaf(w)) + ((leaf(b),) if bias else ())
    check(lambda *t: F.linear(*t), inputs, expected)


# ---- losses and normalisation ----------------------------------------------------------------------

@SETTINGS
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4))
def test_log_softmax_and_softmax(data, shape):
    x = data.draw(arrays(shape, st.floats(-30, 30)))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    logsumexp = np.log(np.exp(x - x.max(axis, keepdims=True)).sum(axis, keepdims=True)) + x.max(axis, keepdims=True)
    check(lambda t: F.log_softmax(t, dim=axis), (leaf(x),), x - logsumexp)
    check(lambda t: F.softmax(t, dim=axis), (leaf(x),), np.exp(x - logsumexp))


@SETTINGS
@given(data=st.data(), n=st.integers(1, 5), classes=st.integers(2, 5),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_cross_entropy(data, n, classes, reduction):
    logits = data.draw(arrays((n, classes), st.floats(-10, 10)))
    target = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    shifted = logits - logits.max(1, keepdims=True)
    losses = np.log(np.exp(shifted).sum(1)) - shifted[np.arange(n), target]
    expected = {"mean": losses.mean(), "sum": losses.sum(), "none": losses}[reduction]
    check(lambda t: F.cross_entropy(t, target, reduction=reduction), (leaf(logits),), expected)


@SETTINGS
@given(data=st.data(), shape=SHAPES, reduction=st.sampled_from(["mean", "sum", "none"]))
def test_mse_loss(data, shape, reduction):
    x, y = data.draw(arrays(shape)), data.draw(arrays(shape))
    squares = (x - y) ** 2
    expected = {"mean": squares.mean(), "sum": squares.sum(), "none": squares}[reduction]
    check(lambda s, t: F.mse_loss(s, t, reduction=reduction), (leaf(x), leaf(y)), expected)


@st.composite
def batch_norm_shapes(draw):
    n, c = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    spatial = draw(hnp.array_shapes(min_dims=0, max_dims=2, min_side=1, max_side=3))
    if n * int(np.prod(spatial, dtype=int)) == 1:         # training needs 2+ values per channel
        n = 2
    return (n, c) + spatial


@SETTINGS
@given(data=st.data(), shape=batch_norm_shapes(), training=st.booleans())
def test_batch_norm(data, shape, training):
    c = shape[1]
    x = data.draw(arrays(shape))
    weight, bias = data.draw(arrays((c,))), data.draw(arrays((c,)))
    running_mean = data.draw(arrays((c,)))
    running_var = data.draw(arrays((c,), st.floats(0.1, 3)))
    axes = (0,) + tuple(range(2, len(shape)))
    column = (1, c) + (1,) * (len(shape) - 2)
    if training:
        mean, var = x.mean(axes, keepdims=True), x.var(axes, keepdims=True)
    else:
        mean, var = running_mean.reshape(column), running_var.reshape(column)
    expected = (x - mean) / np.sqrt(var + 1e-5) * weight.reshape(column) + bias.reshape(column)

    def bn(x, w, b):      # running statistics: copies, so the calls of gradcheck see the same ones
        return F.batch_norm(x, running_mean.copy(), running_var.copy(), w, b, training=training)

    check(bn, (leaf(x), leaf(weight), leaf(bias)), expected)
