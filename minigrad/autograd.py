"""The autograd engine: Function, the nodes of the backward graph, and the one walk over them.

Every differentiable operation is a subclass of :class:`Function` with two static methods on
plain NumPy arrays::

    class Mul(Function):
        @staticmethod
        def forward(ctx, x, y):          # arrays in, array out
            ctx.save_for_backward(x, y)
            return x * y

        @staticmethod
        def backward(ctx, grad):         # dL/dout in, one dL/dinput per input out
            x, y = ctx.saved_tensors
            return grad * y, grad * x

``Mul.apply(a, b)`` unwraps the tensors, runs ``forward`` and, when a gradient is wanted,
makes the context the output's ``grad_fn``: the context *is* the graph node, as in PyTorch.
A node links to nodes, never to tensors. ``node.next_functions`` holds one ``(node, 0)`` pair
per positional argument: the ``grad_fn`` of an argument made by an op, the
:class:`AccumulateGrad` node of a leaf that requires grad (its ``.variable`` is the leaf), or
``None``. So a node keeps alive only what its forward saved, and the walk in :func:`backward`
goes from node to node (AD.1)-(AD.3), in reverse topological order.

Saved arrays are guarded by version counters: every tensor counts the in-place writes to its
memory (a view shares the counter of the tensor it views). ``ctx.saved_tensors`` checks that
no input or output that forward saved has been written since, and raises PyTorch's error if
one has, instead of returning a gradient computed from the wrong numbers.

This module sits at the bottom of the package: it imports NumPy only. ``minigrad.tensor``
(whose operators call the ops, which subclass Function) hands the Tensor class to the engine
with :func:`use_tensor_class` when it is imported.
"""
from __future__ import annotations

import contextlib
import linecache
import os
import sys

import numpy as np

_Tensor = None          # the Tensor class; set by minigrad.tensor through use_tensor_class


def use_tensor_class(cls) -> None:
    """Wrap op outputs and gradients in ``cls`` (called once, by ``minigrad.tensor``)."""
    global _Tensor
    _Tensor = cls


# ----------------------------------------------------------------- grad mode
_grad_enabled = True


def is_grad_enabled() -> bool:
    return _grad_enabled


class set_grad_enabled:
    """Turn recording on or off, as in PyTorch: at once when called
    (``set_grad_enabled(False)``), or for a block (``with set_grad_enabled(is_train):``),
    after which the previous mode is restored."""

    def __init__(self, mode: bool):
        global _grad_enabled
        self.previous = _grad_enabled
        _grad_enabled = bool(mode)

    def __enter__(self):
        return None

    def __exit__(self, *exc_info):
        global _grad_enabled
        _grad_enabled = self.previous


@contextlib.contextmanager
def no_grad():
    """Context manager (and decorator) under which no graph is recorded, as in PyTorch."""
    with set_grad_enabled(False):
        yield


@contextlib.contextmanager
def enable_grad():
    with set_grad_enabled(True):
        yield


# ----------------------------------------------------------------- anomaly mode
_anomaly_enabled = False


@contextlib.contextmanager
def detect_anomaly():
    """Debug mode, as ``torch.autograd.detect_anomaly``: inside ``with minigrad.detect_anomaly():``
    the first op whose forward output or backward gradient holds NaN or Inf raises a
    RuntimeError naming the op and the line of your code that called it.

    Off, it costs one boolean test per op; on, every op also scans its output (slow: debug only).
    """
    global _anomaly_enabled
    previous = _anomaly_enabled
    _anomaly_enabled = True
    try:
        yield
    finally:
        _anomaly_enabled = previous


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _caller() -> str:
    """The innermost line outside minigrad on the stack: the user's line that made the op."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return "an unknown line"
    source = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
    return f'File "{frame.f_code.co_filename}", line {frame.f_lineno}: {source}'


def _nonfinite(array):
    """Return "nan" or "inf" if a floating array holds one, else None."""
    if not isinstance(array, np.ndarray) or array.dtype.kind not in "fc" or np.isfinite(array).all():
        return None
    return "nan" if np.isnan(array).any() else "inf"


def _check_forward(ctx, inputs, output):
    ctx.called_at = _caller()
    found = _nonfinite(output)
    if found:
        dirty = [i for i, a in enumerate(inputs) if _nonfinite(a)]
        cause = (f"its input {dirty[0]} already held nan or inf, so it came from outside the "
                 "graph: check the data" if dirty else
                 "its inputs were finite, so this op made them (log of 0 or of a negative "
                 "number? division by 0? exp of a large number?)")
        raise RuntimeError(f"Function '{type(ctx).__name__}' returned {found} values in its "
                           f"forward output: {cause}. It was called at {ctx.called_at}")


def _check_backward(ctx, grads):
    for i, grad in enumerate(grads):
        found = _nonfinite(grad)
        if found:
            called_at = getattr(ctx, "called_at", "a line run before detect_anomaly() was on")
            raise RuntimeError(f"Function '{ctx.name()}' returned {found} values in its {i}th "
                               f"output. Its forward was called at {called_at}")


# ----------------------------------------------------------------- versions
class VersionCounter:
    """How many in-place writes a tensor's memory has had. Views share their base's counter."""

    value = 0                         # until the first write (no __init__: one per tensor)


def _type_name(shape, dtype) -> str:
    """PyTorch's name for a tensor in messages: ``[torch.FloatTensor [3, 4]]``."""
    kind = {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "bool": "Bool", "float16": "Half", "uint8": "Byte"}.get(np.dtype(dtype).name, "")
    return f"[minigrad.{kind}Tensor [{', '.join(map(str, shape))}]]"


def _modified_error(counter, version, array, made_by) -> RuntimeError:
    """PyTorch's error for a saved array whose tensor was written in place after it was saved.

    ``saved_tensors`` checks one entry ``(counter, version, array, made_by)`` per saved input
    or output: the tensor's version counter, its value when saved, and the node of the op
    that made it (None for a leaf).
    """
    origin = f", which is output 0 of {type(made_by).__name__}," if made_by is not None else ""
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {_type_name(array.shape, array.dtype)}{origin} is at version "
        f"{counter.value}; expected version {version} instead. Hint: an op saved "
        "this tensor for backward and it was changed afterwards (x += ..., x[i] = ..., "
        "x.zero_(), an optimizer step): write the new value into a new tensor "
        "(x = x + ...), or call backward before changing it.")


def _plain_owner(view: np.ndarray):
    """The array NumPy names as the owner of ``view``'s memory, if it is an ordinary array that
    owns it; None for other owners (as_strided's views, a buffer) and for an owning array."""
    owner = view.base
    return owner if isinstance(owner, np.ndarray) and owner.base is None else None


def looks_into(view: np.ndarray, array: np.ndarray) -> bool:
    """May ``view`` (an array with a base) see ``array``'s memory?

    Where the view's owner is a plain owning array, identity decides: the view meets
    ``array`` if ``array`` is the owner or another view of it. Other owners need NumPy's
    bounds test, ``np.may_share_memory``, which costs a few microseconds."""
    owner = _plain_owner(view)
    if owner is not None:
        return owner is array or array.base is owner
    return np.may_share_memory(view, array)


def _same_memory(a: np.ndarray, b) -> bool:
    """Is ``a`` the array ``b``, or a view into it? (cheap: fresh arrays have no base)."""
    return a is b or (a.base is not None and isinstance(b, np.ndarray) and looks_into(a, b))


def _viewed(array, args, raw, out):
    """The tensor (an input, or the output) whose memory the saved view ``array`` looks into."""
    if looks_into(array, out._data):
        return out
    for a, r in zip(args, raw):
        if isinstance(a, _Tensor) and looks_into(array, r):
            return a
    return None


# ----------------------------------------------------------------- nodes
_FREED = "freed"


class Node:
    """A vertex of the backward graph: what ``tensor.grad_fn`` is.

    ``next_functions``: one ``(node, 0)`` pair per input, ``(None, 0)`` for an input that needs
    no gradient (the 0 is the input's output number: every minigrad op has one output).
    """

    # class-level defaults, so that making a node (once per op) sets nothing it does not use
    next_functions = ()
    _pre_hooks = ()                   # functions of the incoming gradient (Tensor.register_hook)
    _retain_hook = None               # Tensor.retain_grad: run after the other hooks
    _output_meta = None               # (shape, dtype) of an op's output, or of a leaf: what an
                                      # incoming gradient must be

    def _hook_list(self) -> list:
        """This node's pre-hooks as a list that a new hook can join."""
        if not isinstance(self._pre_hooks, list):
            self._pre_hooks = []
        return self._pre_hooks

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    def _run_pre_hooks(self, grad):
        for hook in self._pre_hooks:
            result = hook(grad)
            if result is not None:
                grad = result
        if self._retain_hook is not None:
            self._retain_hook(grad)
        return grad


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: (AD.3) it adds the gradient into ``variable.grad``.

    A leaf has one accumulator (``Tensor._edge`` makes it on first use and keeps it): every op
    that reads the leaf links to the same node.
    """

    def __init__(self, variable):
        self.variable = variable              # the graph keeps the leaf alive, as in PyTorch
        self._pre_hooks = variable._hooks     # hooks on a leaf live on the leaf
        self._output_meta = (variable._data.shape, variable._data.dtype)   # what its gradient must be


class Function(Node):
    """Base class of every op. Subclasses define ``forward`` and ``backward``; ``apply`` runs them.

    Positional arguments of ``apply`` that are Tensors become graph inputs (forward receives
    their arrays); anything else (Python numbers, arrays, keyword arguments) is passed through
    unchanged and gets no gradient. ``backward`` returns one gradient per positional argument
    (``None`` where there is none); its ``grad`` has the shape of forward's output.
    """

    needs_input_grad = ()             # bool per positional argument, set by apply
    _saved = ()
    _saved_versions = ()

    def save_for_backward(self, *arrays):
        """Keep ``arrays`` for backward, where ``ctx.saved_tensors`` returns them in this order.

        What goes through here: every ndarray backward reads, whether an input of forward, its
        output, a view of either, or an array forward made (x_hat, a mask); None stands for an
        optional input left out (BatchNorm's weight). What does not: shapes, dtypes, axes,
        options and Python numbers, which are plain attributes of ctx (``ctx.shape = x.shape``):
        they hold no array and no version.

        Save only what backward needs: these arrays stay alive with the node until backward has
        run (or as long as the graph is kept). Save an input or the output itself (or a view of
        it), not a copy, when that is what backward reads: an in-place change to it afterwards is
        then caught by its version counter (:class:`VersionCounter`). Arrays made inside forward
        are private to the op.
        """
        self._saved = arrays

    @property
    def saved_tensors(self):
        if self._saved is _FREED:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or directly access "
                "saved tensors after they have already been freed). Saved intermediate values "
                "of the graph are freed when you call .backward(). Specify retain_graph=True "
                "if you need to backward through the graph a second time.")
        for counter, version, array, made_by in self._saved_versions:
            if counter.value != version:
                raise _modified_error(counter, version, array, self if made_by is True else made_by)
        return self._saved

    def name(self) -> str:
        return type(self).__name__ + "Backward"

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls()
        raw = [a._data if isinstance(a, _Tensor) else a for a in args]
        out = _Tensor._wrap(cls.forward(ctx, *raw, **kwargs))
        if _anomaly_enabled:
            _check_forward(ctx, raw, out._data)
        if out._data.base is not None:
            out._share_version_of_input(args)
        if _grad_enabled:
            needs = tuple([isinstance(a, _Tensor) and a.requires_grad for a in args])
            if True in needs:
                ctx.needs_input_grad = needs
                # an op's output links to its grad_fn, a leaf to its accumulator (Tensor._edge)
                ctx.next_functions = tuple([((a.grad_fn or a._edge()) if need else None, 0)
                                            for a, need in zip(args, needs)])
                ctx._output_meta = (out._data.shape, out._data.dtype)
                if ctx._saved:
                    ctx._track_saved(args, raw, out)
                out.requires_grad = True
                out.grad_fn = ctx
        return out

    def _track_saved(self, args, raw, out):
        """Note the version of every input or output that forward saved (see saved_tensors)."""
        tracked = []
        out_data = out._data
        for array in self._saved:
            if array is out_data:
                owner = out
            else:
                for owner, r in zip(args, raw):      # an input itself: the usual case
                    if array is r:
                        break
                else:                                # a view of one, or an array forward made
                    owner = (_viewed(array, args, raw, out)
                             if isinstance(array, np.ndarray) and array.base is not None else None)
                if not isinstance(owner, _Tensor):
                    continue
            counter = owner._version_counter
            # who made it, for the error: True for this op (a node naming itself would be a
            # reference cycle, freed only by the garbage collector), else the input's grad_fn
            # (a node this one links to anyway) or None for a leaf
            tracked.append((counter, counter.value, array, owner is out or owner.grad_fn))
        if tracked:
            self._saved_versions = tuple(tracked)

    def _private_copy_of(self, array: np.ndarray, counter: VersionCounter) -> None:
        """Before ``array`` (whose versions ``counter`` counts) is overwritten in place, give this
        node its own copy of what it saved from it: an in-place op's node reads the old values
        (PyTorch saves the original too), and a private copy has no version to check."""
        self._saved = tuple(s.copy() if isinstance(s, np.ndarray) and _same_memory(s, array) else s
                            for s in self._saved)
        self._saved_versions = tuple(v for v in self._saved_versions if v[0] is not counter)

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError

    def release(self):
        """Drop what forward saved; a second backward through this node then raises.
        A node that saved nothing keeps working, as in PyTorch (``y = x.sum()`` twice)."""
        if self._saved:
            self._saved = _FREED
            self._saved_versions = ()

    def run_backward(self, grad):
        grads = type(self).backward(self, grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        # more gradients than inputs is fine: an op such as Linear returns one for its
        # optional bias even when it was called without one; fewer is a bug in the op
        if len(grads) < len(self.next_functions):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients "
                               f"(expected {len(self.next_functions)}, got {len(grads)})")
        if _anomaly_enabled:
            _check_backward(self, grads)
        return grads


# ----------------------------------------------------------------- the walk
def _topological_order(roots) -> list:
    """Nodes reachable from ``roots``, each after every node it leads to (post-order DFS).

    An explicit stack instead of recursion, so a 10,000-op chain needs no deep Python stack.
    Walked in reverse, every node comes before the nodes it sends gradients to.
    """
    order, visited = [], set()
    stack = [(node, False) for node in roots]
    while stack:
        node, children_done = stack.pop()
        if children_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for child, _ in node.next_functions:
            if child is not None and child not in visited:
                if child.next_functions:
                    stack.append((child, False))
                else:                   # a sink (a leaf's accumulator): nothing to wait for
                    visited.add(child)
                    order.append(child)
    return order


def _checked_grad(fn, grads, grad, parent) -> np.ndarray:
    """PyTorch's check on what a backward returns: dL/dx has x's shape and x's dtype.

    ``_run`` calls it when ``grad`` is not an ndarray of exactly that shape and dtype. A wrong
    shape (typically a forgotten ``unbroadcast``) is an error here, where the op can be named,
    rather than a silent broadcast further down the graph; another dtype is converted.
    """
    shape, dtype = parent._output_meta
    if np.shape(grad) != shape:
        i = next(k for k, ((p, _), g) in enumerate(zip(fn.next_functions, grads))
                 if p is parent and g is grad)
        raise RuntimeError(f"Function {fn.name()} returned an invalid gradient at index {i} - got "
                           f"{list(np.shape(grad))} but expected shape compatible with {list(shape)}")
    grad = np.asarray(grad)
    return grad if grad.dtype == dtype else grad.astype(dtype)


def _run(roots, keep_graph: bool, capture=None):
    """Send each root's gradient back through the graph.

    ``roots``: (node, gradient array) pairs. Without ``capture``, every leaf reached gets its
    gradient added to ``.grad``. With ``capture`` (a set of nodes), nothing is accumulated: the
    total gradient arriving at each of those nodes is returned by node, and only the part of
    the graph that leads to them runs.
    """
    order = _topological_order([node for node, _ in roots])
    needed = None
    if capture is not None:
        needed = set()
        for node in order:            # post-order: a node's children are decided before it
            if node in capture or any(c in needed for c, _ in node.next_functions):
                needed.add(node)
    grads = {}
    for node, grad in roots:
        grads[node] = grad if node not in grads else grads[node] + grad
    captured = {}
    for node in reversed(order):
        g = grads.pop(node, None)
        if g is None or (needed is not None and node not in needed):
            continue
        if node._pre_hooks or node._retain_hook is not None:
            g = node._run_pre_hooks(g)
        if capture is not None and node in capture:
            captured[node] = g
        if isinstance(node, AccumulateGrad):
            if capture is None:
                # (AD.3) a leaf: grad += g until zero_grad; an array nothing else refers to (no
                # other node's gradient, no saved array, no view) may become .grad itself
                alone = sys.getrefcount(g) == _ONLY_A_LOCAL and (g.base is None or _only_view_of(g))
                node.variable._accumulate_grad(g, alone)      # (the count before g is an argument)
            continue
        input_grads = node.run_backward(g)
        for (parent, _), pg in zip(node.next_functions, input_grads):
            if parent is None or pg is None:
                continue
            if type(pg) is not np.ndarray or (pg.shape, pg.dtype) != parent._output_meta:
                pg = _checked_grad(node, input_grads, pg, parent)    # x's shape, x's dtype
            # (AD.2) a node used several times receives the sum of the gradients of its uses
            grads[parent] = pg if parent not in grads else grads[parent] + pg   # (AD.2)
        input_grads = pg = None       # from here on only grads refers to them (see "alone")
        if not keep_graph:
            node.release()
    return captured


def _only_view_of(view: np.ndarray) -> bool:
    """Is ``view`` (a reshape, say) all that refers to its base, an ordinary array of the same
    size? Then, like an array nothing else refers to, it may become a leaf's .grad."""
    base = _plain_owner(view)
    return base is not None and base.size == view.size and sys.getrefcount(base) == _ONLY_A_VIEWS_BASE


def _references_to_a_local() -> int:
    """What ``sys.getrefcount`` says of an array only one local name refers to (the count
    includes the call's own argument, and its exact value depends on the interpreter)."""
    array = np.empty(0)
    return sys.getrefcount(array)


def _references_to_a_views_base() -> int:
    """The same for the base of a view, as :func:`_only_view_of` reads it: the view holds it,
    and one local name."""
    view = np.empty(4).reshape(2, 2)
    base = _plain_owner(view)
    return sys.getrefcount(base)


_ONLY_A_LOCAL = _references_to_a_local()
_ONLY_A_VIEWS_BASE = _references_to_a_views_base()


def _root_grads(tensors, grad_tensors, who: str):
    """(node, gradient array) for each output: the implicit 1 for a scalar, else the given one."""
    roots = []
    for k, (t, g) in enumerate(zip(tensors, grad_tensors)):
        if not t.requires_grad:
            raise RuntimeError(
                f"element {k} of tensors does not require grad and does not have a grad_fn: no "
                "input of the computation requires grad. Create the inputs to differentiate with "
                "requires_grad=True (module parameters already are), and do not compute the loss "
                "under no_grad() or from .detach()")
        if g is None:
            if t._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs: this tensor has "
                    f"shape {tuple(t._data.shape)}; reduce it to a scalar first (loss.mean() or "
                    f".sum()), or pass {who} a gradient of the same shape")
            g = np.ones_like(t._data)
        else:
            g = np.asarray(g._data if isinstance(g, _Tensor) else g, dtype=t._data.dtype)
            if g.shape != t._data.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{k}] has a shape of {tuple(g.shape)} and "
                    f"output[{k}] has a shape of {tuple(t._data.shape)}.")
        roots.append((t._edge(), g))
    return roots


def _as_sequence(x):
    return list(x) if isinstance(x, (tuple, list)) else [x]


def _no_double_backward(create_graph):
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (a graph of the backward, for second derivatives) is not supported: "
            "minigrad's backward passes compute on arrays. Compute first derivatives only, or "
            "take second derivatives numerically")


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaf) into ``leaf.grad`` for every leaf that requires grad
    (as ``torch.autograd.backward``). With ``inputs``, only into those tensors' ``.grad``.

    The graph's saved arrays are freed afterwards unless ``retain_graph=True``.
    """
    _no_double_backward(create_graph)
    tensors = _as_sequence(tensors)
    grad_tensors = [None] * len(tensors) if grad_tensors is None else _as_sequence(grad_tensors)
    roots = _root_grads(tensors, grad_tensors, "backward()")
    keep = bool(retain_graph)
    if inputs is None:
        _run(roots, keep)
        return
    inputs = _as_sequence(inputs)
    targets = {t: t._edge() for t in inputs}
    captured = _run(roots, keep, capture=set(targets.values()))
    for t, node in targets.items():
        if node in captured:
            t._accumulate_grad(captured[node])


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         allow_unused=None, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned, not accumulated
    (as ``torch.autograd.grad``): a tuple with one Tensor per input.

    An input the outputs do not depend on is an error, unless ``allow_unused=True`` (then its
    entry is None, or zeros with ``materialize_grads=True``).
    """
    _no_double_backward(create_graph)
    outputs, inputs = _as_sequence(outputs), _as_sequence(inputs)
    grad_outputs = [None] * len(outputs) if grad_outputs is None else _as_sequence(grad_outputs)
    for k, t in enumerate(inputs):
        if not t.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (input {k}) does not require "
                               "grad: create it with requires_grad=True")
    roots = _root_grads(outputs, grad_outputs, "autograd.grad() grad_outputs")
    nodes = [t._edge() for t in inputs]
    captured = _run(roots, bool(retain_graph), capture=set(nodes))
    results = []
    for k, (t, node) in enumerate(zip(inputs, nodes)):
        g = captured.get(node)
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError(
                    f"One of the differentiated Tensors (input {k}) appears to not have been used "
                    "in the graph. Set allow_unused=True if this is the desired behavior.")
            results.append(_Tensor._wrap(np.zeros_like(t._data)) if materialize_grads else None)
        else:
            results.append(_Tensor._wrap(np.array(g, dtype=t._data.dtype)))
    return tuple(results)


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook off again."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)

