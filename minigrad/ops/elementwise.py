"""Elementwise ops. For z = f(x, y) with upstream gradient g = dL/dz, the chain rule
gives (AD.1) dL/dx = g * dz/dx elementwise; when x was broadcast to z's shape, its gradient
is summed back over the broadcast axes by :func:`unbroadcast`.

The activations beyond relu, sigmoid and tanh, as PyTorch defines them:
  (ACT.1) leaky_relu  z = x for x > 0, negative_slope * x otherwise
  (ACT.2) elu         z = x for x > 0, alpha (e^x - 1) otherwise (Clevert et al., 2015)
  (ACT.3) gelu        z = x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2 (Hendrycks & Gimpel, 2016)
  (ACT.4) gelu, approximate="tanh":  Phi(x) ~ (1 + tanh(u)) / 2,  u = sqrt(2/pi) (x + 0.044715 x^3)
  (ACT.5) silu        z = x sigmoid(x) (the swish of Ramachandran et al., 2017)
  (ACT.6) softplus    z = log(1 + e^(beta x)) / beta, and z = x where beta x > threshold
"""
import math

import numpy as np

from ..autograd import Function


def unbroadcast(grad: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the adjoint of NumPy broadcasting.

    Broadcasting copies x along new leading axes and along axes of size 1, so every copy
    contributes to dL/dx: sum over the leading axes, then over the size-1 axes (keepdims).
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def needs_grad(ctx, i: int) -> bool:
    """Whether input i of the op needs a gradient. ``ctx.needs_input_grad`` has one entry per
    positional argument given, so an optional input left out (a bias) counts as not needing one."""
    return len(ctx.needs_input_grad) > i and ctx.needs_input_grad[i]


class Add(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = np.shape(x), np.shape(y)
        return x + y

    @staticmethod
    def backward(ctx, grad):
        # z = x + y:  dz/dx = dz/dy = 1
        dx = unbroadcast(grad, ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        dy = unbroadcast(grad, ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return dx, dy


class Sub(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.shapes = np.shape(x), np.shape(y)
        return x - y

    @staticmethod
    def backward(ctx, grad):
        # z = x - y:  dz/dx = 1, dz/dy = -1
        dx = unbroadcast(grad, ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        dy = -unbroadcast(grad, ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return dx, dy


class Mul(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        # z = x * y:  dz/dx = y, dz/dy = x
        x, y = ctx.saved_tensors
        dx = unbroadcast(grad * y, np.shape(x)) if ctx.needs_input_grad[0] else None  # (AD.1)
        dy = unbroadcast(grad * x, np.shape(y)) if ctx.needs_input_grad[1] else None
        return dx, dy


class Div(Function):
    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        # z = x / y:  dz/dx = 1 / y, dz/dy = -x / y^2
        x, y = ctx.saved_tensors
        dx = unbroadcast(grad / y, np.shape(x)) if ctx.needs_input_grad[0] else None
        dy = unbroadcast(-grad * x / (y * y), np.shape(y)) if ctx.needs_input_grad[1] else None
        return dx, dy


class Neg(Function):
    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        # z = -x:  dz/dx = -1
        return -grad


class Pow(Function):
    @staticmethod
    def forward(ctx, x, y):
        z = x ** y
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        # z = x^y:  dz/dx = y x^(y-1),  dz/dy = x^y ln x  (defined for x > 0)
        x, y, z = ctx.saved_tensors
        dx = unbroadcast(grad * y * x ** (y - 1), np.shape(x)) if ctx.needs_input_grad[0] else None
        dy = None
        if ctx.needs_input_grad[1]:
            log_x = np.where(x > 0, np.log(np.where(x > 0, x, 1)), 0)
            dy = unbroadcast(grad * z * log_x, np.shape(y))
        return dx, dy


class _Unary(Function):
    """z = f(x) elementwise, with a backward that needs one saved array: the output z where
    dz/dx is a function of z alone (e^x, tanh, sigmoid, max(x, 0)), else the input x. A
    subclass states ``f(x)``, ``dx(g, saved)`` (the chain rule (AD.1): g times dz/dx) and,
    if it needs x, ``saves_input = True``."""

    saves_input = False

    @classmethod
    def forward(cls, ctx, x):
        z = cls.f(x)
        ctx.save_for_backward(x if cls.saves_input else z)
        return z

    @classmethod
    def backward(cls, ctx, grad):
        (saved,) = ctx.saved_tensors
        return cls.dx(grad, saved)


class Exp(_Unary):
    f = staticmethod(np.exp)

    @staticmethod
    def dx(g, z):
        # z = e^x:  dz/dx = e^x = z (reuse the output)
        return g * z


class Log(_Unary):
    f, saves_input = staticmethod(np.log), True

    @staticmethod
    def dx(g, x):
        # z = ln x:  dz/dx = 1 / x
        return g / x


class Abs(_Unary):
    f, saves_input = staticmethod(np.abs), True

    @staticmethod
    def dx(g, x):
        # z = |x|:  dz/dx = sign(x) (0 at x = 0, as PyTorch)
        return g * np.sign(x)


class ReLU(_Unary):
    @staticmethod
    def f(x):
        return np.maximum(x, 0)

    @staticmethod
    def dx(g, z):
        # z = max(x, 0):  dz/dx = 1 where x > 0, else 0 (PyTorch takes 0 at x = 0);
        # z > 0 exactly where x > 0, so the saved output answers it
        return g * (z > 0)                                              # (R.1)


class Sigmoid(_Unary):
    @staticmethod
    def f(x):
        # s = 1 / (1 + e^-x), as PyTorch computes it, in one new array. (tanh, the other way to
        # write it, costs twice as much in NumPy and loses the tail: in float32 1 + tanh(-10) is 0.)
        z = np.negative(x)
        # e^z overflows for z above ~88 (float32) and s is 0 there, the float nearest the true
        # value: NumPy's overflow warning would say nothing wrong happened, so where it can come
        # it is silenced (z.max() by np.maximum.reduce, without ndarray.max's Python wrapper)
        if z.size and np.maximum.reduce(z, axis=None) > 80:
            with np.errstate(over="ignore"):
                s = np.asarray(np.exp(z))
        else:
            s = np.asarray(np.exp(z))
        s += 1
        return np.reciprocal(s, out=s)

    @staticmethod
    def dx(g, s):
        # ds/dx = s (1 - s), times g: built in one new array instead of three
        dx = 1 - s
        dx *= s
        dx *= g
        return dx


class Tanh(_Unary):
    f = staticmethod(np.tanh)

    @staticmethod
    def dx(g, z):
        # d tanh(x)/dx = 1 - tanh(x)^2
        return g * (1 - z * z)


class Dropout(Function):
    """Inverted dropout with a given mask: the caller draws it, so this op is deterministic.

    x: any shape; p: the drop probability in [0, 1]; mask: bool array of x's shape, True
    where x is kept (each True with probability 1 - p). Returns y of x's shape.
      (D.1) y = x * m / (1 - p), m = mask: E[y] = x, so eval mode needs no rescaling
      (D.2) dL/dx = g * m / (1 - p): a dropped unit passes no gradient
    """

    @staticmethod
    def forward(ctx, x, p, mask):
        # (D.1) y = x * m / (1 - p): dividing by the keep probability makes E[y] = x, so eval
        # mode needs no rescaling. p = 1 keeps nothing (mask all False): y = 0, as PyTorch
        keep = mask.astype(x.dtype)
        scale = keep / (1 - p) if p < 1 else keep
        ctx.save_for_backward(scale)
        return x * scale   # (D.1)

    @staticmethod
    def backward(ctx, grad):
        # (D.2) y = x * m / (1 - p):  dy/dx = m / (1 - p), so dropped units pass no gradient
        (scale,) = ctx.saved_tensors
        return grad * scale, None, None   # (D.2)


class Cast(Function):
    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        # a change of precision: the gradient goes back in the input's dtype
        return grad.astype(ctx.dtype, copy=False)


# ---------------------------------------------------------------- clamp, where, activations
class Clamp(Function):
    """z = min(max(x, low), high); either bound may be None (no bound on that side)."""

    @staticmethod
    def forward(ctx, x, low=None, high=None):
        z = np.clip(x, low, high)
        ctx.save_for_backward(z == x)
        return z

    @staticmethod
    def backward(ctx, grad):
        # dz/dx = 1 where x lies inside [low, high] (bounds included, as PyTorch), else 0
        (inside,) = ctx.saved_tensors
        return grad * inside


class Where(Function):
    """z = x where condition, else y; condition is a boolean array (no gradient), and the
    three broadcast together."""

    @staticmethod
    def forward(ctx, x, y, condition):
        ctx.shapes = np.shape(x), np.shape(y)
        ctx.save_for_backward(condition)
        return np.where(condition, x, y)

    @staticmethod
    def backward(ctx, grad):
        # each element of z came from x or from y: its gradient goes back to that one
        (condition,) = ctx.saved_tensors
        dx = unbroadcast(np.where(condition, grad, 0), ctx.shapes[0]) if ctx.needs_input_grad[0] else None
        dy = unbroadcast(np.where(condition, 0, grad), ctx.shapes[1]) if ctx.needs_input_grad[1] else None
        return dx, dy


class LeakyReLU(Function):
    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        # (ACT.1) z = x for x > 0, negative_slope * x otherwise
        ctx.save_for_backward(x > 0)
        ctx.slope = negative_slope
        return np.where(x > 0, x, x * np.asarray(negative_slope, x.dtype))   # (ACT.1)

    @staticmethod
    def backward(ctx, grad):
        # dz/dx = 1 for x > 0, negative_slope otherwise (PyTorch takes the slope at x = 0)
        (positive,) = ctx.saved_tensors
        return np.where(positive, grad, grad * np.asarray(ctx.slope, grad.dtype))


class ELU(Function):
    @staticmethod
    def forward(ctx, x, alpha=1.0):
        # (ACT.2) z = x for x > 0, alpha (e^x - 1) otherwise (Clevert et al., 2015)
        z = np.where(x > 0, x, np.asarray(alpha, x.dtype) * np.expm1(np.minimum(x, 0)))  # (ACT.2)
        ctx.save_for_backward(x > 0, z)
        ctx.alpha = alpha
        return z

    @staticmethod
    def backward(ctx, grad):
        # dz/dx = 1 for x > 0, alpha e^x = z + alpha otherwise
        positive, z = ctx.saved_tensors
        return np.where(positive, grad, grad * (z + np.asarray(ctx.alpha, z.dtype)))


# math.erf elementwise: NumPy has no erf; exact to double precision, ~50 ns an element
_erf = np.vectorize(math.erf, otypes=[np.float64])


class GELU(Function):
    """z = x Phi(x) (Hendrycks & Gimpel, 2016); approximate="tanh" uses their tanh formula."""

    @staticmethod
    def forward(ctx, x, approximate="none"):
        if approximate == "none":
            # (ACT.3) Phi(x) = (1 + erf(x / sqrt 2)) / 2, the standard normal CDF
            cdf = (0.5 * (1 + _erf(x / math.sqrt(2)))).astype(x.dtype)   # (ACT.3)
            ctx.save_for_backward(x, cdf)
        else:
            # (ACT.4) Phi(x) ~ (1 + tanh(u)) / 2,  u = sqrt(2/pi) (x + 0.044715 x^3)
            t = np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3))   # (ACT.4)
            cdf = 0.5 * (1 + t)
            ctx.save_for_backward(x, t)
        ctx.approximate = approximate
        return x * cdf

    @staticmethod
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        if ctx.approximate == "none":
            # dz/dx = Phi(x) + x phi(x),  phi(x) = e^(-x^2/2) / sqrt(2 pi)
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)
            return grad * (saved + x * pdf)
        # dz/dx = (1 + t) / 2 + x/2 (1 - t^2) du/dx,  du/dx = sqrt(2/pi) (1 + 3 * 0.044715 x^2)
        t = saved
        du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715 * x * x)
        return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)


class SiLU(Function):
    @staticmethod
    def forward(ctx, x):
        # (ACT.5) z = x sigmoid(x) (the swish of Ramachandran et al., 2017)
        s = 0.5 * (1 + np.tanh(0.5 * x))
        ctx.save_for_backward(x, s)
        return x * s   # (ACT.5)

    @staticmethod
    def backward(ctx, grad):
        # dz/dx = s + x s (1 - s)
        x, s = ctx.saved_tensors
        return grad * (s * (1 + x * (1 - s)))


class Softplus(Function):
    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        # (ACT.6) z = log(1 + e^(beta x)) / beta, and z = x where beta x > threshold (PyTorch's
        # switch to the identity, where the two agree to float precision). Written as
        # max(bx, 0) + log1p(e^-|bx|), which never overflows
        bx = x * np.asarray(beta, x.dtype)
        soft = (np.maximum(bx, 0) + np.log1p(np.exp(-np.abs(bx)))) / np.asarray(beta, x.dtype)
        linear = bx > threshold
        ctx.save_for_backward(bx, linear)
        return np.where(linear, x, soft)   # (ACT.6)

    @staticmethod
    def backward(ctx, grad):
        # dz/dx = sigmoid(beta x), and 1 where the identity was used
        bx, linear = ctx.saved_tensors
        return np.where(linear, grad, grad * (0.5 * (1 + np.tanh(0.5 * bx))))
