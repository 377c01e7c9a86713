"""Every mistake a student makes live gets an error that says what is wrong and how to fix it.

Each test makes one mistake the way a new user would and checks the exception's type and
message: PyTorch's type and words where PyTorch has them, followed by the fix.
"""
import re

import numpy as np
import pytest

import minigrad
import minigrad.nn as nn
import minigrad.nn.functional as F


def raises(kind, *fragments):
    """pytest.raises(kind) whose message must contain every fragment, literally."""
    return pytest.raises(kind, match="(?s)" + "".join(f"(?=.*{re.escape(f)})" for f in fragments))


class Net(nn.Module):
    """The usual student network, with a wrong in_features on fc2."""

    def __init__(self, hidden=20, fc2_in=20):
        super().__init__()
        self.fc1 = nn.Linear(10, hidden)
        self.fc2 = nn.Linear(fc2_in, 2)

    def forward(self, x):
        return self.fc2(self.fc1(x).relu())


# ---- shapes in matmul and Linear -------------------------------------------------------

def test_matmul_shape_mismatch_shows_both_shapes():
    with raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (5x11 and 10x20)"):
        minigrad.randn(5, 11) @ minigrad.randn(10, 20)


def test_functional_linear_shape_mismatch_uses_pytorchs_message():
    with raises(RuntimeError, "mat1 and mat2 shapes cannot be multiplied (5x11 and 10x20)"):
        F.linear(minigrad.randn(5, 11), minigrad.randn(20, 10))


def test_linear_shape_mismatch_names_the_layer_and_the_fix():
    with raises(RuntimeError, "Linear(in_features=10, out_features=20) expected input with last "
                "dimension 10, got input of shape (5, 11)",
                "mat1 and mat2 shapes cannot be multiplied (5x11 and 10x20)",
                "make this layer Linear(11, 20)"):
        nn.Linear(10, 20)(minigrad.randn(5, 11))


def test_linear_on_unflattened_images_suggests_flatten():
    with raises(RuntimeError, "got input of shape (8, 1, 28, 28)", "x.flatten(1)", "nn.Flatten()"):
        nn.Linear(784, 10)(minigrad.randn(8, 1, 28, 28))


def test_linear_on_transposed_input_suggests_transpose():
    with raises(RuntimeError, "got input of shape (10, 5)", "Linear(5, 3)",
                "if axis 0 holds the features, transpose the input (x.T): (N, 10)"):
        nn.Linear(10, 3)(minigrad.randn(10, 5))


def test_linear_given_a_list_says_to_make_a_tensor():
    with raises(TypeError, "linear(): argument 'input' (position 1) must be Tensor, not list",
                "minigrad.tensor("):
        nn.Linear(3, 2)([[1.0, 2.0, 3.0]])


def test_error_in_a_network_notes_which_attribute_raised():
    with raises(RuntimeError, "Linear(in_features=20, out_features=2)") as info:
        Net(hidden=30, fc2_in=20)(minigrad.randn(5, 10))
    assert info.value.__notes__ == [
        "in module 'fc2' of Net: Linear(in_features=20, out_features=2, bias=True)"]


def test_error_in_nested_containers_notes_the_full_path():
    model = nn.Sequential(nn.Linear(10, 10), nn.Sequential(nn.ReLU(), nn.Linear(11, 2)))
    with raises(RuntimeError, "expected input with last dimension 11") as info:
        model(minigrad.randn(4, 10))
    assert info.value.__notes__ == [
        "in module '1.1' of Sequential: Linear(in_features=11, out_features=2, bias=True)"]


def test_error_in_a_lone_module_keeps_its_message_without_a_note():
    with pytest.raises(RuntimeError) as info:
        nn.Linear(10, 20)(minigrad.randn(5, 11))
    assert not hasattr(info.value, "__notes__")


# ---- BatchNorm input checks (the layer's own messages) ------------------------------------

@pytest.mark.parametrize("layer, shape, message", [
    (nn.BatchNorm1d, (4, 3, 5, 5), "expected 2D or 3D input (got 4D input)"),
    (nn.BatchNorm1d, (3,), "expected 2D or 3D input (got 1D input)"),
    (nn.BatchNorm2d, (4, 3), "expected 4D input (got 2D input)"),
    (nn.BatchNorm3d, (4, 3, 5, 5), "expected 5D input (got 4D input)"),
])
def test_batchnorm_wrong_input_rank(layer, shape, message):
    with raises(ValueError, message):
        layer(3)(minigrad.randn(*shape))


def test_batchnorm_wrong_num_features_says_what_the_layer_expects():
    with raises(RuntimeError, "running_mean should contain 4 elements not 3",
                "BatchNorm1d(3) expects input with C == num_features == 3 on axis 1",
                "got input size (8, 4)"):
        nn.BatchNorm1d(3)(minigrad.randn(8, 4))


def test_batchnorm_batch_of_one_in_training():
    with raises(ValueError, "Expected more than 1 value per channel when training, "
                "got input size (1, 3)"):
        nn.BatchNorm1d(3)(minigrad.randn(1, 3))


def test_batchnorm_batch_of_one_in_a_network_notes_the_layer():
    model = nn.Sequential(nn.Linear(5, 3), nn.BatchNorm1d(3))
    with raises(ValueError, "Expected more than 1 value per channel when training") as info:
        model(minigrad.randn(1, 5))
    assert info.value.__notes__[0].startswith("in module '1' of Sequential: BatchNorm1d(3,")


def test_batchnorm_batch_of_one_is_fine_in_eval_mode():
    assert nn.BatchNorm1d(3).eval()(minigrad.randn(1, 3)).shape == (1, 3)


def test_batchnorm_integer_input():
    with raises(NotImplementedError, "\"batch_norm\" not implemented for 'Long'", "x.float()"):
        nn.BatchNorm1d(3)(minigrad.tensor([[1, 2, 3], [4, 5, 6]]))


# ---- integer and object data where floats are needed ----------------------------------------

@pytest.mark.parametrize("data", [
    minigrad.tensor([[1, 2, 3]]),                       # Python ints become int64
    np.array([[1, 2, 3]], dtype=np.uint8),              # raw pixels
])
def test_integer_input_to_linear_says_convert_to_float(data):
    with raises(RuntimeError, "mat1 and mat2 must have the same dtype, but got",
                "and float32", "x.float()", "x.astype(np.float32)"):
        nn.Linear(3, 2)(data)


def test_object_array_is_refused_when_the_tensor_is_made():
    with raises(TypeError, "can't convert np.ndarray of type numpy.object_",
                "rows of different lengths, or a None"):
        minigrad.tensor(np.array([[1.0, 2.0], [3.0, None]], dtype=object))


def test_object_array_straight_into_a_layer():
    with raises(RuntimeError, "mat1 and mat2 must have the same dtype, but got object and float32"):
        nn.Linear(2, 2)(np.array([[1.0, None]], dtype=object))


def test_strings_are_refused():
    with raises(TypeError, "can't convert np.ndarray of type numpy.str_", "convert them to numbers"):
        minigrad.tensor(["1.5", "2.0"])


def test_integer_tensor_cannot_require_grad():
    with raises(RuntimeError, "only Tensors of floating point dtype can require gradients",
                "int64", "x.float()"):
        minigrad.tensor([1, 2, 3], requires_grad=True)


def test_mse_loss_of_integer_prediction():
    with raises(NotImplementedError, "\"mse_loss\" not implemented for int64", ".float()"):
        F.mse_loss(minigrad.tensor([1, 2]), minigrad.tensor([1, 3]))


def test_mse_loss_warns_when_shapes_would_broadcast():
    with pytest.warns(UserWarning, match=re.escape(
            "Using a target size (4,) that is different to the input size (4, 1)")):
        F.mse_loss(minigrad.randn(4, 1), minigrad.randn(4))


# ---- cross_entropy targets and logits ----------------------------------------------------

@pytest.mark.parametrize("bad", [10, -1])
def test_cross_entropy_target_out_of_range(bad):
    with raises(IndexError, f"Target {bad} is out of bounds.", "in [0, 9]", "out_features"):
        F.cross_entropy(minigrad.randn(3, 10), minigrad.tensor([1, bad, 2]))


def test_cross_entropy_loss_module_target_out_of_range():
    with raises(IndexError, "Target 3 is out of bounds."):
        nn.CrossEntropyLoss()(minigrad.randn(2, 3), np.array([0, 3]))


def test_cross_entropy_float_target():
    with raises(RuntimeError, "expected target dtype to be Long or Byte, but got float32",
                "target.long()"):
        F.cross_entropy(minigrad.randn(3, 10), minigrad.tensor([1.0, 2.0, 3.0]))


def test_cross_entropy_one_hot_target():
    with raises(RuntimeError, "class indices of shape (N,)", "shape (3, 10)", "target.argmax(1)"):
        F.cross_entropy(minigrad.randn(3, 10), minigrad.tensor(np.eye(10, dtype=np.float32)[:3]))


def test_cross_entropy_batch_sizes_differ():
    with raises(ValueError, "Expected input batch_size (3) to match target batch_size (2)."):
        F.cross_entropy(minigrad.randn(3, 10), minigrad.tensor([1, 2]))


def test_cross_entropy_single_sample_without_batch_axis():
    with raises(RuntimeError, "logits of shape (N, C), got shape (10,)", "logits.unsqueeze(0)"):
        F.cross_entropy(minigrad.randn(10), minigrad.tensor([1]))


def test_cross_entropy_arguments_swapped():
    logits, target = minigrad.randn(3, 10), minigrad.tensor([1, 2, 3])
    with raises(RuntimeError, "did you swap them? The call is cross_entropy(logits, target)"):
        F.cross_entropy(target, logits)


def test_cross_entropy_integer_logits():
    with raises(NotImplementedError, "\"log_softmax\" not implemented for int64", ".float()"):
        F.cross_entropy(minigrad.tensor([[1, 2], [3, 4]]), minigrad.tensor([0, 1]))


# ---- backward ----------------------------------------------------------------------------

def test_backward_on_a_non_scalar():
    y = minigrad.randn(3, requires_grad=True) * 2
    with raises(RuntimeError, "grad can be implicitly created only for scalar outputs",
                "shape (3,)", "loss.mean()"):
        y.backward()


def test_backward_on_a_tensor_that_does_not_require_grad():
    with raises(RuntimeError, "element 0 of tensors does not require grad and does not have a "
                "grad_fn", "requires_grad=True"):
        (minigrad.randn(3) * 2).sum().backward()


def test_backward_of_a_loss_computed_under_no_grad():
    model = nn.Linear(3, 1)
    with minigrad.no_grad():
        loss = model(minigrad.randn(4, 3)).sum()
    with raises(RuntimeError, "does not require grad", "no_grad()"):
        loss.backward()


def test_backward_twice_through_freed_values():
    x = minigrad.randn(3, requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    with raises(RuntimeError, "Trying to backward through the graph a second time",
                "Specify retain_graph=True"):
        loss.backward()


def test_in_place_update_of_a_parameter_outside_no_grad():
    w = minigrad.randn(3, requires_grad=True)
    with raises(RuntimeError, "a leaf Variable that requires grad is being used in an in-place "
                "operation", "with minigrad.no_grad():"):
        w -= 0.1


def test_reduction_over_a_dim_the_tensor_does_not_have():
    # checked, not wrapped round: sum(2) of a matrix must not quietly sum dim 0
    with raises(IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 2)"):
        minigrad.randn(2, 3).sum(2)
    with raises(IndexError, "but got -3"):
        minigrad.randn(2, 3).mean(dim=(0, -3))


# ---- load_state_dict -----------------------------------------------------------------------

def test_load_state_dict_missing_key():
    state = nn.Linear(3, 2).state_dict()
    del state["bias"]
    with raises(RuntimeError, "Error(s) in loading state_dict for Linear:",
                'Missing key(s) in state_dict: "bias".', "strict=False"):
        nn.Linear(3, 2).load_state_dict(state)


def test_load_state_dict_unexpected_key():
    state = Net().state_dict()
    with raises(RuntimeError, 'Unexpected key(s) in state_dict: "fc2.weight", "fc2.bias".'):
        nn.Sequential(nn.Linear(10, 20)).load_state_dict(
            {k.replace("fc1", "0"): v for k, v in state.items()})


def test_load_state_dict_wrong_shape_shows_both_shapes():
    with raises(RuntimeError, "size mismatch for fc1.weight: copying a param with shape "
                "minigrad.Size([30, 10]) from checkpoint, the shape in current model is "
                "minigrad.Size([20, 10]).", "same layers, names and sizes"):
        Net(hidden=20).load_state_dict(Net(hidden=30, fc2_in=30).state_dict())


def test_load_state_dict_reports_every_problem_at_once():
    state = Net(hidden=30, fc2_in=30).state_dict()
    state["extra"] = np.zeros(1)
    del state["fc2.bias"]
    with pytest.raises(RuntimeError) as info:
        Net().load_state_dict(state)
    message = str(info.value)
    for fragment in ('Missing key(s) in state_dict: "fc2.bias"', 'Unexpected key(s) in state_dict: "extra"',
                     "size mismatch for fc1.weight", "size mismatch for fc2.weight"):
        assert fragment in message


def test_load_state_dict_object_array():
    state = nn.Linear(2, 1).state_dict()
    state["weight"] = np.array([[1.0, None]], dtype=object)
    with raises(RuntimeError, "dtype mismatch for weight: copying a param of dtype object"):
        nn.Linear(2, 1).load_state_dict(state)


def test_load_state_dict_given_a_path():
    with raises(TypeError, "Expected state_dict to be dict-like, got <class 'str'>.",
                "model.load_state_dict(minigrad.load(path))"):
        nn.Linear(2, 1).load_state_dict("model.npz")


def test_failed_load_state_dict_changes_nothing():
    model = Net()
    before = model.state_dict()
    bad = Net(hidden=30, fc2_in=30).state_dict()
    bad["fc2.bias"] = np.full(2, 7.0)
    with pytest.raises(RuntimeError):
        model.load_state_dict(bad)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


# ---- optimisers ------------------------------------------------------------------------------

@pytest.mark.parametrize("optimizer", [minigrad.optim.SGD, minigrad.optim.Adam])
def test_optimizer_with_no_parameters(optimizer):
    with raises(ValueError, "optimizer got an empty parameter list", "model.parameters()"):
        optimizer([], lr=0.1)


def test_optimizer_given_a_used_up_generator():
    params = nn.Linear(2, 2).parameters()
    list(params)
    with raises(ValueError, "optimizer got an empty parameter list", "call model.parameters() again"):
        minigrad.optim.SGD(params, lr=0.1)


def test_optimizer_of_a_model_without_registered_layers():
    class Forgot(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = [nn.Linear(2, 2)]       # a plain list registers nothing

    with raises(ValueError, "optimizer got an empty parameter list", "super().__init__()"):
        minigrad.optim.SGD(Forgot().parameters(), lr=0.1)


@pytest.mark.parametrize("optimizer", [minigrad.optim.SGD, minigrad.optim.Adam])
def test_optimizer_negative_learning_rate(optimizer):
    with raises(ValueError, "Invalid learning rate: -0.01", "it must be >= 0"):
        optimizer(nn.Linear(2, 2).parameters(), lr=-0.01)


@pytest.mark.parametrize("make", [lambda: nn.Linear(2, 2), lambda: minigrad.randn(3)])
def test_optimizer_given_the_model_or_a_tensor(make):
    with raises(TypeError, "params argument given to the optimizer should be an iterable of "
                "Tensors", "pass model.parameters()"):
        minigrad.optim.SGD(make(), lr=0.1)


def test_optimizer_given_a_list_of_modules():
    with raises(TypeError, "optimizer can only optimize Tensors, but one of the params is Linear"):
        minigrad.optim.SGD(nn.Sequential(nn.Linear(2, 2)), lr=0.1)


# ---- gradcheck ---------------------------------------------------------------------------------

def test_gradcheck_without_an_input_that_requires_grad():
    x = minigrad.randn(3, dtype=minigrad.float64)
    with raises(ValueError, "gradcheck expects at least one input tensor to require gradient",
                "requires_grad=True"):
        minigrad.gradcheck(lambda x: x * 2, (x,))


# ---- the same mistakes in PyTorch: same exception type, same words ------------------------------

def _gradcheck(lib):
    return lib.gradcheck if lib is minigrad else lib.autograd.gradcheck


def _without_bias(lib):
    state = lib.nn.Linear(3, 2).state_dict()
    del state["bias"]
    return lib.nn.Linear(3, 2).load_state_dict(state)


# name: (the mistake, written once for both libraries, words both messages contain)
SAME_AS_PYTORCH = {
    "matmul shapes": (lambda lib: lib.randn(5, 11) @ lib.randn(10, 20),
                      "mat1 and mat2 shapes cannot be multiplied (5x11 and 10x20)"),
    "Linear shapes": (lambda lib: lib.nn.Linear(10, 20)(lib.randn(5, 11)),
                      "mat1 and mat2 shapes cannot be multiplied (5x11 and 10x20)"),
    "Linear int input": (lambda lib: lib.nn.Linear(3, 2)(lib.tensor([[1, 2, 3]])),
                         "mat1 and mat2 must have the same dtype, but got"),
    "int requires grad": (lambda lib: lib.tensor([1, 2], requires_grad=True),
                          "Tensors of floating point"),
    "object array": (lambda lib: lib.tensor(np.array([1.0, None], dtype=object)),
                     "can't convert np.ndarray of type numpy.object_."),
    "target out of range": (lambda lib: lib.nn.functional.cross_entropy(
        lib.randn(3, 10), lib.tensor([1, 2, 10])), "Target 10 is out of bounds."),
    "float target": (lambda lib: lib.nn.functional.cross_entropy(
        lib.randn(3, 10), lib.tensor([1.0, 2.0, 3.0])), "expected target dtype to be Long or Byte, but got"),
    "int logits": (lambda lib: lib.nn.functional.cross_entropy(
        lib.tensor([[1, 2], [3, 4]]), lib.tensor([0, 1])), "not implemented for"),
    "int mse_loss": (lambda lib: lib.nn.functional.mse_loss(lib.tensor([1, 2]), lib.tensor([1, 3])),
                     "not implemented for"),
    "logits with an extra axis": (lambda lib: lib.nn.functional.cross_entropy(    # same type only:
        lib.randn(3, 4, 5), lib.tensor([1, 2, 0])), ""),        # PyTorch would take (N, C, d) logits
    "BatchNorm int input": (lambda lib: lib.nn.BatchNorm1d(3)(lib.tensor([[1, 2, 3], [4, 5, 6]])),
                            "\"batch_norm\" not implemented for 'Long'"),
    "Linear given a list": (lambda lib: lib.nn.Linear(3, 2)([[1.0, 2.0, 3.0]]),
                            "linear(): argument 'input' (position 1) must be Tensor, not list"),
    "optimizer given a list of modules": (lambda lib: lib.optim.SGD([lib.nn.Linear(2, 2)], lr=0.1),
                                          "optimizer can only optimize Tensors, but one of the params is"),
    "optimizer given a tensor": (lambda lib: lib.optim.SGD(lib.randn(3), lr=0.1),
                                 "params argument given to the optimizer should be an iterable of Tensors"),
    "strings": (lambda lib: lib.tensor(np.array(["1.5"])), "can't convert np.ndarray of type numpy.str_."),
    "target batch size": (lambda lib: lib.nn.functional.cross_entropy(
        lib.randn(3, 10), lib.tensor([1, 2])),
        "Expected input batch_size (3) to match target batch_size (2)."),
    "BatchNorm rank": (lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(4, 3, 5, 5)),
                       "expected 2D or 3D input (got 4D input)"),
    "BatchNorm num_features": (lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(8, 4)),
                               "running_mean should contain 4 elements not 3"),
    "BatchNorm batch of one": (lambda lib: lib.nn.BatchNorm1d(3)(lib.randn(1, 3)),
                               "Expected more than 1 value per channel when training"),
    "backward of a non-scalar": (lambda lib: (lib.tensor([1.0, 2.0], requires_grad=True) * 2).backward(),
                                 "grad can be implicitly created only for scalar outputs"),
    "backward without a graph": (lambda lib: lib.tensor([1.0, 2.0]).sum().backward(),
                                 "element 0 of tensors does not require grad and does not have a grad_fn"),
    "item of two elements": (lambda lib: lib.tensor([1.0, 2.0]).item(),
                             "a Tensor with 2 elements cannot be converted to Scalar"),
    "backward twice": (lambda lib: [loss := (lib.randn(3, requires_grad=True).exp()).sum(),
                                    loss.backward(), loss.backward()],
                       "Trying to backward through the graph a second time"),
    "in-place on a parameter": (lambda lib: lib.randn(3, requires_grad=True).__isub__(0.1),
                                "a leaf Variable that requires grad is being used in an in-place operation"),
    "dim out of range": (lambda lib: lib.randn(2, 3).sum(2),
                         "Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "missing key": (_without_bias, 'Missing key(s) in state_dict: "bias".'),
    "state_dict is a path": (lambda lib: lib.nn.Linear(2, 1).load_state_dict("model.pt"),
                             "Expected state_dict to be dict-like, got <class 'str'>."),
    "no parameters": (lambda lib: lib.optim.SGD([], lr=0.1), "optimizer got an empty parameter list"),
    "negative lr": (lambda lib: lib.optim.Adam(lib.nn.Linear(2, 2).parameters(), lr=-0.1),
                    "Invalid learning rate: -0.1"),
    "gradcheck without grad": (lambda lib: _gradcheck(lib)(lambda x: x * 2, (lib.randn(2).double(),)),
                               "gradcheck expects at least one input tensor to require gradient"),
}


@pytest.mark.parametrize("name", SAME_AS_PYTORCH)
def test_same_exception_type_and_words_as_pytorch(name):
    torch = pytest.importorskip("torch")
    mistake, words = SAME_AS_PYTORCH[name]
    with pytest.raises(Exception) as theirs:
        mistake(torch)
    with pytest.raises(Exception) as ours:
        mistake(minigrad)
    assert type(ours.value) is type(theirs.value)
    assert words in str(theirs.value) and words in str(ours.value)
