"""Gradient clipping, as ``torch.nn.utils``: call between ``loss.backward()`` and
``optimizer.step()``. Both functions rescale the gradients in place."""
import numpy as np

from ..tensor import Tensor


def _grads(parameters):
    """The gradient arrays of the parameters that have one (a Tensor alone counts as [Tensor])."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [np.asarray(p.grad) for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so their joint norm is at most ``max_norm``.

    The joint norm treats every gradient as one long vector: for norm_type p it is
    ||(||g_1||_p, ..., ||g_k||_p)||_p (the largest |g| for p = inf). Every gradient is then
    multiplied by min(1, max_norm / (norm + 1e-6)), so the direction of the step is kept
    (Pascanu et al., 2013). Returns the norm before clipping, as a Tensor.
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.zeros((), dtype=np.float32))
    norms = np.stack([np.linalg.norm(g.ravel(), ord=norm_type) for g in grads])
    total = np.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so "
            "it cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`")
    scale = min(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g *= np.asarray(scale, dtype=g.dtype)
    return Tensor(np.asarray(total))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    for g in _grads(parameters):
        np.clip(g, -clip_value, clip_value, out=g)
