"""The checker for the exercises in which you write a forward or backward pass yourself.

Call it from a check cell with your function: ``check.bn_backward_staged(bn_backward_staged)``.
It runs your function on a few random float64 cases, compares every output with minigrad (the
library ops and the autograd engine, never a formula copied from your exercise), and either
prints one line saying what passed or raises :class:`CheckFailure` saying what to change:
first the structure (what you returned), then shapes and dtypes, with the expected shape and
what it is the shape of, then values: the worst element's index, your value and the expected
one. When your wrong answer is exactly what a known mistake produces (the checker computes the
output of each mistake in its catalogue and compares), the message names that mistake.

The upstream gradient of every case is random: a constant one hides mistakes. For BatchNorm,
sum_i x_hat_i = 0, so with g constant dgamma = sum_i g_i x_hat_i = 0 and the variance term of
(BN.8) vanishes: a backward without it passes such a test. :func:`upstream_gradient` checks
the upstream gradient of your own tests and warns about a constant one.

The exercises, one signature each (arrays are NumPy float64; the equation labels are those of
the lessons and of the library source):

  linear_backward(g, x, weight) -> (dx, dweight, dbias)                        (L.1)-(L.3)
      x (N, in), weight (out, in) as PyTorch stores it, g = dL/dy (N, out) for y = x W^T + b.
  matmul_backward(g, a, b) -> (da, db)         for c = a @ b, a (m, n), b (n, p), g (m, p)
  relu_backward(g, x) -> dx                                                    (R.1)
  sigmoid_backward(g, out) -> dx         out = sigmoid(x), what the forward saved
  cross_entropy_backward(logits, target) -> dlogits                            (CE.1)
      logits (N, C), target (N,) integer classes; L is the MEAN of the N losses.
  bn_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5) -> y
      x (N, C) or (N, C, L); gamma, beta, running_mean, running_var (C,). Training: (BN.1)-(BN.4)
      and the running statistics updated IN PLACE by (BN.12)-(BN.13); eval: (BN.14), the
      running statistics untouched.
  bn_backward_staged(g, cache) -> (dx_hat, dvar, dmean, dx)  (or a dict with those keys)  (BN.5)-(BN.8)
  bn_backward_closed(g, cache) -> (dx, dgamma, dbeta)                          (BN.9)-(BN.11)
      cache = bn_cache(x, gamma, eps): x, gamma (C,), eps, and mean, var, inv_std shaped
      (1, C) or (1, C, 1) to broadcast against x, and x_hat. dvar and dmean may be (C,) or
      that broadcasting shape.
  layernorm_backward(g, cache) -> (dx, dgamma, dbeta)                          (NF.1)-(NF.2)
      x (N, D), normalised over its last axis; gamma (D,). cache = layernorm_cache(x, gamma,
      eps): x, gamma, eps, and mean, var, inv_std of shape (N, 1), and x_hat.
  conv_backward(g, x, weight, stride, padding) -> (dx, dweight, dbias)          (CV.4)-(CV.8)
      2-d convolution (a correlation, as PyTorch's), x (N, C, H, W), weight (F, C, KH, KW),
      stride and padding ints, g = dL/dy (N, F, OH, OW).
"""
import itertools
import warnings
from dataclasses import dataclass

import numpy as np

from .autograd import no_grad
from .ops.batchnorm import BatchNormStaged
from .tensor import Tensor
from . import tensor_functions as _mg
from .nn import functional as F


class CheckFailure(AssertionError):
    """Raised by a check when your function is wrong; the message says what to change."""


class ConstantUpstreamWarning(UserWarning):
    """A test of a backward pass used an upstream gradient whose elements are all equal."""


def upstream_gradient(g):
    """The upstream gradient of your own test, checked: returns it as a float64 array, and warns
    (:class:`ConstantUpstreamWarning`) when all its elements are equal, as ``np.ones_like(y)``.

    A constant g hides mistakes: for BatchNorm it makes dgamma = sum_i g_i x_hat_i = 0, so a
    backward that drops the variance term of (BN.8) still gives the right dx. Use a random one,
    ``random_upstream(shape)``."""
    g = np.asarray(g, dtype=np.float64)
    if g.size > 1 and np.all(g == g.flat[0]):
        warnings.warn(
            f"your upstream gradient is constant (every element is {g.flat[0]:g}): it hides "
            "mistakes (for BatchNorm, sum_i x_hat_i = 0 makes the variance term of (BN.8) vanish, "
            "so a backward without it passes). Test with a random one: "
            "g = minigrad.check.random_upstream(y.shape)", ConstantUpstreamWarning, stacklevel=2)
    return g


def random_upstream(shape, seed=0):
    """A random float64 upstream gradient of ``shape`` (standard normal, seeded)."""
    return np.random.default_rng(seed).standard_normal(shape)


# ----------------------------------------------------------------- the catalogue of mistakes
@dataclass(frozen=True)
class Mistake:
    name: str       # how the message names it
    fix: str        # what to change


MISTAKES = {
    "dropped_mean": Mistake(
        "the dropped mean term",
        "x_i also reaches the loss through the mean: (BN.8) needs + dmean / n "
        "(in the closed form (BN.11), the dbeta / n inside the bracket)"),
    "dropped_variance": Mistake(
        "the dropped variance term",
        "x_i also reaches the loss through the variance: (BN.8) needs + dvar * 2 (x_i - mean) / n "
        "(in the closed form (BN.11), the x_hat_i * dgamma / n inside the bracket)"),
    "unbiased_backward": Mistake(
        "biased and unbiased variance swapped (n - 1 in the backward)",
        "the batch is normalised with the biased variance (BN.2), a division by n, so "
        "d var / d x_i = 2 (x_i - mean) / n: divide by n, not n - 1"),
    "unbiased_forward": Mistake(
        "biased and unbiased variance swapped (the batch normalised with the unbiased variance)",
        "normalise with the biased variance (BN.2), x.var(axis=axes) (divide by n); the "
        "unbiased one, times n / (n - 1), goes only into running_var (BN.13)"),
    "biased_running": Mistake(
        "biased and unbiased variance swapped (running_var updated with the biased variance)",
        "(BN.13) stores the unbiased variance: momentum * var * n / (n - 1)"),
    "missing_keepdim": Mistake(
        "a missing keepdim: a reduced vector broadcast against the wrong axis",
        "NumPy lines up the trailing axes, so a sum without keepdims=True (shape (C,) for "
        "BatchNorm, (N,) for LayerNorm) meets the LAST axis of the array it is combined with, "
        "not the axis it came from (for (N, C) BatchNorm input that is right only by luck): sum "
        "with keepdims=True, and reshape gamma and beta to the shape of the mean, (1, C) or (1, C, 1)"),
    "no_gamma": Mistake(
        "gamma forgotten in (BN.5)",
        "y = gamma * x_hat + beta, so dx_hat = g * gamma"),
    "sign_dvar": Mistake(
        "the sign of (BN.6)",
        "d (var + eps)^(-1/2) / d var = -1/2 (var + eps)^(-3/2): keep the minus sign"),
    "dw_transposed": Mistake(
        "dW transposed",
        "(L.2) is dW = G^T x, of shape (out, in) like W; x^T G is its transpose"),
    "dx_wrong_weight": Mistake(
        "W^T where (L.1) has W",
        "(L.1) is dx = G W: (N, out) times (out, in) gives (N, in), the shape of x"),
    "matmul_transposed": Mistake(
        "a gradient transposed",
        "dA = G B^T has the shape of A and dB = A^T G the shape of B; G^T A and B G^T are their transposes"),
    "db_mean": Mistake(
        "the bias gradient averaged instead of summed",
        "every sample uses the same b, so (L.3) sums over the batch: g.sum(axis=0)"),
    "no_upstream": Mistake(
        "the upstream gradient forgotten",
        "the chain rule (AD.1) multiplies the local derivative by g = dL/dout"),
    "relu_at_zero": Mistake(
        "gradient 1 at x = 0",
        "PyTorch (and minigrad) take the derivative of max(x, 0) to be 0 at 0: mask with x > 0"),
    "sigmoid_of_output": Mistake(
        "sigmoid applied to the output again",
        "out is already sigmoid(x): the derivative is out * (1 - out), not sigmoid(out) * (1 - sigmoid(out))"),
    "ce_sum": Mistake(
        "the 1/N of the mean forgotten",
        "L is the mean of the N losses, so every row of (CE.1) is divided by N"),
    "ce_no_onehot": Mistake(
        "the one-hot forgotten",
        "(CE.1) is softmax(logits) minus onehot(target): subtract 1 at each row's target"),
    "ce_sign": Mistake(
        "the sign of (CE.1)",
        "dL/dlogits = softmax - onehot (the loss is MINUS log softmax), not onehot - softmax"),
    "ce_softmax_axis": Mistake(
        "softmax over the wrong axis",
        "each sample's softmax runs over its C classes: axis=1, keepdims=True"),
    "keras_momentum": Mistake(
        "momentum in Keras's convention",
        "in PyTorch momentum is the weight of the NEW batch (BN.12): "
        "running = (1 - momentum) * running + momentum * batch"),
    "eval_updates": Mistake(
        "the running statistics updated in eval mode",
        "in eval mode the running statistics are constants: update them only when training"),
    "eval_batch_stats": Mistake(
        "batch statistics in eval mode",
        "eval mode normalises with running_mean and running_var (BN.14), not the batch's"),
    "ln_gamma_outside": Mistake(
        "BatchNorm's closed form used for LayerNorm (gamma taken out of the sums)",
        "in LayerNorm gamma changes along the normalised axis, so it stays inside the sums: "
        "(NF.1) dx = inv_std * (dx_hat - (sum dx_hat + x_hat * sum dx_hat x_hat) / n), dx_hat = g * gamma"),
    "ln_param_axis": Mistake(
        "the parameter gradients summed over the wrong axis",
        "gamma and beta are broadcast over the N samples, so (NF.2) sums over axis 0"),
    "conv_flipped": Mistake(
        "the kernel flipped",
        "the forward is a correlation (CV.3), not flipped, so (CV.6) multiplies by W as it is; "
        "a 'full convolution with the flipped kernel' is the same thing written the other way"),
    "conv_dw_transposed": Mistake(
        "dW transposed (filters and channels swapped)",
        "dweight has the shape of weight, (F, C, KH, KW): (CV.5) sums G[n, f] times the windows of channel c"),
}


# ----------------------------------------------------------------- running a student's function
def _arrays(value):
    """A student's output as an ndarray (minigrad Tensors are read through detach())."""
    if isinstance(value, Tensor):
        value = value.detach().numpy()
    return np.asarray(value)


def _call(check, fn, args, case, in_place=()):
    """fn(*copies of args) -> (output, copies); a crash, or an input changed in place (other
    than the argument positions ``in_place``), is a CheckFailure."""
    copies = [a.copy() if isinstance(a, np.ndarray) else dict(a) if isinstance(a, dict) else a
              for a in args]
    try:
        out = fn(*copies)
    except NotImplementedError:
        raise
    except Exception as error:
        hint = ""
        if isinstance(error, ValueError) and "broadcast" in str(error):
            hint = f"\nThis is often {MISTAKES['missing_keepdim'].name}: {MISTAKES['missing_keepdim'].fix}."
        raise CheckFailure(f"{check}, {case}: your function raised "
                           f"{type(error).__name__}: {error}{hint}") from error
    for i, (name, before, after) in enumerate(zip(_argument_names(fn, len(args)), args, copies)):
        if i not in in_place and isinstance(before, np.ndarray) and not np.array_equal(before, after):
            raise CheckFailure(f"{check}, {case}: your function changed its argument {name} in "
                               "place; compute new arrays instead (a = a * 2, not a *= 2)")
    return out, copies


def _argument_names(fn, count):
    code = getattr(fn, "__code__", None)
    names = list(code.co_varnames[:code.co_argcount]) if code else []
    return (names + [f"argument {i}" for i in range(len(names), count)])[:count]


def _unpack(check, out, names, case):
    """The outputs named ``names``, from a tuple in that order, a dict, or one array."""
    if out is None:
        raise CheckFailure(f"{check}, {case}: your function returned None; end it with "
                           f"`return {', '.join(names)}`")
    if isinstance(out, dict):
        missing = [n for n in names if n not in out]
        if missing:
            raise CheckFailure(f"{check}, {case}: the dict you returned has no "
                               f"{', '.join(missing)} (it has {', '.join(map(str, out))})")
        return {n: _arrays(out[n]) for n in names}
    if len(names) == 1:
        return {names[0]: _arrays(out)}
    if not isinstance(out, (tuple, list)) or len(out) != len(names):
        got = f"{len(out)} values" if isinstance(out, (tuple, list)) else f"one {type(out).__name__}"
        raise CheckFailure(f"{check}, {case}: return {len(names)} values, "
                           f"`return {', '.join(names)}`; yours returned {got}")
    return {n: _arrays(v) for n, v in zip(names, out)}


@dataclass
class _Node:
    """One output to check: its expected value, what its shape is the shape of, and the other
    shapes that hold the same numbers (a per-channel (C,) vector may be kept as (1, C, 1))."""
    name: str
    expected: np.ndarray
    shape_of: str
    also: tuple = ()


def _close(mine, expected):
    scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
    return mine.shape == expected.shape and np.allclose(mine, expected, rtol=1e-6, atol=1e-9 * scale)


def _fitted(mine, node):
    """mine in the expected node's shape when it is one of the accepted shapes, else None."""
    if mine.shape == node.expected.shape:
        return mine
    if mine.shape in node.also:
        return mine.reshape(node.expected.shape)
    return None


def _recognise(mine, node_name, variants):
    """The first mistake whose own output for this node is ``mine``."""
    for key, outputs in variants:
        theirs = outputs[node_name]
        if mine.shape == theirs.shape and _close(mine, theirs):
            return key
    return None


def _named(key):
    mistake = MISTAKES[key]
    return f"\nRecognised mistake: {mistake.name}. {mistake.fix}."


def _compare(check, case, outputs, nodes, variants):
    """Check the nodes in order; raise at the first wrong one, naming a mistake if it is one."""
    for node in nodes:
        mine = outputs[node.name]
        fitted = _fitted(mine, node)
        if fitted is None:
            key = _recognise(mine, node.name, variants) if mine.dtype.kind in "biuf" else None
            shapes = " or ".join(str(s) for s in (node.expected.shape, *node.also))
            raise CheckFailure(f"{check}, {case}: {node.name} has shape {mine.shape}; expected "
                               f"{shapes}, {node.shape_of}" + (_named(key) if key else ""))
        if mine.dtype != np.float64:
            raise CheckFailure(
                f"{check}, {case}: {node.name} has dtype {mine.dtype}; expected float64, the "
                "dtype of the inputs (an array made with np.zeros(shape, dtype=np.float32), "
                "an .astype, or integer arithmetic changes it)")
        if not _close(fitted, node.expected):
            diff = np.abs(fitted - node.expected)
            worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(diff)), diff.shape))
            key = _recognise(mine, node.name, variants)
            earlier = [n.name for n in nodes[:nodes.index(node)]]
            first = (f" (the first wrong one of {', '.join(n.name for n in nodes)}: "
                     f"{', '.join(earlier)} {'is' if len(earlier) == 1 else 'are'} right)"
                     if earlier else "")
            raise CheckFailure(
                f"{check}, {case}: {node.name} is wrong{first}.\n"
                f"    worst element at index {worst}: yours {fitted[worst]:.8g}, "
                f"expected {node.expected[worst]:.8g} (max |difference| {diff.max():.3g})"
                + (_named(key) if key else ""))


def _passed(check, cases, note=""):
    print(f"{check}: passed on {len(cases)} random cases ({'; '.join(cases)}){note}")
    return True


def _run(check, fn, cases, names):
    """For each case (label, args, nodes, variants): call, unpack, compare."""
    for label, args, nodes, variants in cases:
        out, _ = _call(check, fn, args, label)
        _compare(check, label, _unpack(check, out, names, label), nodes, variants)
    return _passed(check, [c[0] for c in cases])


def _library_grads(forward, inputs, g):
    """dL/dinput for L = sum(g * forward(*inputs)), by minigrad's engine, in float64."""
    tensors = [Tensor(a, requires_grad=True) for a in inputs]
    forward(*tensors).backward(Tensor(g))
    return [np.asarray(t.grad) for t in tensors]


# ----------------------------------------------------------------- Linear, ReLU, sigmoid, cross-entropy
def linear_backward(fn):
    """Check ``fn(g, x, weight) -> (dx, dweight, dbias)``, equations (L.1)-(L.3)."""
    check = "check.linear_backward"
    cases = []
    for i, (n, n_in, n_out) in enumerate([(4, 3, 3), (5, 4, 3)]):   # square first: W^T runs
        rng = np.random.default_rng(10 + i)
        x, w, b = rng.standard_normal((n, n_in)), rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)
        g = rng.standard_normal((n, n_out))
        dx, dw, db = _library_grads(F.linear, (x, w, b), g)
        nodes = [_Node("dx", dx, f"the shape of x, (N, in) = {x.shape}"),
                 _Node("dweight", dw, f"the shape of weight, (out, in) = {w.shape}"),
                 _Node("dbias", db, f"the shape of bias, (out,) = {b.shape}")]
        variants = [("dw_transposed", dict(dx=dx, dweight=x.T @ g, dbias=db)),
                    ("db_mean", dict(dx=dx, dweight=dw, dbias=g.mean(axis=0)))]
        if n_in == n_out:           # only then does g @ W^T run, silently wrong
            variants.append(("dx_wrong_weight", dict(dx=g @ w.T, dweight=dw, dbias=db)))
        cases.append((f"x {x.shape}, weight {w.shape}", (g, x, w), nodes, variants))
    return _run(check, fn, cases, ["dx", "dweight", "dbias"])


def matmul_backward(fn):
    """Check ``fn(g, a, b) -> (da, db)`` for c = a @ b (no transpose), against minigrad's MatMul."""
    cases = []
    for i, (m, n, p) in enumerate([(3, 3, 3), (4, 3, 5)]):     # square first: a transpose runs
        rng = np.random.default_rng(15 + i)
        a, b, g = rng.standard_normal((m, n)), rng.standard_normal((n, p)), rng.standard_normal((m, p))
        da, db = _library_grads(_mg.matmul, (a, b), g)
        nodes = [_Node("da", da, f"the shape of a, (m, n) = {a.shape}"),
                 _Node("db", db, f"the shape of b, (n, p) = {b.shape}")]
        variants = [("matmul_transposed", dict(da=da, db=g.T @ a)),
                    ("matmul_transposed", dict(da=b @ g.T, db=db))]
        cases.append((f"a {a.shape}, b {b.shape}", (g, a, b), nodes, variants))
    return _run("check.matmul_backward", fn, cases, ["da", "db"])


def relu_backward(fn):
    """Check ``fn(g, x) -> dx``, equation (R.1); x holds exact zeros, where dx must be 0."""
    rng = np.random.default_rng(20)
    x = rng.standard_normal((4, 5))
    x[0, :2] = 0.0
    g = rng.standard_normal(x.shape)
    (dx,) = _library_grads(F.relu, (x,), g)
    variants = [("no_upstream", dict(dx=(x > 0).astype(np.float64))),
                ("relu_at_zero", dict(dx=g * (x >= 0)))]
    case = (f"x {x.shape} with zeros", (g, x), [_Node("dx", dx, f"the shape of x, {x.shape}")], variants)
    return _run("check.relu_backward", fn, [case], ["dx"])


def sigmoid_backward(fn):
    """Check ``fn(g, out) -> dx`` where out = sigmoid(x), the value the forward saved."""
    rng = np.random.default_rng(30)
    x = 2 * rng.standard_normal((4, 5))
    g = rng.standard_normal(x.shape)
    (dx,) = _library_grads(F.sigmoid, (x,), g)
    out = 1 / (1 + np.exp(-x))
    again = 1 / (1 + np.exp(-out))
    variants = [("no_upstream", dict(dx=out * (1 - out))),
                ("sigmoid_of_output", dict(dx=g * again * (1 - again)))]
    case = (f"x {x.shape}", (g, out), [_Node("dx", dx, f"the shape of out, {x.shape}")], variants)
    return _run("check.sigmoid_backward", fn, [case], ["dx"])


def cross_entropy_backward(fn):
    """Check ``fn(logits, target) -> dlogits`` for L = mean_n -log softmax(logits_n)[target_n], (CE.1)."""
    rng = np.random.default_rng(40)
    logits = 2 * rng.standard_normal((6, 4))
    target = rng.integers(0, 4, 6)
    t = Tensor(logits, requires_grad=True)
    F.cross_entropy(t, target).backward()
    dlogits = np.asarray(t.grad)
    n = logits.shape[0]
    rows, cols = np.exp(logits - logits.max(1, keepdims=True)), np.exp(logits - logits.max(0, keepdims=True))
    soft_rows, soft_cols = rows / rows.sum(1, keepdims=True), cols / cols.sum(0, keepdims=True)
    onehot = np.eye(logits.shape[1])[target]
    variants = [("ce_sum", dict(dlogits=dlogits * n)),
                ("ce_no_onehot", dict(dlogits=soft_rows / n)),
                ("ce_sign", dict(dlogits=-dlogits)),
                ("ce_softmax_axis", dict(dlogits=(soft_cols - onehot) / n))]
    case = (f"logits {logits.shape}", (logits, target),
            [_Node("dlogits", dlogits, f"the shape of logits, (N, C) = {logits.shape}")], variants)
    return _run("check.cross_entropy_backward", fn, [case], ["dlogits"])


# ----------------------------------------------------------------- BatchNorm
def _bn_axes(x):
    return (0,) + tuple(range(2, x.ndim))       # every axis except the channels


def _bn_column(x):
    """The shape of a per-channel statistic that broadcasts against x: (1, C) or (1, C, 1)."""
    return (1, x.shape[1]) + (1,) * (x.ndim - 2)


def bn_cache(x, gamma, eps=1e-5):
    """What a BatchNorm forward saves, as the backward exercises take it (float64):
    x, gamma (C,), eps, and mean, var, inv_std shaped (1, C) or (1, C, 1), and x_hat."""
    x = np.asarray(x, dtype=np.float64)
    axes = _bn_axes(x)
    mean = x.mean(axis=axes, keepdims=True)                          # (BN.1)
    var = x.var(axis=axes, keepdims=True)                            # (BN.2), biased
    inv_std = 1 / np.sqrt(var + eps)                                 # (BN.3)
    return dict(x=x, gamma=np.asarray(gamma, dtype=np.float64), eps=eps, mean=mean, var=var,
                inv_std=inv_std, x_hat=(x - mean) * inv_std)


def _bn_staged(g, cache, mistake=None, dropped=()):
    """(BN.5)-(BN.8) as the exercise writes them; ``mistake`` computes what a mistake gives, and
    ``dropped`` names the sums ("dvar", "dmean", "dmean2") and the "gamma" left without keepdim."""
    x, mean, var, inv_std, eps = (cache[k] for k in ("x", "mean", "var", "inv_std", "eps"))
    axes, n = _bn_axes(x), x.size // x.shape[1]
    gamma = cache["gamma"] if "gamma" in dropped else cache["gamma"].reshape(mean.shape)
    x_mu = x - mean

    def total(a, name):
        return np.sum(a, axis=axes, keepdims=name not in dropped)

    dx_hat = g if mistake == "no_gamma" else g * gamma                                # (BN.5)
    dvar = total(dx_hat * x_mu, "dvar") * (0.5 if mistake == "sign_dvar" else -0.5) * (var + eps) ** -1.5   # (BN.6)
    dmean = total(dx_hat * -inv_std, "dmean") + dvar * total(-2 * x_mu, "dmean2") / n  # (BN.7)
    dx = dx_hat * inv_std                                                              # (BN.8)
    if mistake != "dropped_variance":
        dx = dx + dvar * 2 * x_mu / (n - 1 if mistake == "unbiased_backward" else n)
    if mistake != "dropped_mean":
        dx = dx + dmean / n
    return dict(dx_hat=dx_hat, dvar=dvar, dmean=dmean, dx=dx)


def _bn_closed(g, cache, mistake=None, dropped=()):
    """(BN.9)-(BN.11) as the exercise writes them; ``mistake`` computes what a mistake gives, and
    ``dropped`` names the sums ("dbeta", "dgamma") and the "gamma" left without keepdim."""
    x, x_hat, inv_std = cache["x"], cache["x_hat"], cache["inv_std"]
    axes, n = _bn_axes(x), x.size // x.shape[1]
    gamma = cache["gamma"] if "gamma" in dropped else cache["gamma"].reshape(inv_std.shape)
    dbeta = np.sum(g, axis=axes, keepdims="dbeta" not in dropped)                      # (BN.9)
    dgamma = np.sum(g * x_hat, axis=axes, keepdims="dgamma" not in dropped)            # (BN.10)
    m = n - 1 if mistake == "unbiased_backward" else n
    inner = g - (0 if mistake == "dropped_mean" else dbeta / m) \
        - (0 if mistake == "dropped_variance" else x_hat * dgamma / m)
    dx = (inv_std if mistake == "no_gamma" else gamma * inv_std) * inner               # (BN.11)
    return dict(dx=dx, dgamma=dgamma.reshape(-1), dbeta=dbeta.reshape(-1))


# the shapes the checks run: (N, C); (N, C, L) with L = C, where a (C,) vector broadcast
# against the last axis runs and is silently wrong; (N, C, L) with L != C, where it raises
_BN_SHAPES = [(6, 3), (4, 3, 3), (3, 2, 5)]


def _bn_case(i, shape):
    rng = np.random.default_rng(50 + i)
    column = _bn_column(np.empty(shape))
    x = 2.0 * rng.standard_normal(column) + rng.uniform(0.5, 2, column) * rng.standard_normal(shape)
    gamma = 1 + 0.5 * rng.standard_normal(shape[1])
    return x, gamma, rng.standard_normal(shape), rng


def _keepdim_variants(reference, names):
    """("missing_keepdim", outputs) for every nonempty set of the reductions ``names`` left
    without keepdim: a student may forget it in one place or in all. ``reference(dropped)``
    computes the outputs; a set that cannot even broadcast for this shape is skipped."""
    out = []
    for k in range(1, len(names) + 1):
        for dropped in itertools.combinations(names, k):
            try:
                out.append(("missing_keepdim", reference(frozenset(dropped))))
            except ValueError:
                pass
    return out


def _bn_variants(reference, g, cache, keys, reductions):
    """(key, outputs) for each mistake in ``keys``, then the missing keepdims."""
    return ([(k, reference(g, cache, mistake=k)) for k in keys]
            + _keepdim_variants(lambda dropped: reference(g, cache, dropped=dropped), reductions))


_BN_BACKWARD_MISTAKES = ("dropped_mean", "dropped_variance", "unbiased_backward", "no_gamma")


def bn_backward_staged(fn):
    """Check ``fn(g, cache) -> (dx_hat, dvar, dmean, dx)``, (BN.5)-(BN.8), node by node."""
    cases = []
    for i, shape in enumerate(_BN_SHAPES):
        x, gamma, g, _ = _bn_case(i, shape)
        cache = bn_cache(x, gamma)
        expected = _bn_staged(g, cache)
        expected["dx"] = _library_grads(lambda x: BatchNormStaged.apply(x, Tensor(gamma)), (x,), g)[0]
        c, column = shape[1], _bn_column(x)
        per_channel = f"one number per channel, ({c},) or {column}"
        nodes = [_Node("dx_hat", expected["dx_hat"], f"the shape of x_hat, {shape}"),
                 _Node("dvar", expected["dvar"], per_channel, ((c,),)),
                 _Node("dmean", expected["dmean"], per_channel, ((c,),)),
                 _Node("dx", expected["dx"], f"the shape of x, {shape}")]
        variants = _bn_variants(_bn_staged, g, cache, _BN_BACKWARD_MISTAKES + ("sign_dvar",),
                                ("dvar", "dmean", "dmean2", "gamma"))
        cases.append((f"x {shape}", (g, cache), nodes, variants))
    return _run("check.bn_backward_staged", fn, cases, ["dx_hat", "dvar", "dmean", "dx"])


def bn_backward_closed(fn):
    """Check ``fn(g, cache) -> (dx, dgamma, dbeta)``, (BN.9)-(BN.11), against minigrad's BatchNorm."""
    cases = []
    for i, shape in enumerate(_BN_SHAPES):
        x, gamma, g, rng = _bn_case(i, shape)
        beta = rng.standard_normal(shape[1])
        cache = bn_cache(x, gamma)
        dx, dgamma, dbeta = _library_grads(
            lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), (x, gamma, beta), g)
        c = shape[1]
        nodes = [_Node("dx", dx, f"the shape of x, {shape}"),
                 _Node("dgamma", dgamma, f"the shape of gamma, ({c},)", (_bn_column(x),)),
                 _Node("dbeta", dbeta, f"the shape of beta, ({c},)", (_bn_column(x),))]
        variants = _bn_variants(_bn_closed, g, cache, _BN_BACKWARD_MISTAKES, ("dbeta", "dgamma", "gamma"))
        cases.append((f"x {shape}", (g, cache), nodes, variants))
    return _run("check.bn_backward_closed", fn, cases, ["dx", "dgamma", "dbeta"])


def _bn_forward_numpy(x, gamma, beta, running_mean, running_var, training, momentum, eps,
                      mistake=None, dropped=()):
    """(y, running_mean, running_var) as a forward with ``mistake`` computes them; ``dropped``
    names what is left without keepdim: "mean", "var", "gamma", "beta"."""
    axes = _bn_axes(x)

    def column(name):
        return (x.shape[1],) if name in dropped else _bn_column(x)

    if training or mistake == "eval_batch_stats":
        mean = x.mean(axis=axes).reshape(column("mean"))
        var = x.var(axis=axes, ddof=1 if mistake == "unbiased_forward" else 0).reshape(column("var"))
    else:
        mean, var = running_mean.reshape(column("mean")), running_var.reshape(column("var"))
    y = (x - mean) / np.sqrt(var + eps) * gamma.reshape(column("gamma")) + beta.reshape(column("beta"))
    if training or mistake == "eval_updates":
        new = 1 - momentum if mistake == "keras_momentum" else momentum
        stored = x.var(axis=axes, ddof=0 if mistake == "biased_running" else 1)
        running_mean = (1 - new) * running_mean + new * x.mean(axis=axes)
        running_var = (1 - new) * running_var + new * stored
    return y, running_mean, running_var


def bn_forward(fn):
    """Check ``fn(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5) -> y``:
    y against minigrad's F.batch_norm, and the running statistics after the call (in place)."""
    check = "check.bn_forward"
    labels = []
    runs = [(i, shape, True) for i, shape in enumerate(_BN_SHAPES)] + [(0, _BN_SHAPES[0], False),
                                                                      (1, _BN_SHAPES[1], False)]
    keys = ("unbiased_forward", "biased_running", "keras_momentum", "eval_updates", "eval_batch_stats")
    for i, shape, training in runs:
        x, gamma, _, rng = _bn_case(i, shape)
        beta, c = rng.standard_normal(shape[1]), shape[1]
        running_mean, running_var = rng.standard_normal(c), rng.uniform(0.5, 2, c)
        momentum, eps = 0.2, 1e-5
        stats = [Tensor(running_mean.copy()), Tensor(running_var.copy())]
        with no_grad():
            y = F.batch_norm(Tensor(x), *stats, Tensor(gamma), Tensor(beta), training, momentum, eps).numpy()
        expected = dict(y=y, running_mean=stats[0].numpy(), running_var=stats[1].numpy())
        variants = []
        for key in keys:
            if training != (key in ("eval_updates", "eval_batch_stats")):
                out = _bn_forward_numpy(x, gamma, beta, running_mean, running_var, training, momentum, eps, key)
                variants.append((key, dict(zip(("y", "running_mean", "running_var"), out))))
        variants += _keepdim_variants(lambda dropped: dict(zip(("y", "running_mean", "running_var"), _bn_forward_numpy(
            x, gamma, beta, running_mean, running_var, training, momentum, eps, dropped=dropped))),
            ("mean", "var", "gamma", "beta"))
        label = f"x {shape}, {'training' if training else 'eval'}, momentum={momentum}"
        args = (x, gamma, beta, running_mean, running_var, training, momentum, eps)
        out, copies = _call(check, fn, args, label, in_place=(3, 4))
        mine_mean, mine_var = copies[3], copies[4]
        outputs = dict(y=_unpack(check, out, ["y"], label)["y"], running_mean=mine_mean, running_var=mine_var)
        if not training and not (np.array_equal(mine_mean, running_mean) and np.array_equal(mine_var, running_var)):
            raise CheckFailure(f"{check}, {label}: running_mean or running_var changed in eval mode"
                               + _named("eval_updates"))
        nodes = [_Node("y", expected["y"], f"the shape of x, {shape}"),
                 _Node("running_mean", expected["running_mean"], f"({c},), updated in place"),
                 _Node("running_var", expected["running_var"], f"({c},), updated in place")]
        _compare(check, label, outputs, nodes, variants)
        labels.append(label)
    return _passed(check, labels)


# ----------------------------------------------------------------- LayerNorm
def layernorm_cache(x, gamma, eps=1e-5):
    """What a LayerNorm forward over the last axis of x (N, D) saves, as the exercise takes it:
    x, gamma (D,), eps, and mean, var, inv_std of shape (N, 1), and x_hat."""
    x = np.asarray(x, dtype=np.float64)
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt(var + eps)
    return dict(x=x, gamma=np.asarray(gamma, dtype=np.float64), eps=eps, mean=mean, var=var,
                inv_std=inv_std, x_hat=(x - mean) * inv_std)


def _composed_layernorm(x, gamma, beta, eps=1e-5):
    """LayerNorm over the last axis from minigrad primitives: the engine derives its backward."""
    mean = x.mean(-1, keepdim=True)
    centered = x - mean
    inv_std = ((centered * centered).mean(-1, keepdim=True) + eps) ** -0.5
    return centered * inv_std * gamma + beta


def _layernorm(g, cache, mistake=None, dropped=()):
    """(NF.1)-(NF.2) for LayerNorm; ``mistake`` computes what a mistake gives, and ``dropped``
    names the sums ("first", "second") left without keepdim."""
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    n = x_hat.shape[-1]

    def total(a, name):
        return a.sum(axis=-1, keepdims=name not in dropped)

    dx_hat = g * gamma                                                                  # (BN.5)
    if mistake == "ln_gamma_outside":
        first, second = gamma * total(g, "first"), gamma * total(g * x_hat, "second")
    else:
        first, second = total(dx_hat, "first"), total(dx_hat * x_hat, "second")
    dx = inv_std * (dx_hat - (0 if mistake == "dropped_mean" else first / n)
                    - (0 if mistake == "dropped_variance" else x_hat * second / n))     # (NF.1)
    axis = -1 if mistake == "ln_param_axis" else 0
    return dict(dx=dx, dgamma=(g * x_hat).sum(axis=axis), dbeta=g.sum(axis=axis))       # (NF.2)


def layernorm_backward(fn):
    """Check ``fn(g, cache) -> (dx, dgamma, dbeta)`` for LayerNorm over the last axis of x (N, D)."""
    cases = []
    for i, shape in enumerate([(4, 4), (5, 4)]):        # N = D first: a (N,) sum broadcast along D runs
        rng = np.random.default_rng(70 + i)
        x = rng.standard_normal(shape) * rng.uniform(0.5, 2, (shape[0], 1)) + rng.standard_normal((shape[0], 1))
        gamma, beta, g = 1 + 0.5 * rng.standard_normal(shape[1]), rng.standard_normal(shape[1]), rng.standard_normal(shape)
        cache = layernorm_cache(x, gamma)
        dx, dgamma, dbeta = _library_grads(_composed_layernorm, (x, gamma, beta), g)
        nodes = [_Node("dx", dx, f"the shape of x, (N, D) = {shape}"),
                 _Node("dgamma", dgamma, f"the shape of gamma, (D,) = ({shape[1]},)"),
                 _Node("dbeta", dbeta, f"the shape of beta, (D,) = ({shape[1]},)")]
        variants = [(k, _layernorm(g, cache, k)) for k in
                    ("dropped_mean", "dropped_variance", "ln_gamma_outside", "ln_param_axis")]
        variants += _keepdim_variants(lambda dropped: _layernorm(g, cache, dropped=dropped), ("first", "second"))
        cases.append((f"x {shape}", (g, cache), nodes, variants))
    return _run("check.layernorm_backward", fn, cases, ["dx", "dgamma", "dbeta"])


# ----------------------------------------------------------------- convolution
def _conv2d(x, weight, bias, stride, padding):
    """The library's 2-d convolution, ``minigrad.ops.ConvNd`` through ``F.conv2d``: its backward
    (CV.4)-(CV.8) is the reference the student's is compared with."""
    return F.conv2d(x, weight, bias, stride=stride, padding=padding)


def conv_backward(fn):
    """Check ``fn(g, x, weight, stride, padding) -> (dx, dweight, dbias)`` for a 2-d convolution."""
    cases = []
    for i, (x_shape, w_shape, stride, padding) in enumerate([((2, 3, 5, 5), (3, 3, 3, 3), 1, 1),
                                                             ((2, 2, 6, 5), (3, 2, 2, 3), 2, 0)]):
        rng = np.random.default_rng(80 + i)
        x, weight, bias = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
        with no_grad():
            y_shape = _conv2d(Tensor(x), Tensor(weight), Tensor(bias), stride, padding).shape
        g = rng.standard_normal(y_shape)
        run = lambda x, w, b, s=stride, p=padding: _conv2d(x, w, b, s, p)
        dx, dweight, dbias = _library_grads(run, (x, weight, bias), g)
        flipped = _library_grads(run, (x, weight[:, :, ::-1, ::-1].copy(), bias), g)[0]
        nodes = [_Node("dx", dx, f"the shape of x, (N, C, H, W) = {x_shape}"),
                 _Node("dweight", dweight, f"the shape of weight, (F, C, KH, KW) = {w_shape}"),
                 _Node("dbias", dbias, f"the shape of bias, (F,) = ({w_shape[0]},)")]
        variants = [("conv_flipped", dict(dx=flipped, dweight=dweight, dbias=dbias)),
                    ("conv_dw_transposed", dict(dx=dx, dweight=dweight.transpose(1, 0, 2, 3), dbias=dbias))]
        cases.append((f"x {x_shape}, weight {w_shape}, stride {stride}, padding {padding}",
                      (g, x, weight, stride, padding), nodes, variants))
    return _run("check.conv_backward", fn, cases, ["dx", "dweight", "dbias"])
