"""Measurements of a network's optimisation, after Santurkar et al. (2018), "How Does Batch
Normalization Help Optimization?" (arXiv:1805.11604). Lesson 10 uses them; they work on any
Module.

Each probe takes the model and a ``closure``: a function of no arguments that runs the
model on one fixed batch and returns the loss Tensor (the batch is the closure's, so every
evaluation sees the same data). A probe moves the parameters, measures, and puts back the
parameters and buffers (BN's running statistics) exactly as they were; it leaves no
gradient behind (``.grad`` is None afterwards). Parameters are flattened into one vector
w = (w_1, ..., w_k) in the order of ``model.parameters()``.

Equations (the labels are cited by lesson 10):

  Internal covariate shift, Definition 2.1 of the paper, for layer i at step t:
    (PR.1) G_i  = grad_{W_i} L(W_1, ..., W_k)                  the gradient SGD will use
    (PR.2) G'_i = grad_{W_i} L(W_1 - lr G_1, ..., W_{i-1} - lr G_{i-1}, W_i, ..., W_k)
                                                               after the EARLIER layers' step
    (PR.3) ICS_i = ||G_i - G'_i||_2,   cos_i = <G_i, G'_i> / (||G_i|| ||G'_i||)

  The landscape along the gradient (Section 3.1, Fig. 4, Appendix A.2.2), at w with
  gradient g = grad L(w), for each step length eta in a given set:
    (PR.4) loss(eta)       = L(w - eta g)                      loss range: max - min over eta
    (PR.5) grad_change(eta) = ||grad L(w - eta g) - g||_2       "gradient predictiveness"
    (PR.6) beta = max over eta of grad_change(eta) / ||eta g||_2
                                                               "effective" beta-smoothness
  For L(w) = 1/2 w^T A w, grad L(w - eta g) - g = -eta A g, so (PR.6) is ||A g|| / ||g||:
  the largest eigenvalue of A when g is its eigenvector (tests/test_probes.py checks this).

  Scale invariance (van Laarhoven 2017, arXiv:1706.05350): if L(a w) = L(w) for every a > 0,
    (PR.7) grad L(a w) = grad L(w) / a                         differentiate L(a w) = L(w)
    (PR.8) <w, grad L(w)> = 0                                  d/da L(a w) at a = 1
    (PR.9) |w - lr g|^2 = |w|^2 + lr^2 |g|^2                   so SGD only grows |w|
  and the step's effect on the direction w / |w| is that of a step lr / |w|^2 on a unit
  vector: the effective learning rate. Weight decay shrinks |w| and so raises it.
"""
import numpy as np

from .optim import SGD
from .tensor import Tensor


def snapshot(model) -> list:
    """Copies of the arrays of every parameter and buffer of ``model``, for restore()."""
    return [t._data.copy() for t in (*model.parameters(), *model.buffers())]


def restore(model, saved) -> None:
    """Put back the arrays of snapshot(model) in place, and clear every .grad."""
    for t, array in zip((*model.parameters(), *model.buffers()), saved):
        t._data[...] = array
    model.zero_grad()


def loss_and_grads(model, closure):
    """(loss as a float, [gradient array of each parameter]) at the current parameters.

    A parameter that gets no gradient counts as a zero gradient. Leaves .grad set; the
    probes below call it between snapshot and restore.
    """
    model.zero_grad()
    loss = closure()
    loss.backward()
    grads = [np.zeros(p.shape, p.dtype) if p.grad is None else np.asarray(p.grad).copy()
             for p in model.parameters()]
    return loss.item(), grads


def flat(arrays) -> np.ndarray:
    """One float64 vector from a list of arrays (the order of model.parameters())."""
    return np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in arrays])


def _cosine(u, v) -> float:
    norms = np.linalg.norm(u) * np.linalg.norm(v)
    return float(u @ v / norms) if norms > 0 else float("nan")


def internal_covariate_shift(model, closure, layers, lr: float) -> dict:
    """Definition 2.1 of Santurkar et al.: how much the earlier layers' update changes a
    layer's gradient, (PR.1)-(PR.3) in this module's docstring.

    Inputs:
    - model: the Module; closure: runs it on one fixed batch and returns the loss Tensor
    - layers: the weight Parameters W_i to measure (for example [model.fc2.weight,
      model.fc3.weight]); "earlier layers" are every parameter listed before W_i in
      model.parameters(), which for a Sequential is every layer before it
    - lr: the step of plain SGD applied to the earlier layers, W_j - lr G_j

    Returns {"l2": (len(layers),) array of ||G_i - G'_i||, "relative": the same divided by
    ||G_i||, "cosine": (len(layers),) array}. The model is left as it was.
    """
    params = list(model.parameters())
    saved = snapshot(model)
    _, grads = loss_and_grads(model, closure)                                   # (PR.1)
    l2, relative, cosine = [], [], []
    for weight in layers:
        k = next(i for i, p in enumerate(params) if p is weight)
        restore(model, saved)
        for p, g in zip(params[:k], grads[:k]):                                 # (PR.2)
            p._data -= lr * g
        _, moved = loss_and_grads(model, closure)
        before, after = grads[k].ravel().astype(np.float64), moved[k].ravel().astype(np.float64)
        l2.append(np.linalg.norm(before - after))                               # (PR.3)
        relative.append(l2[-1] / np.linalg.norm(before))
        cosine.append(_cosine(before, after))
    restore(model, saved)
    return {"l2": np.array(l2), "relative": np.array(relative), "cosine": np.array(cosine)}


def landscape_along_gradient(model, closure, step_lengths) -> dict:
    """The loss and the gradient along the gradient direction, (PR.4)-(PR.6).

    Inputs: model and closure as above; step_lengths: the etas (positive floats) of the
    points w - eta g visited, g the gradient at the current parameters w.

    Returns a dict:
    - "loss": L(w);  "grad_norm": ||g||;  "step_lengths": (K,) array
    - "losses": (K,) array of L(w - eta g)                                      (PR.4)
    - "loss_range": max - min of L over {w} and the K points
    - "grad_change": (K,) array of ||grad L(w - eta g) - g||                    (PR.5)
    - "beta": the largest grad_change / (eta ||g||)                             (PR.6)
    The model is left as it was.
    """
    params = list(model.parameters())
    saved = snapshot(model)
    loss, grads = loss_and_grads(model, closure)
    g = flat(grads)
    losses, change = [], []
    for eta in step_lengths:
        restore(model, saved)
        for p, gp in zip(params, grads):
            p._data -= eta * gp
        moved_loss, moved = loss_and_grads(model, closure)
        losses.append(moved_loss)   # (PR.4)
        change.append(np.linalg.norm(flat(moved) - g))   # (PR.5)
    restore(model, saved)
    etas, losses, change = np.asarray(step_lengths, dtype=np.float64), np.array(losses), np.array(change)
    grad_norm = float(np.linalg.norm(g))
    return {"loss": loss, "grad_norm": grad_norm, "step_lengths": etas, "losses": losses,
            "loss_range": float(np.ptp(np.append(losses, loss))), "grad_change": change,
            "beta": float(np.max(change / (etas * grad_norm)))}   # (PR.6)


def scale_invariance(model, closure, weight, a: float) -> dict:
    """Measure (PR.7) and (PR.8) for one Parameter ``weight`` scaled by ``a``.

    Returns {"loss", "loss_scaled": L(w) and L(a w), "grad_ratio": ||grad L(a w)|| /
    ||grad L(w)|| (1/a if (PR.7) holds), "grad_error": ||a grad L(a w) - grad L(w)|| /
    ||grad L(w)||, "cosine_w_grad": <w, grad L(w)> / (||w|| ||grad L(w)||) (0 if (PR.8)
    holds)}, every gradient taken with respect to ``weight`` alone. The model is left as it was.
    """
    k = next(i for i, p in enumerate(model.parameters()) if p is weight)
    saved = snapshot(model)
    w = weight._data.ravel().astype(np.float64)
    loss, grads = loss_and_grads(model, closure)
    weight._data *= a
    loss_scaled, scaled = loss_and_grads(model, closure)
    restore(model, saved)
    g, g_scaled = grads[k].ravel().astype(np.float64), scaled[k].ravel().astype(np.float64)
    return {"loss": loss, "loss_scaled": loss_scaled,
            "grad_ratio": float(np.linalg.norm(g_scaled) / np.linalg.norm(g)),            # (PR.7)
            "grad_error": float(np.linalg.norm(a * g_scaled - g) / np.linalg.norm(g)),
            "cosine_w_grad": _cosine(w, g)}                                               # (PR.8)


def track(model, batches, loss_fn, steps: int, lr: float, every: int, measure,
          weight_decay: float = 0.0) -> list:
    """Train ``model`` with plain SGD and run ``measure`` every ``every`` steps.

    Inputs:
    - batches: an iterator of (inputs, targets) arrays, one per step
    - loss_fn(output, targets) -> loss Tensor (for example F.cross_entropy)
    - measure(model, closure, step) -> anything: called at steps 0, every, 2 every, ...
      BEFORE that step's update, with the closure of that step's batch
    - weight_decay: SGD's weight decay (PyTorch's: grad + weight_decay * w)
    Returns the list of what measure returned. The model is trained in place (train mode).
    """
    optimizer = SGD(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    records = []
    for step in range(steps):
        x, y = next(batches)

        def closure(x=x, y=y):
            return loss_fn(model(Tensor(x)), y)

        if step % every == 0:
            records.append(measure(model, closure, step))
        optimizer.zero_grad()
        closure().backward()
        optimizer.step()
    return records
