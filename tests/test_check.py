"""minigrad.check: a correct solution passes; each catalogued mistake, injected into a correct
solution by editing its source, fails with that mistake's name; shapes and dtypes come first."""
import textwrap
import warnings

import numpy as np
import pytest

from minigrad import check

# Correct solutions, written as a student would, one per exercise (the signatures of check's docstring).
SOLUTIONS = {
    "linear_backward": """
        def linear_backward(g, x, weight):
            dx = g @ weight
            dweight = g.T @ x
            dbias = g.sum(axis=0)
            return dx, dweight, dbias
    """,
    "matmul_backward": """
        def matmul_backward(g, a, b):
            return g @ b.T, a.T @ g
    """,
    "relu_backward": """
        def relu_backward(g, x):
            return g * (x > 0)
    """,
    "sigmoid_backward": """
        def sigmoid_backward(g, out):
            return g * out * (1 - out)
    """,
    "cross_entropy_backward": """
        def cross_entropy_backward(logits, target):
            n = logits.shape[0]
            e = np.exp(logits - logits.max(axis=1, keepdims=True))
            softmax = e / e.sum(axis=1, keepdims=True)
            onehot = np.zeros_like(logits)
            onehot[np.arange(n), target] = 1
            return (softmax - onehot) / n
    """,
    "bn_forward": """
        def bn_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
            axes = (0,) + tuple(range(2, x.ndim))
            shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
            if training:
                n = x.size // x.shape[1]
                mean = x.mean(axis=axes, keepdims=True)
                var = x.var(axis=axes, keepdims=True)
                running_mean[...] = (1 - momentum) * running_mean + momentum * mean.reshape(-1)
                running_var[...] = (1 - momentum) * running_var + momentum * var.reshape(-1) * n / (n - 1)
            else:
                mean, var = running_mean.reshape(shape), running_var.reshape(shape)
            x_hat = (x - mean) / np.sqrt(var + eps)
            return gamma.reshape(shape) * x_hat + beta.reshape(shape)
    """,
    "bn_backward_staged": """
        def bn_backward_staged(g, cache):
            x, mean, var, inv_std, eps = cache["x"], cache["mean"], cache["var"], cache["inv_std"], cache["eps"]
            axes = (0,) + tuple(range(2, x.ndim))
            n = x.size // x.shape[1]
            gamma = cache["gamma"].reshape(mean.shape)
            dx_hat = g * gamma
            dvar = np.sum(dx_hat * (x - mean), axis=axes, keepdims=True) * -0.5 * (var + eps) ** -1.5
            dmean = np.sum(dx_hat * -inv_std, axis=axes, keepdims=True) + dvar * np.sum(-2 * (x - mean), axis=axes, keepdims=True) / n
            dx = dx_hat * inv_std + dvar * 2 * (x - mean) / n + dmean / n
            return dx_hat, dvar, dmean, dx
    """,
    "bn_backward_closed": """
        def bn_backward_closed(g, cache):
            x_hat, inv_std = cache["x_hat"], cache["inv_std"]
            axes = (0,) + tuple(range(2, x_hat.ndim))
            n = x_hat.size // x_hat.shape[1]
            gamma = cache["gamma"].reshape(inv_std.shape)
            dbeta = g.sum(axis=axes, keepdims=True)
            dgamma = (g * x_hat).sum(axis=axes, keepdims=True)
            dx = gamma * inv_std * (g - (dbeta + x_hat * dgamma) / n)
            return dx, dgamma.reshape(-1), dbeta.reshape(-1)
    """,
    "layernorm_backward": """
        def layernorm_backward(g, cache):
            x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
            n = x_hat.shape[-1]
            dx_hat = g * gamma
            dx = inv_std * (dx_hat - (dx_hat.sum(axis=-1, keepdims=True) + x_hat * (dx_hat * x_hat).sum(axis=-1, keepdims=True)) / n)
            return dx, (g * x_hat).sum(axis=0), g.sum(axis=0)
    """,
    "conv_backward": """
        def conv_backward(g, x, weight, stride, padding):
            n, c, h, w = x.shape
            f, _, kh, kw = weight.shape
            xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
            dxp = np.zeros_like(xp)
            dweight = np.zeros_like(weight)
            for i in range(g.shape[2]):
                for j in range(g.shape[3]):
                    window = xp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw]
                    dweight += np.einsum("nf,nckl->fckl", g[:, :, i, j], window)
                    dxp[:, :, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nf,fckl->nckl", g[:, :, i, j], weight)
            dx = dxp[:, :, padding:padding + h, padding:padding + w]
            return dx, dweight, g.sum(axis=(0, 2, 3))
    """,
}

# (exercise, text in the solution, its replacement, the name the checker must give)
MISTAKES = [
    ("linear_backward", "dweight = g.T @ x", "dweight = x.T @ g", "dW transposed"),
    ("linear_backward", "dbias = g.sum(axis=0)", "dbias = g.mean(axis=0)", "averaged instead of summed"),
    ("linear_backward", "dx = g @ weight", "dx = g @ weight.T", "W^T where (L.1) has W"),
    ("matmul_backward", "a.T @ g", "g.T @ a", "a gradient transposed"),
    ("matmul_backward", "g @ b.T,", "b @ g.T,", "a gradient transposed"),
    ("relu_backward", "g * (x > 0)", "g * (x >= 0)", "gradient 1 at x = 0"),
    ("relu_backward", "g * (x > 0)", "1.0 * (x > 0)", "the upstream gradient forgotten"),
    ("sigmoid_backward", "g * out * (1 - out)", "out * (1 - out)", "the upstream gradient forgotten"),
    ("sigmoid_backward", "g * out * (1 - out)", "g / (1 + np.exp(-out)) * (1 - 1 / (1 + np.exp(-out)))",
     "sigmoid applied to the output again"),
    ("cross_entropy_backward", "(softmax - onehot) / n", "softmax - onehot", "the 1/N of the mean forgotten"),
    ("cross_entropy_backward", "(softmax - onehot) / n", "softmax / n", "the one-hot forgotten"),
    ("cross_entropy_backward", "(softmax - onehot) / n", "(onehot - softmax) / n", "the sign of (CE.1)"),
    ("cross_entropy_backward", "e / e.sum(axis=1, keepdims=True)", "np.exp(logits) / np.exp(logits).sum(axis=0, keepdims=True)",
     "softmax over the wrong axis"),
    ("bn_forward", "var = x.var(axis=axes, keepdims=True)", "var = x.var(axis=axes, keepdims=True, ddof=1)",
     "the batch normalised with the unbiased variance"),
    ("bn_forward", "var.reshape(-1) * n / (n - 1)", "var.reshape(-1)", "running_var updated with the biased variance"),
    ("bn_forward", "running_mean[...] = (1 - momentum) * running_mean + momentum * mean.reshape(-1)",
     "running_mean[...] = momentum * running_mean + (1 - momentum) * mean.reshape(-1)", "momentum in Keras's convention"),
    ("bn_forward", "    if training:\n", "    if True:\n", "running statistics updated in eval mode"),
    ("bn_forward", "running_mean.reshape(shape), running_var.reshape(shape)",
     "x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)", "batch statistics in eval mode"),
    ("bn_forward", "mean = x.mean(axis=axes, keepdims=True)\n        var = x.var(axis=axes, keepdims=True)",
     "mean = x.mean(axis=axes)\n        var = x.var(axis=axes)", "a missing keepdim"),
    ("bn_backward_staged", " + dmean / n\n", "\n", "the dropped mean term"),
    ("bn_backward_staged", " + dvar * 2 * (x - mean) / n +", " +", "the dropped variance term"),
    ("bn_backward_staged", "dvar * 2 * (x - mean) / n", "dvar * 2 * (x - mean) / (n - 1)", "n - 1 in the backward"),
    ("bn_backward_staged", "axis=axes, keepdims=True) * -0.5", "axis=axes) * -0.5", "a missing keepdim"),
    ("bn_backward_staged", 'gamma = cache["gamma"].reshape(mean.shape)', 'gamma = cache["gamma"]', "a missing keepdim"),
    ("bn_backward_staged", "dx_hat = g * gamma", "dx_hat = g", "gamma forgotten in (BN.5)"),
    ("bn_backward_staged", "* -0.5 *", "* 0.5 *", "the sign of (BN.6)"),
    ("bn_backward_closed", "(dbeta + x_hat * dgamma) / n", "x_hat * dgamma / n", "the dropped mean term"),
    ("bn_backward_closed", "(dbeta + x_hat * dgamma) / n", "dbeta / n", "the dropped variance term"),
    ("bn_backward_closed", "(dbeta + x_hat * dgamma) / n", "(dbeta + x_hat * dgamma) / (n - 1)", "n - 1 in the backward"),
    ("bn_backward_closed", "axis=axes, keepdims=True)\n    dgamma", "axis=axes)\n    dgamma", "a missing keepdim"),
    ("layernorm_backward", "(dx_hat.sum(axis=-1, keepdims=True) + ", "(", "the dropped mean term"),
    ("layernorm_backward", " + x_hat * (dx_hat * x_hat).sum(axis=-1, keepdims=True)", "", "the dropped variance term"),
    ("layernorm_backward", "dx_hat.sum(axis=-1, keepdims=True) + x_hat * (dx_hat * x_hat).sum(axis=-1, keepdims=True)",
     "gamma * g.sum(axis=-1, keepdims=True) + x_hat * gamma * (g * x_hat).sum(axis=-1, keepdims=True)",
     "BatchNorm's closed form used for LayerNorm"),
    ("layernorm_backward", "(g * x_hat).sum(axis=0), g.sum(axis=0)", "(g * x_hat).sum(axis=-1), g.sum(axis=-1)",
     "summed over the wrong axis"),
    ("layernorm_backward", "dx_hat.sum(axis=-1, keepdims=True)", "dx_hat.sum(axis=-1)", "a missing keepdim"),
    ("conv_backward", 'np.einsum("nf,fckl->nckl", g[:, :, i, j], weight)',
     'np.einsum("nf,fckl->nckl", g[:, :, i, j], weight[:, :, ::-1, ::-1])', "the kernel flipped"),
    ("conv_backward", 'np.einsum("nf,nckl->fckl", g[:, :, i, j], window)',
     'np.einsum("nf,nckl->cfkl", g[:, :, i, j], window)', "dW transposed"),
]


def compile_solution(exercise, old=None, new=None):
    source = textwrap.dedent(SOLUTIONS[exercise])
    if old is not None:
        assert source.count(old) == 1, f"{old!r} must occur once in the {exercise} solution"
        source = source.replace(old, new)
    namespace = {"np": np}
    exec(source, namespace)
    return namespace[exercise]


@pytest.mark.parametrize("exercise", sorted(SOLUTIONS))
def test_a_correct_solution_passes(exercise, capsys):
    assert getattr(check, exercise)(compile_solution(exercise)) is True
    assert "passed" in capsys.readouterr().out


@pytest.mark.parametrize("exercise, old, new, name", MISTAKES,
                         ids=[f"{m[0]}: {m[3]}" for m in MISTAKES])
def test_each_catalogued_mistake_is_recognised_by_name(exercise, old, new, name):
    with pytest.raises(check.CheckFailure) as caught:
        getattr(check, exercise)(compile_solution(exercise, old, new))
    assert "Recognised mistake" in str(caught.value), str(caught.value)
    assert name in str(caught.value), str(caught.value)


def test_every_catalogued_mistake_has_a_test():
    tested = [m[3] for m in MISTAKES]
    untested = [key for key, m in check.MISTAKES.items() if not any(t in m.name for t in tested)]
    assert not untested


def test_the_staged_check_names_the_first_wrong_node_and_its_worst_element():
    broken = compile_solution("bn_backward_staged", "* -0.5 *", "* -0.25 *")    # an unknown mistake
    with pytest.raises(check.CheckFailure) as caught:
        check.bn_backward_staged(broken)
    message = str(caught.value)
    assert "dvar is wrong (the first wrong one of dx_hat, dvar, dmean, dx: dx_hat is right)" in message
    assert "worst element at index" in message and "yours" in message and "expected" in message
    assert "Recognised mistake" not in message


def test_shapes_come_first_with_the_expected_shape():
    wrong_shape = compile_solution("linear_backward", "dbias = g.sum(axis=0)", "dbias = g.sum(axis=1)")
    with pytest.raises(check.CheckFailure, match=r"dbias has shape \(4,\); expected \(3,\), the shape of bias"):
        check.linear_backward(wrong_shape)
    # a per-channel node not summed over the batch
    not_summed = compile_solution("bn_backward_staged", "dvar = np.sum(dx_hat * (x - mean), axis=axes, keepdims=True)",
                                  "dvar = (dx_hat * (x - mean))")
    with pytest.raises(check.CheckFailure, match=r"dvar has shape \(6, 3\); expected \(1, 3\) or \(3,\)"):
        check.bn_backward_staged(not_summed)


def test_dtype_and_structure_errors_say_what_to_change():
    float32 = compile_solution("relu_backward", "g * (x > 0)", "(g * (x > 0)).astype(np.float32)")
    with pytest.raises(check.CheckFailure, match="dtype float32; expected float64"):
        check.relu_backward(float32)
    with pytest.raises(check.CheckFailure, match="returned None"):
        check.relu_backward(lambda g, x: None)
    with pytest.raises(check.CheckFailure, match="return 3 values"):
        check.linear_backward(lambda g, x, weight: (g @ weight, g.T @ x))
    with pytest.raises(check.CheckFailure, match="has no dvar"):
        check.bn_backward_staged(lambda g, cache: dict(dx_hat=g, dmean=g, dx=g))


def test_a_dict_of_named_intermediates_is_accepted():
    staged = compile_solution("bn_backward_staged")
    assert check.bn_backward_staged(lambda g, cache: dict(zip(("dx_hat", "dvar", "dmean", "dx"), staged(g, cache))))


def test_an_input_changed_in_place_is_reported():
    def in_place(g, x):
        g *= x > 0
        return g
    with pytest.raises(check.CheckFailure, match="changed its argument g in place"):
        check.relu_backward(in_place)


def test_a_broadcast_error_points_at_the_missing_keepdim():
    # without keepdims the (C,) sums meet the (N, C, L) input with L != C and cannot broadcast
    crashing = compile_solution("bn_backward_staged", "axis=axes, keepdims=True) * -0.5", "axis=axes) * -0.5")
    rows = [(6, 3)]
    for shape in check._BN_SHAPES[1:]:
        x, gamma, g, _ = check._bn_case(0, shape)
        if shape[2] != shape[1]:
            with pytest.raises(ValueError, match="broadcast"):
                crashing(g, check.bn_cache(x, gamma))
            rows.append(shape)
    assert len(rows) == 2


def test_not_implemented_passes_through():
    def blank(g, x):
        raise NotImplementedError("exercise 2.2: relu_backward")
    with pytest.raises(NotImplementedError, match="exercise 2.2"):
        check.relu_backward(blank)


def test_a_constant_upstream_gradient_warns_and_hides_the_dropped_variance_term():
    with pytest.warns(check.ConstantUpstreamWarning, match="constant"):
        g = check.upstream_gradient(np.ones((6, 3)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check.upstream_gradient(check.random_upstream((6, 3)))
    # the reason: with a constant g, the staged backward without its variance term is right
    x, gamma, _, _ = check._bn_case(0, (6, 3))
    cache = check.bn_cache(x, gamma)
    dropped = compile_solution("bn_backward_staged", " + dvar * 2 * (x - mean) / n +", " +")
    correct = compile_solution("bn_backward_staged")
    assert np.allclose(dropped(g, cache)[3], correct(g, cache)[3])
    random_g = check.random_upstream((6, 3))
    assert not np.allclose(dropped(random_g, cache)[3], correct(random_g, cache)[3])


def test_the_references_agree_with_the_library_ops():
    from minigrad import Tensor
    from minigrad.ops.batchnorm import BatchNorm
    for i, shape in enumerate(check._BN_SHAPES):
        x, gamma, g, _ = check._bn_case(i, shape)
        cache = check.bn_cache(x, gamma)
        xt = Tensor(x, requires_grad=True)
        BatchNorm.apply(xt, Tensor(gamma)).backward(Tensor(g))
        assert np.allclose(check._bn_staged(g, cache)["dx"], np.asarray(xt.grad), atol=1e-12)
        assert np.allclose(check._bn_closed(g, cache)["dx"], np.asarray(xt.grad), atol=1e-12)


def test_the_references_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    from minigrad import Tensor
    for stride, padding in [(1, 1), (2, 0)]:
        ours = check._conv2d(Tensor(x), Tensor(w), Tensor(b), stride, padding).numpy()
        theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                            stride=stride, padding=padding).numpy()
        assert np.allclose(ours, theirs, atol=1e-12)
    x2, gamma, beta = rng.standard_normal((5, 4)), rng.standard_normal(4), rng.standard_normal(4)
    ours = check._composed_layernorm(Tensor(x2), Tensor(gamma), Tensor(beta)).numpy()
    theirs = torch.nn.functional.layer_norm(torch.tensor(x2), (4,), torch.tensor(gamma), torch.tensor(beta)).numpy()
    assert np.allclose(ours, theirs, atol=1e-12)
