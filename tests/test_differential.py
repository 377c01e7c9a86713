"""Differential testing against PyTorch: random programs, run by both libraries.

Hypothesis draws a program: two inputs of broadcastable shapes combined by a binary op, then a
few steps drawn from elementwise ops, reductions over a drawn dim (keepdim or not), reshapes
and transposes, log_softmax, Linear, and BatchNorm1d in training or in eval mode. The program
runs once in minigrad and once in PyTorch, in float64, from the same numbers; the test compares
the output, the gradient of a weighted sum of it with respect to every input and parameter,
and BatchNorm's running statistics. A failure shrinks to a short program, printed as a list of
steps. Derandomised (the same examples every run) and small, so it runs in seconds.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

torch = pytest.importorskip("torch")

import minigrad as mg  # noqa: E402
import minigrad.nn as mnn  # noqa: E402
import minigrad.nn.functional as mF  # noqa: E402

SETTINGS = settings(max_examples=150, derandomize=True, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
RTOL, ATOL = 1e-8, 1e-10          # float64 on both sides: only rounding may differ

# the same program text for both libraries: (library module, its nn, its functional)
LIBRARIES = {"minigrad": (mg, mnn, mF), "torch": (torch, torch.nn, torch.nn.functional)}

ELEMENTWISE = {
    "exp": lambda x: (x * 0.5).exp(), "tanh": lambda x: x.tanh(), "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(), "neg": lambda x: -x, "abs": lambda x: x.abs(),
    "square": lambda x: x * x, "log": lambda x: (x * x + 1).log(), "sqrt": lambda x: (x * x + 1).sqrt(),
    "silu": lambda x: x * x.sigmoid(),            # x used twice: gradients must add up
    "scalar": lambda x: 2.0 - x / 3.0, "pow": lambda x: (x * x + 0.5) ** 1.5,
}
BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / (b * b + 1),
          "dot": lambda a, b: (a * b).sum(-1, keepdim=True)}       # along the last axis


@st.composite
def programs(draw):
    """(a, b, steps, weight seed): the inputs as arrays and the steps as tuples."""
    rank = draw(st.sampled_from([2, 3, 1]))                # (N, C) and (N, C, L) fit BatchNorm1d
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=rank, max_dims=rank,
                                                    min_side=1, max_side=4))
    values = st.floats(-2, 2, allow_nan=False, width=64)
    a = draw(hnp.arrays(np.float64, shapes.input_shapes[0], elements=values))
    b = draw(hnp.arrays(np.float64, shapes.input_shapes[1], elements=values))
    first = draw(st.sampled_from(sorted(BINARY)))
    shape = tuple(shapes.result_shape)
    if first == "dot":
        shape = shape[:-1] + (1,)
    steps = [("binary", first)]
    for _ in range(draw(st.integers(1, 4))):
        step, shape = draw(_step(shape))
        steps.append(step)
    return a, b, steps, draw(st.integers(0, 2**16))


@st.composite
def _step(draw, shape):
    """One step that is valid on a value of ``shape``, and the shape it leaves."""
    ndim = len(shape)
    kinds = ["elementwise", "elementwise"]
    if ndim >= 1:
        kinds += ["reduce", "linear", "log_softmax", "reshape"]
    if ndim >= 2:
        kinds += ["transpose"]
    if ndim in (2, 3) and shape[0] * (shape[2] if ndim == 3 else 1) > 1:
        kinds += ["batchnorm"] * 4                       # the layer this course is about
    kind = draw(st.sampled_from(kinds))
    if kind == "elementwise":
        return ("elementwise", draw(st.sampled_from(sorted(ELEMENTWISE)))), shape
    if kind == "reduce":
        how = draw(st.sampled_from(["sum", "mean", "max"]))
        dim = draw(st.integers(-ndim, ndim - 1))
        keepdim = draw(st.booleans())
        kept = shape[:dim % ndim] + ((1,) if keepdim else ()) + shape[dim % ndim + 1:]
        return ("reduce", how, dim, keepdim), kept
    if kind == "linear":
        out = draw(st.integers(1, 4))
        return ("linear", shape[-1], out, draw(st.booleans())), shape[:-1] + (out,)
    if kind == "log_softmax":
        return ("log_softmax", draw(st.integers(-ndim, ndim - 1))), shape
    if kind == "reshape":
        size = int(np.prod(shape))
        target, result = draw(st.sampled_from([
            ((-1,), (size,)), ((shape[0], -1), (shape[0], size // shape[0])), ((-1, 1), (size, 1))]))
        return ("reshape", target), result
    if kind == "transpose":
        order = draw(st.permutations(range(ndim)).map(tuple))
        return ("transpose", order), tuple(shape[i] for i in order)
    training = draw(st.sampled_from([True, False]))
    return ("batchnorm", shape[1], training, draw(st.sampled_from([0.1, None]))), shape


def _parameters(step, seed):
    """The numbers of a layer's state_dict, the same for both libraries."""
    rng = np.random.default_rng(seed)
    if step[0] == "linear":
        _, fan_in, out, bias = step
        state = {"weight": rng.uniform(-1, 1, (out, fan_in))}
        if bias:
            state["bias"] = rng.uniform(-1, 1, out)
        return state
    channels = step[1]
    return {"weight": rng.uniform(0.5, 1.5, channels), "bias": rng.uniform(-1, 1, channels),
            "running_mean": rng.uniform(-1, 1, channels), "running_var": rng.uniform(0.5, 2, channels),
            "num_batches_tracked": np.array(3, dtype=np.int64)}


def run(name, a, b, steps, seed):
    """Run the program in library ``name``; returns out, loss, the leaves and the layers."""
    lib, nn, F = LIBRARIES[name]

    def tensor(array):
        return lib.tensor(array, dtype=lib.float64, requires_grad=True)

    leaves = [tensor(a), tensor(b)]
    layers = []
    x = BINARY[steps[0][1]](*leaves)
    for i, step in enumerate(steps[1:]):
        kind = step[0]
        if kind == "elementwise":
            x = ELEMENTWISE[step[1]](x)
        elif kind == "reduce":
            _, how, dim, keepdim = step
            x = getattr(x, how)(dim, keepdim)
            x = x.values if how == "max" else x
        elif kind == "log_softmax":
            x = F.log_softmax(x, dim=step[1])
        elif kind == "reshape":
            x = x.reshape(*step[1])
        elif kind == "transpose":
            x = x.permute(*step[1])
        else:
            if kind == "linear":
                layer = nn.Linear(step[1], step[2], bias=step[3])
            else:
                layer = nn.BatchNorm1d(step[1], momentum=step[3]).train(step[2])
            layer = layer.double()
            layer.load_state_dict({k: lib.tensor(v) for k, v in _parameters(step, seed + i).items()})
            layers.append(layer)
            x = layer(x)
    weights = np.random.default_rng(seed).uniform(-1, 1, tuple(x.shape))
    loss = (x * lib.tensor(weights, dtype=lib.float64)).sum()
    loss.backward()
    return x, leaves, layers


def _array(t):
    return t.detach().numpy() if hasattr(t, "detach") else np.asarray(t)


@SETTINGS
@given(program=programs())
def test_random_programs_match_pytorch(program):
    a, b, steps, seed = program
    note(f"steps = {steps}; a.shape = {a.shape}, b.shape = {b.shape}")
    ours, our_leaves, our_layers = run("minigrad", a, b, steps, seed)
    theirs, their_leaves, their_layers = run("torch", a, b, steps, seed)
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(_array(ours), _array(theirs), rtol=RTOL, atol=ATOL, err_msg="output")
    for name, mine, reference in zip("ab", our_leaves, their_leaves):
        np.testing.assert_allclose(np.asarray(mine.grad), reference.grad.numpy(), rtol=RTOL,
                                   atol=ATOL, err_msg=f"gradient of {name}")
    for mine, reference in zip(our_layers, their_layers):
        for (key, p), (_, q) in zip(mine.named_parameters(), reference.named_parameters()):
            np.testing.assert_allclose(np.asarray(p.grad), q.grad.numpy(), rtol=RTOL, atol=ATOL,
                                       err_msg=f"gradient of {type(mine).__name__}.{key}")
        for key, value in reference.state_dict().items():     # BatchNorm's running statistics
            np.testing.assert_allclose(_array(mine.state_dict()[key]), value.numpy(), rtol=RTOL,
                                       atol=ATOL, err_msg=f"{type(mine).__name__}.{key}")
