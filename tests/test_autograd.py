"""backward(): order, accumulation, reuse, errors; Function.apply and the graph it records."""
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import Function


def leaf(values):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=True)


# ------------------------------------------------------------------- order and reuse
def test_a_10000_op_chain_needs_no_recursion():
    x = leaf(1.0)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)          # far below the chain's depth: recursion would fail
    try:
        y.backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad == pytest.approx(1.0001 ** 10_000, rel=1e-9)


def test_reused_node_gets_the_sum_of_its_gradients_before_its_backward():
    a = leaf([1.0, -2.0, 3.0])
    b = a + a
    c = b * b               # c = 4 a^2, dc/da = 8 a
    c.sum().backward()
    np.testing.assert_array_equal(a.grad, 8 * a._data)


def test_diamond_graph():
    x = leaf([0.5, 1.5])
    y = x * 3
    z = y.exp() + y * y     # y feeds three ops
    z.sum().backward()
    # dz/dx = 3 (e^y + 2 y)
    np.testing.assert_allclose(x.grad, 3 * (np.exp(y._data) + 2 * y._data), rtol=1e-12)


def test_same_tensor_as_both_inputs():
    x = leaf([2.0, -3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [4.0, -6.0])
    x.grad = None
    (x / x).sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0], atol=1e-15)


def test_gradients_accumulate_into_leaves_until_cleared():
    x = leaf([1.0, 2.0])
    (x * 3).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [3 + 2, 3 + 4])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])


def test_leaf_gradients_are_writable_and_independent():
    a, b = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (a + b).sum().backward()        # Add hands the same upstream array to both inputs
    a.grad[0] = 100.0
    np.testing.assert_array_equal(b.grad, [1.0, 1.0])
    c = leaf(np.ones((2, 3)))
    c.sum().backward()              # Sum's backward is a read-only broadcast view
    c.grad *= 0.5
    np.testing.assert_array_equal(c.grad, 0.5)


def test_backward_with_an_explicit_gradient():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    v = np.array([[1.0, 0.5], [-1.0, 2.0]])
    y.backward(v)
    np.testing.assert_array_equal(x.grad, 2 * x._data * v)
    x2 = leaf([1.0, 2.0])
    (x2 * 2).backward(mg.tensor(np.array([1.0, 3.0])))
    np.testing.assert_array_equal(x2.grad, [2.0, 6.0])


def test_backward_on_a_leaf():
    x = leaf(3.0)
    x.backward()
    assert x.grad == 1.0


def test_only_leaves_that_require_grad_receive_gradients():
    x, c = leaf([1.0, 2.0]), mg.tensor(np.array([3.0, 4.0]))
    h = x * c
    (h * h).sum().backward()
    assert c.grad is None                           # a constant
    with pytest.warns(UserWarning, match="not a leaf Tensor.*retain_grad"):
        assert h.grad is None                       # an intermediate, as in PyTorch
    np.testing.assert_array_equal(x.grad, 2 * x._data * c._data ** 2)


def test_detach_and_no_grad_cut_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 2
    (y.detach() * x).sum().backward()
    np.testing.assert_array_equal(x.grad, y._data)
    with mg.no_grad():
        z = x * 5
    assert not z.requires_grad


def test_gradient_dtype_follows_the_leaf():
    x = mg.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)      # float32
    (x.max(1).values.sum() + x.double().sum()).backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad, [[1, 2], [2, 1]])


# ------------------------------------------------------------------- PyTorch's errors (a hint may follow)
# (the other errors of backward, with their hints, are in test_errors.py)
def test_gradient_of_the_wrong_shape():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of \(3,\) "
                                           r"and output\[0\] has a shape of \(2,\)"):
        y.backward(np.ones(3))


def test_retain_graph_allows_a_second_backward():
    x = leaf([1.0, 2.0])
    loss = (x * x).sum()
    loss.backward(retain_graph=True)
    loss.backward()
    np.testing.assert_array_equal(x.grad, 2 * 2 * x._data)


# ------------------------------------------------------------------- Function and its checks
def op_for_test(name, backward, forward=lambda ctx, x, y: x * y):
    """A test-only Function called ``name`` (its node is ``<name>Backward``)."""
    return type(name, (Function,), {"forward": staticmethod(forward), "backward": staticmethod(backward)})


class Scale(Function):
    """Test-only op: z = factor * x, with a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, factor):
        ctx.factor = factor
        return x * factor

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.factor, None


def test_function_apply_records_the_graph():
    x = leaf([1.0, 2.0])
    y = Scale.apply(x, 3.0)
    assert repr(y.grad_fn) == "<ScaleBackward>"
    (leaf_node, zero), (none, _) = y.grad_fn.next_functions
    assert isinstance(leaf_node, mg.autograd.AccumulateGrad) and leaf_node.variable is x and zero == 0
    assert none is None and y.grad_fn.needs_input_grad == (True, False)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0])
    assert Scale.apply(mg.tensor(np.ones(2)), 2.0).grad_fn is None


def test_needs_input_grad_lets_an_op_skip_work():
    seen = []

    def backward(ctx, grad):
        seen.append(ctx.needs_input_grad)
        return grad, None

    op_for_test("Spy", backward).apply(leaf([1.0]), mg.tensor(np.array([2.0]))).sum().backward()
    assert seen == [(True, False)]


def test_a_backward_returning_too_few_gradients_is_an_error():
    TooFew = op_for_test("TooFew", lambda ctx, grad: grad)
    with pytest.raises(RuntimeError, match=r"function TooFewBackward returned an incorrect number of "
                                           r"gradients \(expected 2, got 1\)"):
        TooFew.apply(leaf([1.0]), leaf([2.0])).sum().backward()


def test_ops_called_without_their_optional_trailing_arguments_backpropagate():
    from minigrad import ops
    from minigrad.ops.batchnorm import BatchNorm

    x, w = leaf(np.ones((4, 3))), leaf(np.ones((2, 3)))
    ops.Linear.apply(x, w).sum().backward()          # no bias: backward still returns three
    np.testing.assert_array_equal(w.grad, np.full((2, 3), 4.0))
    x.grad = None
    BatchNorm.apply(x).sum().backward()              # no weight, no bias
    assert x.grad.shape == (4, 3)


def test_a_backward_returning_a_wrong_shape_is_an_error():
    # dL/dy should be summed down to y's shape
    Forgets = op_for_test("Forgets", lambda ctx, grad: (grad, grad), forward=lambda ctx, x, y: x + y)
    with pytest.raises(RuntimeError, match=r"Function ForgetsBackward returned an invalid gradient at index 1 "
                                           r"- got \[2, 3\] but expected shape compatible with \[3\]"):
        Forgets.apply(leaf(np.ones((2, 3))), leaf(np.ones(3))).sum().backward()
