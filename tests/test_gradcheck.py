"""gradcheck catches a wrong backward and says where; gradcheck_report prints a table."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import Function, GradcheckError, gradcheck, gradcheck_report, rel_error
from minigrad import ops
from minigrad.ops import unbroadcast


class SquareWrongAt12(Function):
    """Test-only op: z = x^2 whose backward is right everywhere except element (1, 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        dx = 2 * x * grad
        dx[1, 2] += 1.0
        return dx


class MulForgetsSecondInput(ops.Mul):
    """Test-only op: minigrad's Mul with dL/dy = g * x * 0.5 (half the right answer)."""

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return unbroadcast(grad * y, x.shape), unbroadcast(0.5 * grad * x, y.shape)


class NaNBackward(Function):
    """Test-only op: z = 2x whose backward returns NaN."""

    @staticmethod
    def forward(ctx, x):
        return 2 * x

    @staticmethod
    def backward(ctx, grad):
        return grad * np.nan


def x64(*shape):
    return mg.tensor(np.random.standard_normal(shape), requires_grad=True)


def _number(message, label):
    return float(re.search(label + r":\s+(\S+)", message).group(1))


def test_wrong_backward_raises_with_a_message_that_says_where():
    x = x64(3, 4)
    with pytest.raises(GradcheckError) as info:
        gradcheck(SquareWrongAt12.apply, (x,), names=["x"])
    message = str(info.value)
    assert message.startswith("Gradient mismatch for x (shape (3, 4)) at index (1, 2):")
    numerical, analytical = _number(message, "numerical"), _number(message, "analytical")
    assert analytical - numerical == pytest.approx(1.0, abs=1e-6)
    relative = _number(message, "relative error")
    assert relative == pytest.approx(rel_error(analytical, numerical), rel=1e-2)
    assert "eps=1e-06" in message


def test_message_names_the_second_input_by_default():
    a, b = x64(3, 4), x64(4)
    with pytest.raises(GradcheckError, match=r"Gradient mismatch for input 1 \(shape \(4,\)\) at index \(\d,\)"):
        gradcheck(MulForgetsSecondInput.apply, (a, b))


def test_wrong_backward_inside_a_bigger_graph_is_caught():
    x = x64(3, 4)
    with pytest.raises(GradcheckError, match="at index"):
        gradcheck(lambda t: SquareWrongAt12.apply(t.tanh() * 2).sum(1), (x,))


def test_raise_exception_false_returns_false():
    assert gradcheck(SquareWrongAt12.apply, (x64(3, 4),), raise_exception=False) is False
    assert gradcheck(lambda t: t * t, (x64(3, 4),), raise_exception=False) is True


def test_nan_gradient_fails():
    with pytest.raises(GradcheckError, match="analytical:\\s+nan"):
        gradcheck(NaNBackward.apply, (x64(3),))


def test_correct_ops_pass_and_inputs_are_left_as_they_were():
    a, b = x64(3, 4), x64(4)
    before = a._data.copy(), b._data.copy()
    assert gradcheck(lambda p, q: (p * q).sigmoid() / (1 + q * q), (a, b))
    np.testing.assert_array_equal(a._data, before[0])
    np.testing.assert_array_equal(b._data, before[1])
    assert a.grad is None and b.grad is None


def test_works_for_any_memory_layout_and_zero_dimensional_inputs():
    transposed = mg.tensor(np.random.standard_normal((4, 3)).T, requires_grad=True)
    assert not transposed._data.flags.c_contiguous
    assert gradcheck(lambda t: t * t.exp(), (transposed,))
    assert gradcheck(lambda s, t: s * t, (x64(), x64(3)))


def test_tuple_outputs_and_non_tensor_inputs():
    def two_outputs(x, scale):
        return x * scale, (x * x).sum()

    assert gradcheck(two_outputs, (x64(3), 2.5))


def test_inputs_that_do_not_require_grad_are_not_checked():
    constant = mg.tensor(np.random.standard_normal(3))
    assert gradcheck(lambda x, c: x * c, (x64(3), constant))
    report = gradcheck_report(lambda x, c: x * c, (x64(3), constant), names=["x", "c"])
    assert [row[0] for row in report] == ["x"]


def test_float32_input_warns():
    x = mg.tensor(np.random.standard_normal(3).astype(np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match=r"x requires gradient and is not a double precision .*float32"):
        gradcheck(lambda t: t * t, (x,), names=["x"], raise_exception=False)


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (mg.tensor(np.ones(3)),))


def test_names_must_match_inputs():
    with pytest.raises(ValueError, match="gradcheck got 2 inputs but 1 names"):
        gradcheck(lambda a, b: a * b, (x64(2), x64(2)), names=["a"])


def test_report_table():
    a, b = x64(3, 4), x64(4)
    report = gradcheck_report(lambda p, q: p * q, (a, b), names=["a", "b"])
    assert [(row[0], row[1]) for row in report] == [("a", (3, 4)), ("b", (4,))]
    assert report.max_rel_error() < 1e-7
    lines = str(report).splitlines()
    assert lines[0].split() == ["input", "shape", "max", "abs", "err", "max", "rel", "err"]
    assert set(lines[1]) == {"-"}
    assert lines[2].startswith("a ") and "(3, 4)" in lines[2]
    assert lines[3].startswith("b ") and "(4,)" in lines[3]


def test_report_shows_a_wrong_backward():
    report = gradcheck_report(MulForgetsSecondInput.apply, (x64(3, 4), x64(4)))
    assert report[0][3] < 1e-7           # dL/dx is right
    assert report[1][3] > 0.1            # dL/dy is half of what it should be
    assert report.max_rel_error() == report[1][3]


def test_rel_error():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error([1.0, 2.0], [1.0, 3.0]) == pytest.approx(1 / 5)
    assert rel_error(0.0, 0.0) == 0.0                   # the 1e-8 floor avoids 0 / 0
    assert rel_error(np.zeros(0), np.zeros(0)) == 0.0
