"""Tensor: attributes, dtypes, factories, printing, operators."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn


# ------------------------------------------------------------------- attributes
def test_leaf_attributes():
    x = mg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert isinstance(x._data, np.ndarray)
    assert x.grad is None and x.grad_fn is None and x.requires_grad and x.is_leaf
    assert x.shape == (2, 3) and x.ndim == 2 and x.dtype == np.float32
    assert x.size() == (2, 3) and x.size(1) == 3 and x.dim() == 2 and x.numel() == 6 and len(x) == 2


def test_result_attributes():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert y.requires_grad and not y.is_leaf
    assert repr(y.grad_fn) == "<MulBackward>" and y.grad_fn.next_functions[0][0].variable is x
    z = mg.tensor([1.0, 2.0]) * 2
    assert not z.requires_grad and z.grad_fn is None


def test_numpy_shares_memory_and_refuses_when_grad_is_required():
    x = mg.tensor([1.0, 2.0])
    x.numpy()[0] = 5.0
    assert x._data[0] == 5.0
    w = mg.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Can't call numpy\(\) on Tensor that requires grad. "
                                           r"Use tensor.detach\(\).numpy\(\) instead."):
        w.numpy()
    assert w.detach().numpy() is w._data


def test_item_and_conversions():
    x = mg.tensor([[2.5]])
    assert x.item() == 2.5 and isinstance(x.item(), float)
    assert float(x) == 2.5 and int(mg.tensor(7)) == 7 and isinstance(mg.tensor(7).item(), int)
    with pytest.raises(RuntimeError, match="a Tensor with 2 elements cannot be converted to Scalar"):
        mg.tensor([1.0, 2.0]).item()
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(mg.tensor([1.0, 2.0]))
    assert mg.tensor([1.0, 2.0]).tolist() == [1.0, 2.0]


def test_detach_shares_data_and_leaves_the_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * 3).detach()
    assert not y.requires_grad and y.grad_fn is None
    d = x.detach()
    assert d is not x and d._data is x._data


def test_backward_without_argument_on_a_scalar():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0, 6.0])
    assert x.grad.dtype == np.float32


def test_requires_grad_only_for_floats():
    with pytest.raises(RuntimeError, match="only Tensors of floating point dtype can require gradients"):
        mg.tensor([1, 2], requires_grad=True)
    x = mg.tensor([1.0]).requires_grad_()
    assert x.requires_grad


# ------------------------------------------------------------------- dtypes
def test_default_dtype_is_float32():
    assert mg.tensor([1.0, 2.0]).dtype == np.float32
    assert mg.tensor(3.0).dtype == np.float32
    assert mg.tensor([1, 2]).dtype == np.int64
    assert mg.tensor([True]).dtype == np.bool_
    for factory in (mg.randn, mg.rand, mg.zeros, mg.ones):
        assert factory(2, 3).dtype == np.float32
    assert nn.Linear(2, 3).weight.dtype == np.float32


def test_float64_stays_float64():
    x = mg.tensor(np.array([1.0, 2.0]))
    assert x.dtype == np.float64
    assert mg.randn(3, dtype=mg.float64).dtype == np.float64
    assert mg.zeros(3, dtype=mg.double).dtype == np.float64
    y = (x * 2.5 + 1).exp().sum()
    assert y.dtype == np.float64
    assert (x @ x).dtype == np.float64


def test_float32_is_not_promoted_by_python_or_numpy_scalars():
    x = mg.tensor([1.0, 2.0])
    for y in (x * 2.5, 2.5 * x, x + 1, x / 3, x ** 2, x * np.float64(2.0), x - np.sqrt(2.0)):
        assert y.dtype == np.float32


def test_list_operands_take_the_tensors_dtype():
    assert (mg.tensor(np.array([1.0, 2.0])) + [1.0, 2.0]).dtype == np.float64
    assert (mg.tensor([1.0, 2.0]) + [1.0, 2.0]).dtype == np.float32


def test_astype_double_float_long():
    x = mg.tensor([1.5, -2.5])
    assert x.double().dtype == np.float64 and x.double().float().dtype == np.float32
    assert x.long().dtype == np.int64 and x.long().tolist() == [1, -2]
    assert x.astype(mg.float64).dtype == np.float64


# ------------------------------------------------------------------- factories
def test_tensor_copies_its_input():
    a = np.array([1.0, 2.0])
    t = mg.tensor(a)
    a[0] = 9.0
    assert t._data[0] == 1.0


def test_shape_arguments():
    for factory in (mg.zeros, mg.ones, mg.randn, mg.rand):
        assert factory(2, 3).shape == factory((2, 3)).shape == factory([2, 3]).shape == (2, 3)
    assert mg.zeros(()).shape == ()
    np.testing.assert_array_equal(mg.zeros(2, 2)._data, 0)
    np.testing.assert_array_equal(mg.ones(2, 2)._data, 1)
    assert mg.ones(2, requires_grad=True).requires_grad


def test_like_factories_keep_shape_and_dtype():
    x = mg.randn(2, 3, dtype=mg.float64)
    for like, value in ((mg.zeros_like, 0.0), (mg.ones_like, 1.0)):
        y = like(x)
        assert y.shape == (2, 3) and y.dtype == np.float64
        np.testing.assert_array_equal(y._data, value)
        assert like(x, dtype=mg.float32).dtype == np.float32


def test_arange():
    np.testing.assert_array_equal(mg.arange(5)._data, [0, 1, 2, 3, 4])
    assert mg.arange(5).dtype == np.int64
    np.testing.assert_array_equal(mg.arange(2, 8, 2)._data, [2, 4, 6])
    assert mg.arange(0, 1, 0.25).dtype == np.float32
    assert mg.arange(3, dtype=mg.float64).dtype == np.float64


def test_random_factories():
    x = mg.rand(10_000)
    assert x._data.min() >= 0 and x._data.max() < 1
    assert abs(x._data.mean() - 0.5) < 0.02
    z = mg.randn(10_000)
    assert abs(z._data.mean()) < 0.05 and abs(z._data.std() - 1) < 0.05


def test_manual_seed_makes_runs_repeat():
    mg.manual_seed(123)
    a = mg.randn(5)._data, mg.rand(3)._data, nn.Linear(3, 2).weight._data
    mg.manual_seed(123)
    b = mg.randn(5)._data, mg.rand(3)._data, nn.Linear(3, 2).weight._data
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    mg.manual_seed(124)
    assert not np.array_equal(mg.randn(5)._data, a[0])
    with pytest.raises(TypeError):
        mg.manual_seed(1.5)


def test_no_grad():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
        with mg.no_grad():
            pass
        assert not mg.is_grad_enabled()           # nesting restores the outer state
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    with pytest.raises(ZeroDivisionError), mg.no_grad():
        1 / 0
    assert mg.is_grad_enabled()                   # restored after an exception

    @mg.no_grad()
    def step():
        return x * 2

    assert step().grad_fn is None and mg.is_grad_enabled()
    with mg.no_grad(), mg.enable_grad():
        assert (x * 2).requires_grad


def test_set_grad_enabled_is_a_function_and_a_context_manager():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for training in (False, True):               # the usual train/eval loop body
        with mg.set_grad_enabled(training):
            assert (x * 2).requires_grad is training
        assert mg.is_grad_enabled()               # the previous mode is back
    mg.set_grad_enabled(False)                    # called: at once, until turned back on
    try:
        assert not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)


def test_in_place_operators_update_the_same_tensor():
    """`with no_grad(): w -= lr * w.grad` changes w itself, as in PyTorch, so a parameter
    updated through a loop variable changes in the model; without __isub__ Python would
    bind the loop variable to a new tensor and the model would never learn."""
    model = nn.Linear(2, 1)
    before = model.weight._data.copy()
    model(mg.ones(3, 2)).sum().backward()
    with mg.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    np.testing.assert_allclose(model.weight._data, before - 0.1 * 3, rtol=1e-6)
    assert model.weight.requires_grad and model.weight.is_leaf
    x = mg.tensor([1.0, 2.0])
    same = x
    x += mg.tensor([1.0, 1.0]); x *= 3; x /= 2; x -= 1
    assert x is same
    np.testing.assert_allclose(x._data, [2.0, 3.5])


def test_in_place_operator_inside_a_graph_is_recorded_on_the_same_tensor():
    """``h += 1`` changes h itself, as in PyTorch; its grad_fn becomes the Add's node."""
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    before = h.grad_fn
    same = h
    h += 1
    assert h is same and h.grad_fn is not before and h._version == 1
    assert h.grad_fn.next_functions[0][0] is before
    np.testing.assert_array_equal(h._data, [4.0, 7.0])
    (h * h).sum().backward()
    np.testing.assert_allclose(w.grad, 2 * (3 * w._data + 1) * 3)


def test_in_place_write_to_a_saved_tensor_raises_at_backward():
    w = mg.tensor([1.0, 2.0], requires_grad=True)
    h = w * 3
    square = h * h                                   # Mul saves h
    h += 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*is at version 1; "
                                           "expected version 0 instead"):
        square.sum().backward()


# ------------------------------------------------------------------- printing
@pytest.mark.parametrize("make, expected", [
    (lambda: mg.tensor([1.0, 2.0]), "tensor([1., 2.])"),
    (lambda: mg.tensor(3.5), "tensor(3.5000)"),
    (lambda: mg.tensor([1, 200, -3]), "tensor([  1, 200,  -3])"),
    (lambda: mg.tensor([True, False]), "tensor([ True, False])"),
    (lambda: mg.tensor([1e-5, 1.0]), "tensor([1.0000e-05, 1.0000e+00])"),
    (lambda: mg.tensor([0.5, -1.25, np.inf]), "tensor([ 0.5000, -1.2500,     inf])"),
    (lambda: mg.zeros(2, 3), "tensor([[0., 0., 0.],\n        [0., 0., 0.]])"),
    (lambda: mg.tensor([[0.5, -1.25]], dtype=mg.float64, requires_grad=True),
     "tensor([[ 0.5000, -1.2500]], dtype=minigrad.float64, requires_grad=True)"),
    (lambda: mg.tensor([0.5, 2.0], requires_grad=True) * 2, "tensor([1., 4.], grad_fn=<MulBackward>)"),
    (lambda: mg.zeros(0), "tensor([])"),
    (lambda: mg.zeros(0, 3), "tensor([], size=(0, 3))"),
    (lambda: nn.Parameter(np.ones(2, dtype=np.float32)),
     "Parameter containing:\ntensor([1., 1.], requires_grad=True)"),
])
def test_repr(make, expected):
    assert repr(make()) == expected


def test_repr_of_a_layer_output():
    mg.manual_seed(0)
    out = nn.Linear(3, 2)(mg.randn(4, 3))
    text = repr(out)
    assert text.startswith("tensor([[") and text.endswith("]], grad_fn=<LinearBackward>)")
    assert text.count("\n") == 3 and all(line.startswith("        [") for line in text.splitlines()[1:])


def test_repr_summarises_large_tensors():
    text = repr(mg.arange(2000.0).reshape(40, 50))
    assert "\n        ...,\n" in text and text.count("[") == 1 + 6     # 3 rows, "...", 3 rows
    assert text.startswith("tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 4.7000e+01,")


REPR_ARRAYS = {
    "vector": lambda rng: rng.standard_normal(7),
    "matrix": lambda rng: rng.standard_normal((5, 2)),
    "wide_matrix": lambda rng: rng.standard_normal((3, 30)),
    "cube": lambda rng: rng.standard_normal((2, 3, 4)),
    "four_d": lambda rng: rng.standard_normal((2, 2, 2, 3)),
    "whole": lambda rng: np.arange(12.0).reshape(3, 4) - 5,
    "wide_range": lambda rng: rng.standard_normal((3, 5)) * 1000,
    "tiny": lambda rng: rng.standard_normal(4) * 1e-5,
    "big": lambda rng: np.array([1e9, 1.0]),
    "nonfinite": lambda rng: np.array([np.inf, -1.0, np.nan, 0.0]),
    "scalar": lambda rng: np.array(-0.25),
    "summarised_vector": lambda rng: rng.standard_normal(1001),
    "summarised_matrix": lambda rng: rng.standard_normal((40, 40)),
    "summarised_3d": lambda rng: rng.standard_normal((20, 20, 5)),
    "ints": lambda rng: rng.integers(-100, 1000, size=(3, 4)),
    "bools": lambda rng: rng.standard_normal((2, 3)) > 0,
}


@pytest.mark.parametrize("name", REPR_ARRAYS)
def test_repr_matches_torch(name):
    torch = pytest.importorskip("torch")
    data = REPR_ARRAYS[name](np.random.default_rng(0))
    if data.dtype == np.float64:
        data = data.astype(np.float32)      # dtype=torch.float64 is shorter than dtype=minigrad.float64
    assert repr(mg.tensor(data)) == repr(torch.tensor(data))
    if data.dtype.kind == "f":
        ours = repr(mg.tensor(data, requires_grad=True) * 1.0)
        theirs = repr(torch.tensor(data, requires_grad=True) * 1.0)
        assert ours == theirs.replace("MulBackward0", "MulBackward")


def test_float64_repr_matches_torch():
    torch = pytest.importorskip("torch")
    data = np.array([[0.5, -1.25], [3.0, 4.125]])
    assert repr(mg.tensor(data, requires_grad=True)) == \
        repr(torch.tensor(data, requires_grad=True)).replace("torch.", "minigrad.")


# ------------------------------------------------------------------- operators and methods
def test_comparisons_give_boolean_tensors_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result, expected in ((x > 2, [False, False, True]), (x >= 2, [False, True, True]),
                             (x < 2, [True, False, False]), (x <= 2, [True, True, False]),
                             (x == 2, [False, True, False]),
                             (x != mg.tensor([1.0, 0.0, 3.0]), [False, True, False])):
        assert result.dtype == np.bool_ and not result.requires_grad
        np.testing.assert_array_equal(result._data, expected)


def test_indexing_with_tensors():
    x = mg.tensor(np.arange(12.0).reshape(3, 4), requires_grad=True)
    picked = x[mg.arange(3), mg.tensor([0, 3, 1])]
    np.testing.assert_array_equal(picked._data, [0.0, 7.0, 9.0])
    picked.sum().backward()
    assert x.grad.sum() == 3 and x.grad[1, 3] == 1
    np.testing.assert_array_equal(x[x > 5]._data, [6, 7, 8, 9, 10, 11])


def test_argmax():
    x = mg.tensor([[1.0, 5.0, 2.0], [7.0, 0.0, 1.0]])
    np.testing.assert_array_equal(x.argmax(1)._data, [1, 0])
    assert x.argmax().item() == 3


def test_tensors_hash_by_identity():
    a, b = mg.tensor([1.0]), mg.tensor([1.0])
    assert len({a, b}) == 2
    assert mg.allclose(a, b)


def test_std_min_argmin_clone_match_numpy_and_keep_the_graph():
    x = mg.tensor(np.array([[3.0, -1.0, 2.0], [0.5, 4.0, -2.0]]), requires_grad=True)
    np.testing.assert_allclose(x.std(1)._data, x._data.std(axis=1, ddof=1))
    np.testing.assert_allclose(x.std(unbiased=False)._data, x._data.std())
    values, indices = x.min(1)
    np.testing.assert_array_equal(values._data, [-1.0, -2.0])
    np.testing.assert_array_equal(indices._data, [1, 2])
    assert x.min().item() == -2.0 and x.argmin().item() == 5
    copy = x.clone()
    assert copy._data is not x._data and copy.grad_fn is not None
    (values.sum() + copy.sum()).backward()
    np.testing.assert_array_equal(x.grad, [[1.0, 2.0, 1.0], [1.0, 1.0, 2.0]])


def test_more_factories_follow_pytorch():
    mg.manual_seed(0)
    r = mg.randint(0, 10, (100,))
    assert r.dtype == np.int64 and r.shape == (100,) and 0 <= r._data.min() and r._data.max() < 10
    assert mg.randint(5, (2, 3)).shape == (2, 3)
    assert mg.full((2, 3), 7.0).dtype == np.float32 and mg.full((2, 3), 7.0)._data.sum() == 42
    np.testing.assert_array_equal(mg.eye(3)._data, np.eye(3))
    a = np.arange(4.0)
    t = mg.from_numpy(a)
    a[0] = 9
    assert t.dtype == np.float64 and t._data[0] == 9          # shares memory, keeps float64
    assert mg.randn_like(t).shape == (4,) and mg.randn_like(t).dtype == np.float64
    with pytest.raises(TypeError, match="expected np.ndarray"):
        mg.from_numpy([1.0, 2.0])


def test_integer_tensors_meeting_floats_give_float32_as_in_pytorch():
    counts = mg.arange(5)
    assert (counts * 0.5).dtype == np.float32 and (0.5 * counts).dtype == np.float32
    assert (counts / 2).dtype == np.float32 and (1 / (counts + 1)).dtype == np.float32
    assert (counts + 1).dtype == np.int64                    # integer with integer stays integer
    np.testing.assert_allclose((counts / 4)._data, np.arange(5) / 4)
    x64 = mg.tensor(np.ones(3), requires_grad=True)
    assert (x64 * 0.5).dtype == np.float64                   # float64 is never narrowed
