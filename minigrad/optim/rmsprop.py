"""RMSprop, as ``torch.optim.RMSprop``."""
import numpy as np

from .optimizer import Optimizer, check_non_negative, count_step


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture 6e; centred form from Graves, 2013), as torch.optim.RMSprop:

        g = grad + weight_decay * p
        v = alpha * v + (1 - alpha) * g^2
        a = sqrt(v - g_avg^2) + eps,  g_avg = alpha * g_avg + (1 - alpha) * g   (centered)
        a = sqrt(v) + eps                                                        (otherwise)
        b = momentum * b + g / a;  p = p - lr * b                                (momentum > 0)
        p = p - lr * g / a                                                       (otherwise)

    eps is added outside the square root, as in PyTorch (TensorFlow adds it inside).
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, *, maximize=False):
        check_non_negative("epsilon value", eps)
        check_non_negative("momentum value", momentum)
        check_non_negative("weight_decay value", weight_decay)
        check_non_negative("alpha value", alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, param, grad, state, group):
        alpha, momentum = group["alpha"], group["momentum"]
        count_step(state)
        if "square_avg" not in state:
            state["square_avg"] = np.zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = np.zeros_like(param)
            if group["centered"]:
                state["grad_avg"] = np.zeros_like(param)
        if group["weight_decay"]:
            grad = grad + group["weight_decay"] * param
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            g_avg = state["grad_avg"]
            g_avg *= alpha
            g_avg += (1 - alpha) * grad
            avg = np.sqrt(v - g_avg * g_avg) + group["eps"]
        else:
            avg = np.sqrt(v) + group["eps"]
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            param -= (group["lr"] * buf).astype(param.dtype, copy=False)
        else:
            param -= (group["lr"] * grad / avg).astype(param.dtype, copy=False)
