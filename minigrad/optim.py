"""Optimisers with PyTorch's update rules (torch.optim.SGD and torch.optim.Adam docs).

Each ``step()`` reads ``p.grad`` and updates ``p._data`` in place, outside the graph.
"""
import math

import numpy as np

from .tensor import Tensor


class Optimizer:
    def __init__(self, params, defaults):
        if isinstance(params, Tensor) or not hasattr(params, "__iter__"):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            f"Tensors, but got {type(params).__name__}: pass model.parameters()")
        self.params = list(params)
        if not self.params:
            raise ValueError(
                "optimizer got an empty parameter list: pass model.parameters(). If you did, "
                "the model has no parameters (are its layers attributes, set after "
                "super().__init__()?) or the generator was used up (call model.parameters() again)")
        for p in self.params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}: pass model.parameters()")
        lr = defaults.get("lr")
        if lr is None or lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr} (it must be >= 0: each step moves "
                             "the parameters by -lr * grad; typical values are 0.1 to 1e-4)")
        self.defaults = defaults
        self.state = {}

    def zero_grad(self, set_to_none: bool = True):
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.zero_()

    def _grads(self):
        """(param, grad) for every parameter that received a gradient this step."""
        for p in self.params:
            if p.grad is not None:
                yield p, p.grad._data


class SGD(Optimizer):
    """Stochastic gradient descent with momentum, as torch.optim.SGD:

        g = grad + weight_decay * p
        b = g                                  (first step)
        b = momentum * b + (1 - dampening) * g (later steps)
        g = g + momentum * b  if nesterov else b
        p = p - lr * g
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))
        self.lr, self.momentum, self.dampening = lr, momentum, dampening
        self.weight_decay, self.nesterov = weight_decay, nesterov

    def step(self):
        for p, g in self._grads():
            if self.weight_decay:
                g = g + self.weight_decay * p._data
            if self.momentum:
                buf = self.state.get(id(p))
                if buf is None:
                    buf = g.copy()
                else:
                    buf *= self.momentum
                    buf += (1 - self.dampening) * g
                self.state[id(p)] = buf
                g = g + self.momentum * buf if self.nesterov else buf
            p._data -= (self.lr * g).astype(p._data.dtype, copy=False)


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as torch.optim.Adam with amsgrad=False:

        g = grad + weight_decay * p
        m = beta1 * m + (1 - beta1) * g          v = beta2 * v + (1 - beta2) * g^2
        p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay

    def step(self):
        beta1, beta2 = self.betas
        for p, g in self._grads():
            if self.weight_decay:
                g = g + self.weight_decay * p._data
            state = self.state.setdefault(id(p), {"t": 0, "m": np.zeros_like(p._data), "v": np.zeros_like(p._data)})
            state["t"] += 1
            m, v, t = state["m"], state["v"], state["t"]
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * g * g
            step_size = self.lr / (1 - beta1 ** t)
            denom = np.sqrt(v) / math.sqrt(1 - beta2 ** t) + self.eps
            p._data -= (step_size * m / denom).astype(p._data.dtype, copy=False)
