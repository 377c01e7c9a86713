"""Input checks and their error messages, so that the mathematics reads without them.

Every op and layer checks its arguments with one call to a function of this module (the
convolution's checks are in nn/conv_arguments.py). A check raises PyTorch's error type with
PyTorch's message, then says what to change; it returns nothing, or what it checked in the form
the caller goes on with (a dtype, a tuple). It lives here, not under ops/, because ops,
nn.functional and the layers all call it; it imports NumPy and minigrad.dtypes only, so any module can.

The checks run on what the caller has: an op's forward passes plain ndarrays (a Tensor was
unwrapped on the way in, so anything else, a list say, was never a Tensor).
"""
import math
import warnings

import numpy as np

from .dtypes import legacy_name

_REDUCTIONS = ("mean", "sum", "none")


def _size(shape):
    return f"minigrad.Size([{', '.join(map(str, shape))}])"


# ---------------------------------------------------------------- matrix products, Linear
def check_matmul(x, w):
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, "
                           f"but they are {x.ndim}D and {w.ndim}D")
    if x.shape[-1] != w.shape[-2 if w.ndim > 1 else 0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                           f"({'x'.join(map(str, x.shape))} and {'x'.join(map(str, w.shape))})")


def check_linear(x, weight):
    """y = x @ weight^T: x a float array whose last axis is weight's in_features (weight.shape[1]).
    The shape message is PyTorch's, its matrices named as PyTorch does (every leading axis of
    x folded into rows), inside one that names the layer and the likely fix."""
    if isinstance(x, np.ndarray) and x.shape[-1:] == weight.shape[1:] and x.dtype.kind == "f":
        return                                   # the usual case, in one test
    if not isinstance(x, np.ndarray):
        raise TypeError(f"linear(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}: make one with minigrad.tensor(...)")
    n_out, n_in = weight.shape
    shape = x.shape
    if shape[-1:] != (n_in,):
        raise RuntimeError(
            f"Linear(in_features={n_in}, out_features={n_out}) expected input with last dimension "
            f"{n_in}, got input of shape {tuple(shape)} (mat1 and mat2 shapes cannot be multiplied "
            f"({_rows(shape)} and {n_in}x{n_out})): {_linear_fix(shape, n_in, n_out)}")
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"mat1 and mat2 must have the same dtype, but got {x.dtype} and {weight.dtype}: "
            "a linear layer needs floating-point input; convert it with x.float() "
            "(a NumPy array with x.astype(np.float32))")


def _rows(shape):
    """The input as PyTorch's mat1: every leading axis folded into rows."""
    return f"{math.prod(shape[:-1])}x{shape[-1]}" if shape else "0-d"


def _linear_fix(shape, n_in, n_out):
    if len(shape) > 2 and math.prod(shape[1:]) == n_in:
        return "flatten each sample first: x.flatten(1), or nn.Flatten() before this layer"
    if not shape:
        return f"the input must have shape (N, {n_in})"
    fix = (f"in_features must equal the size of the input's last dimension: "
           f"make this layer Linear({shape[-1]}, {n_out}), or change the layer before it")
    if len(shape) == 2 and shape[0] == n_in:
        fix += f"; if axis 0 holds the features, transpose the input (x.T): (N, {n_in})"
    return fix


# ---------------------------------------------------------------- dropout, activations, embedding
def check_dropout_probability(p):
    if p < 0 or p > 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def check_gelu_approximate(approximate):
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"approximate argument must be either none or tanh (got '{approximate}')")


def check_embedding_table(num_embeddings, embedding_dim, padding_idx, weight):
    """nn.Embedding's arguments, with PyTorch's (assertion) messages; weight may be None."""
    if padding_idx is not None and not -num_embeddings <= padding_idx < num_embeddings:
        raise AssertionError("Padding_idx must be within num_embeddings")
    if weight is not None and tuple(weight.shape) != (num_embeddings, embedding_dim):
        raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")


def check_pretrained_embeddings(embeddings):
    if embeddings.ndim != 2:
        raise AssertionError("Embeddings parameter is expected to be 2-dimensional")


def check_embedding(index, rows, max_norm, scale_grad_by_freq, sparse):
    """index: the integer ndarray of row numbers into a table of ``rows`` rows."""
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: max_norm, scale_grad_by_freq and sparse are not "
                                  "supported by minigrad; leave them at their defaults")
    if index.dtype.kind not in "iu":
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got minigrad.{legacy_name(index.dtype)}Tensor instead "
                           "(while checking arguments for embedding): convert the indices with .long()")
    if index.size and (index.min() < 0 or index.max() >= rows):
        raise IndexError(f"index out of range in self: the indices must be in [0, {rows - 1}] for an "
                         f"embedding of {rows} rows (got {index.min()}..{index.max()})")


def check_one_hot(index, num_classes):
    if index.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if index.size and index.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes != -1 and index.size and index.max() >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")


# ---------------------------------------------------------------- losses
def check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def check_cross_entropy(logits, target, reduction, weight, ignore_index, label_smoothing=0.0,
                        name="cross_entropy"):
    """cross_entropy and nll_loss: logits (N, C) float, target (N,) integer class indices in
    [0, C) or ignore_index, weight (C,) or None, label_smoothing in [0, 1].

    Returns whether some target is ignore_index, found on the way: with the default -100 and
    targets in [0, C) that takes no pass over the targets beyond their min and max."""
    check_reduction(reduction)
    # one cheap test for the usual case; the diagnosis runs only when it fails
    if (logits.ndim != 2 or logits.dtype.kind != "f" or target.dtype.kind not in "iu"
            or target.shape != logits.shape[:1]):
        raise _cross_entropy_error(logits, target, name)
    classes = logits.shape[1]
    if target.size and (target.min() < 0 or target.max() >= classes):  # out of range, or ignored
        outside = ((target < 0) | (target >= classes)) & (target != ignore_index)
        if outside.any():
            bad = target[outside][0]
            raise IndexError(
                f"Target {bad} is out of bounds. The logits have {classes} classes, so targets "
                f"must be in [0, {classes - 1}]: give the last layer out_features equal to the "
                "number of classes")
        some_ignored = True              # the targets outside [0, C) are all ignore_index
    else:                                # every target is a class: only a class can be ignored
        some_ignored = 0 <= ignore_index < classes and bool((target == ignore_index).any())
    if weight is not None and weight.shape != (classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    return some_ignored


def _cross_entropy_error(logits, target, name):
    if logits.ndim != 2:
        noun = "logits" if name == "cross_entropy" else "input"
        fix = (f"did you swap them? The call is {name}({noun}, target)"
               if logits.ndim == 1 and target.ndim == 2 else
               f"for one sample use {noun}.unsqueeze(0) and a target of shape (1,)"
               if logits.ndim == 1 else "flatten the extra axes into N first")
        return RuntimeError(f"{name} expects {noun} of shape (N, C), got shape "
                            f"{tuple(logits.shape)}: {fix}")
    if logits.dtype.kind != "f":
        return NotImplementedError(f"\"log_softmax\" not implemented for {logits.dtype}: "
                                   f"{name} needs floating-point input; convert it with .float()")
    if target.dtype.kind not in "iu" and target.ndim == 2:
        return RuntimeError(
            f"{name} expects class indices of shape (N,) as target, got a {target.dtype} "
            f"array of shape {tuple(target.shape)}: if its rows are one-hot, use target.argmax(1)")
    if target.dtype.kind not in "iu":
        return RuntimeError(
            f"expected target dtype to be Long or Byte, but got {target.dtype}: the target of "
            f"{name} holds class indices; convert it with target.long() (a NumPy array "
            "with target.astype(np.int64))")
    if target.ndim == 1:
        return ValueError(f"Expected input batch_size ({logits.shape[0]}) to match target "
                          f"batch_size ({target.shape[0]}).")
    return ValueError(f"{name} expects a target of shape (N,) = ({logits.shape[0]},), "
                      f"got shape {tuple(target.shape)}")


def check_mse_loss(x, y, reduction):
    check_reduction(reduction)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"mse_loss\" not implemented for {x.dtype}: the input (the "
                                  "model's output) must be floating point; convert it with .float()")
    _warn_if_broadcast(x, y)


def check_l1_loss(x, y, reduction):
    check_reduction(reduction)
    _warn_if_broadcast(x, y)


def check_smooth_l1_loss(x, y, reduction, beta):
    check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _warn_if_broadcast(x, y)


def _warn_if_broadcast(x, y):
    """PyTorch warns, and does not refuse, when a regression target broadcasts against x."""
    if isinstance(y, np.ndarray) and y.shape != x.shape:
        # broadcasting (N, 1) against (N,) gives an (N, N) loss: almost always a bug.
        # stacklevel 6 skips this function, check_*, forward, apply and F: it names F's caller
        warnings.warn(f"Using a target size {y.shape} that is different to the input size "
                      f"{x.shape}. This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", stacklevel=6)


def check_binary_cross_entropy(x, y, reduction):
    """binary_cross_entropy: y of x's shape, x probabilities in [0, 1]."""
    check_reduction(reduction)
    if np.shape(y) != x.shape:
        raise ValueError(f"Using a target size ({_size(np.shape(y))}) that is different to the input "
                         f"size ({_size(x.shape)}) is deprecated. Please ensure they have the same "
                         "size: binary_cross_entropy compares them elementwise; reshape one to the "
                         "other (e.g. target.view_as(input), or input.squeeze(1))")
    if x.size and (x.min() < 0 or x.max() > 1):
        raise RuntimeError("all elements of input should be between 0 and 1: binary_cross_entropy "
                           "takes probabilities; for logits use binary_cross_entropy_with_logits "
                           "(nn.BCEWithLogitsLoss), or put a sigmoid before this loss")


def check_binary_cross_entropy_with_logits(x, y, reduction):
    check_reduction(reduction)
    if np.shape(y) != x.shape:
        raise ValueError(f"Target size ({_size(np.shape(y))}) must be the same as input size "
                         f"({_size(x.shape)}): reshape one to the other (e.g. "
                         "target.view_as(input), or input.squeeze(1))")


# ---------------------------------------------------------------- factories
def check_multinomial(weights, num_samples, replacement):
    if weights.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got {weights.ndim} dims")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) or num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (got num_samples={num_samples!r})")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    if np.any(weights.sum(axis=-1) <= 0):
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0): "
                           "every row needs a positive weight")
    if not replacement and num_samples > weights.shape[-1]:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without "
                           f"replacement (n_sample={num_samples}, {weights.shape[-1]} categories): "
                           "pass replacement=True")


# ---------------------------------------------------------------- the normalisation family
# Called by nn.functional with what it was given: Tensors, arrays or None (a parameter left out).
def _count(t):
    return math.prod(t.shape)


def check_floating(input, kernel):
    """PyTorch's message for an integer input; returns the input's dtype."""
    dtype = np.dtype(input.dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"\"{kernel}\" not implemented for '{legacy_name(dtype)}': "
            "cast the input to floating point first, e.g. x.float()")
    return dtype


def check_same_dtype(dtype, **named):
    """PyTorch's message when a parameter or statistic has another dtype than the input."""
    for name, t in named.items():
        if t is not None and np.dtype(t.dtype) != dtype:
            raise RuntimeError(
                f"mixed dtype (CPU): all inputs must share same datatype. (input is {dtype.name} "
                f"but {name} is {np.dtype(t.dtype).name}: convert the module with .double() or "
                ".float(), or the input with .double() or .float())")


def check_batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps):
    """F.batch_norm's arguments, with PyTorch's error types and messages."""
    # one cheap test for the usual case (every vector (C,) and of the input's dtype); the
    # diagnosis below runs only when it fails
    if eps > 0.0 and momentum is not None and input.ndim >= 2 and input.dtype.kind == "f":
        vector = input.shape[1:2]
        for t in (running_mean, running_var, weight, bias):
            if t is not None and (t.shape != vector or t.dtype != input.dtype):
                break
        else:
            if (running_mean is None) == (running_var is None) and (training or running_mean is not None):
                return
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if momentum is None:
        raise TypeError("batch_norm(): argument 'momentum' must be float, not NoneType "
                        "(for a cumulative average pass 1/k at the k-th batch)")
    if input.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.ndim, 1)}, {max(input.ndim, 1) - 1}], but got 1)")
    dtype = check_floating(input, "batch_norm")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    channels = input.shape[1]
    named = dict(running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    for name, t in named.items():
        if t is not None and _count(t) != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {_count(t)}")
    check_same_dtype(dtype, **named)
    if running_mean is None and not training:
        raise RuntimeError("running_mean must be defined in evaluation mode")


def normalized_shape(shape, name):
    """``normalized_shape`` as a tuple; an int is PyTorch's TypeError (it wants a tuple)."""
    if isinstance(shape, int):
        raise TypeError(f"{name}(): argument 'normalized_shape' (position 2) must be tuple of ints, "
                        f"not int: write ({shape},)")
    return tuple(shape)


def _check_trailing_shape(input, shape, star):
    """PyTorch's message when the input does not end in normalized_shape (``star`` is its
    spelling: "[*, " for layer_norm, "[*" for rms_norm)."""
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        fix = (f"the input's last {len(shape)} dimension(s) must be {shape}: make the layer's "
               f"normalized_shape {tuple(input.shape[-len(shape):])}, or reshape the input"
               if input.ndim >= len(shape) else
               f"the input needs at least {len(shape)} dimensions")
        raise RuntimeError(
            f"Given normalized_shape={list(shape)}, expected input with shape "
            f"{star}{', '.join(map(str, shape))}], but got input of size{list(input.shape)}: {fix}")


def _check_parameter_shapes(shape, **named):
    for name, t in named.items():
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{list(t.shape)} and normalized_shape = {list(shape)}: give {name} the shape {shape}")


def check_layer_norm(input, shape, weight, bias):
    _check_trailing_shape(input, shape, "[*, ")
    dtype = check_floating(input, "LayerNormKernelImpl")
    _check_parameter_shapes(shape, weight=weight, bias=bias)
    check_same_dtype(dtype, weight=weight, bias=bias)


def check_rms_norm(input, shape, weight):
    _check_trailing_shape(input, shape, "[*")
    check_floating(input, "rms_norm")
    _check_parameter_shapes(shape, weight=weight)


def divisors_hint(c):
    divisors = [d for d in range(1, c + 1) if c % d == 0]
    return f"num_groups must divide the number of channels {c}: choose one of {divisors}"


def check_group_norm(input, num_groups, weight, bias):
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}: "
                           "group_norm takes (N, C, *); for a single sample use x.unsqueeze(0)")
    c = input.shape[1]
    if c % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of "
            f"shape {list(input.shape)} and num_groups={num_groups}: {divisors_hint(c)}")
    for name, t in dict(weight=weight, bias=bias).items():
        if t is not None and (t.ndim != 1 or t.shape[0] != c):
            raise RuntimeError(
                f"Expected {name} to be a vector of size equal to the number of channels in input, "
                f"but got {name} of shape {list(t.shape)} and input of shape {list(input.shape)}: "
                f"make the layer's num_channels {c}, the input's size on axis 1")
    check_same_dtype(check_floating(input, "GroupNormKernelImpl"), weight=weight, bias=bias)


def check_instance_norm_stats(running_mean, running_var, use_input_stats):
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None: "
                         "pass both to keep running statistics, or neither")
    if not use_input_stats and running_mean is None:
        raise RuntimeError("Expected running_mean and running_var to be defined when "
                           "use_input_stats is false: pass them, or use_input_stats=True")


def check_instance_norm(input, running_mean, running_var, weight, bias):
    n, c = input.shape[:2]
    if math.prod(input.shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 spatial element when training, got input size {tuple(input.shape)}: "
            "one value per channel has zero variance; instance norm needs (N, C, L) with L > 1 "
            "(for (N, C) input use LayerNorm or GroupNorm)")
    dtype = check_floating(input, "batch_norm")
    named = dict(running_mean=running_mean, running_var=running_var, weight=weight, bias=bias)
    for name, t in named.items():
        if t is not None and _count(t) != c:
            raise RuntimeError(f"{name} should contain {n * c} elements not {n * _count(t)}: "
                               f"its size must be the input's number of channels, {c}")
    check_same_dtype(dtype, **named)
