"""The ``F`` namespace (``import minigrad.nn.functional as F``): thin names over the ops.

Every function here calls an op; its checks are one call into :mod:`minigrad.validation`.
``minigrad.relu``, ``minigrad.sigmoid`` and ``minigrad.tanh`` are the functions of this module.
"""
import math
import warnings

import numpy as np

from .. import ops, validation
from ..dtypes import legacy_name
from ..ops.batchnorm import BatchNorm, BatchNormEval
from ..ops.normalization import Normalization, update_running_stats
from ..random import default_generator
from ..tensor import Tensor, _raw
from . import conv_arguments


def linear(input, weight, bias=None):
    """y = input @ weight^T + bias; input (N, *, in), weight (out, in), bias (out,)."""
    return ops.Linear.apply(input, weight, bias)


def relu(input, inplace=False):
    """max(input, 0), (R.1). ``inplace`` is accepted for PyTorch's signature; the result is a
    new tensor all the same (the input is left as it is)."""
    return ops.ReLU.apply(input)


def sigmoid(input):
    """1 / (1 + e^-input)."""
    return ops.Sigmoid.apply(input)


def tanh(input):
    return ops.Tanh.apply(input)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability p and scale the rest by 1 / (1 - p), as
    ``torch.nn.functional.dropout``; equation (D.1) in :mod:`minigrad.ops.elementwise`.

    input: Tensor of any shape; returns a Tensor of the same shape. The mask comes from
    ``minigrad.random.default_generator()``, so ``manual_seed`` makes it reproducible.
    With ``training=False`` or ``p=0`` the input itself is returned; ``p=1`` gives zeros.
    ``inplace`` is accepted for PyTorch's signature; the result is always a new tensor.
    """
    validation.check_dropout_probability(p)
    if not training or p == 0:
        return input
    mask = default_generator().random(input.shape) < 1 - p    # True (kept) with probability 1 - p
    return ops.Dropout.apply(input, p, mask)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log softmax(input) along ``dim``; ``dtype`` casts the input first, as in PyTorch."""
    dim = _softmax_dim(input, dim, "log_softmax", _stacklevel)
    if dtype is not None:
        input = input.to(dtype)
    return ops.LogSoftmax.apply(input, axis=dim)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x_j / sum_k e^x_k along ``dim``: the exponential of log_softmax, which is stable."""
    return log_softmax(input, _softmax_dim(input, dim, "softmax", _stacklevel), dtype=dtype).exp()


def _softmax_dim(input, dim, name, stacklevel):
    """PyTorch's rule for a missing dim (deprecated, with a warning): 0 for 0-, 1- and 3-d
    input, else 1."""
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", stacklevel=stacklevel)
    return 0 if input.ndim in (0, 1, 3) else 1


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Mean (or sum, or per-sample) of -log softmax(input)[target], as PyTorch's; equations
    (CE.1)-(CE.3) in :mod:`minigrad.ops.loss`.

    input: (N, C) logits, float; target: (N,) integer class indices in [0, C).
    weight: (C,) class weights; ignore_index: a target value that is skipped (and not counted
    in the mean); label_smoothing: the share eps of each target spread evenly over the C classes.
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return ops.CrossEntropyLoss.apply(input, _indices(target), reduction=reduction, weight=_raw(weight),
                                  ignore_index=ignore_index, label_smoothing=label_smoothing)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    return ops.MSELoss.apply(input, target, reduction=_legacy_reduction(size_average, reduce, reduction))


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalization over axis 1, as ``torch.nn.functional.batch_norm``.

    input: (N, C, *) float Tensor. running_mean, running_var: (C,) Tensors, or both None.
    weight, bias: (C,) Tensors or None (then 1 and 0). Returns a Tensor shaped like input.

    training=True: normalise each channel with the batch's mean and biased variance,
    equations (BN.1)-(BN.4) in :mod:`minigrad.ops.batchnorm`; if the running statistics are
    given, update them in place (BN.12)-(BN.13): ``momentum`` is the weight of the new batch,
    and running_var takes the unbiased variance (times n/(n-1), n = values per channel).
    momentum must be a number; for a cumulative average pass 1/k at the k-th batch (this is
    what ``BatchNorm1d(momentum=None)`` does).
    training=False: normalise with the running statistics (BN.14), which must be given.
    Gradients flow to input, weight and bias, never to the running statistics.
    An empty batch (N = 0) comes back empty and leaves the running statistics untouched.
    """
    if training:
        _verify_batch_size(input.shape)
    mean, var = _raw(running_mean), _raw(running_var)
    validation.check_batch_norm(_raw(input), mean, var, _raw(weight), _raw(bias), training, momentum, eps)
    if not training:
        return BatchNormEval.apply(input, weight, bias, running_mean=mean, running_var=var, eps=eps)
    if input.shape[0] == 0:
        return _empty_batch(input, weight, bias)
    return BatchNorm.apply(input, weight, bias, running_mean=mean, running_var=var, momentum=momentum,
                           eps=eps)


def _empty_batch(input, weight, bias):
    """An empty batch has no statistics: as PyTorch, return it (empty) through the affine map
    alone, y = x * weight + bias, and leave the running statistics as they are."""
    c, dtype = input.shape[1], input.dtype
    return BatchNormEval.apply(input, weight, bias, running_mean=np.zeros(c, dtype),
                               running_var=np.ones(c, dtype), eps=0.0)


def _verify_batch_size(shape):
    """Training needs two or more values per channel: with one, x - mean is 0 and var is 0."""
    if shape[0] * math.prod(shape[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {tuple(shape)}: "
            "a batch of one has zero variance; train with batches of 2 or more, or call "
            "model.eval() to use the running statistics for a single sample")


# ---- activations, embeddings and losses
def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x for x > 0, negative_slope * x otherwise, (ACT.1). ``inplace`` as in :func:`relu`."""
    return ops.LeakyReLU.apply(input, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^x - 1) otherwise, (ACT.2). ``inplace`` as in :func:`relu`."""
    return ops.ELU.apply(input, alpha=alpha)


def gelu(input, approximate="none"):
    """x Phi(x) with Phi the standard normal CDF (ACT.3), or its tanh approximation (ACT.4)."""
    validation.check_gelu_approximate(approximate)
    return ops.GELU.apply(input, approximate=approximate)


def silu(input, inplace=False):
    """x sigmoid(x), (ACT.5). ``inplace`` as in :func:`relu`."""
    return ops.SiLU.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, and x where beta x > threshold, (ACT.6)."""
    return ops.Softplus.apply(input, beta=beta, threshold=threshold)


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by the integer tensor ``input``: the
    output has shape input.shape + (dim,), (EMB.1). Row ``padding_idx`` gets no gradient."""
    index, rows = np.asarray(_raw(input)), weight.shape[0]
    validation.check_embedding(index, rows, max_norm, scale_grad_by_freq, sparse)
    if padding_idx is not None and padding_idx < 0:
        padding_idx += rows
    return ops.Embedding.apply(weight, index=index, padding_idx=padding_idx)


def one_hot(tensor, num_classes=-1):
    """(N, ...) class indices -> (N, ..., num_classes) int64 rows of 0 and 1; num_classes=-1
    means one more than the largest index."""
    index = np.asarray(_raw(tensor))
    validation.check_one_hot(index, num_classes)
    if num_classes == -1:
        num_classes = int(index.max()) + 1 if index.size else 0
    return Tensor._wrap((index[..., None] == np.arange(num_classes)).astype(np.int64))


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-input[target] for log-probabilities (N, C), (NLL.1): log_softmax then nll_loss is
    cross_entropy. ``weight`` and ``ignore_index`` as in :func:`cross_entropy`."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return ops.NLLLoss.apply(input, _indices(target), reduction=reduction, weight=_raw(weight),
                             ignore_index=ignore_index)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x, (BCE.1)."""
    return ops.BCELoss.apply(input, _target(target, input), weight=_raw(weight),
                             reduction=_legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross-entropy of sigmoid(input), computed stably from the logits, (BCE.4);
    ``pos_weight`` (one per class, the last axis) weighs the positive term."""
    return ops.BCEWithLogitsLoss.apply(input, _target(target, input), weight=_raw(weight),
                                   pos_weight=_raw(pos_weight),
                                   reduction=_legacy_reduction(size_average, reduce, reduction))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """|input - target|, (L1.1)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    return ops.L1Loss.apply(input, _target(target, input), reduction=reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Quadratic for |input - target| < beta, linear beyond, (SL1.1)."""
    return ops.SmoothL1Loss.apply(input, _target(target, input), beta=beta,
                                  reduction=_legacy_reduction(size_average, reduce, reduction))


def _indices(target):
    """Class indices as an integer ndarray (they get no gradient)."""
    return np.asarray(_raw(target))


def _target(target, input):
    """A regression or binary target: a Tensor stays one (a gradient may flow to it); an array
    or a number becomes an array of the input's dtype."""
    return target if isinstance(target, Tensor) else np.asarray(target, dtype=input.dtype)


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated ``size_average``/``reduce`` pair, mapped to ``reduction`` as it does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "none" if not reduce else "mean" if size_average else "sum"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                  "instead.", stacklevel=3)
    return reduction
# ---------------------------------------------------------------- the normalisation family
# One op, minigrad.ops.normalization.Normalization, over the axes each member reduces; the
# family's table and equations (NF.1)-(NF.7) are in that module's docstring. Each function
# here views the input so that the reduced set S is a set of axes, and shapes weight and bias
# so that they broadcast against that view.

def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalization (Ba et al. 2016, arXiv:1607.06450), as ``torch.nn.functional.layer_norm``.

    input: (*, D1, ..., Dk) float Tensor, normalised over its last k = len(normalized_shape)
    axes, one mean and variance per leading index. weight, bias: (D1, ..., Dk) or None.
    """
    shape = validation.normalized_shape(normalized_shape, "layer_norm")
    validation.check_layer_norm(input, shape, weight, bias)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    return Normalization.apply(input, weight, bias, axes=axes, eps=eps)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """Root-mean-square normalization (Zhang & Sennrich 2019, arXiv:1910.07467), as
    ``torch.nn.functional.rms_norm``: y = x / sqrt(mean(x^2) + eps) * weight over the last
    len(normalized_shape) axes, (NF.3). eps=None means the machine epsilon of the input's dtype.
    A weight of another dtype is cast to the input's, as PyTorch does.
    """
    shape = validation.normalized_shape(normalized_shape, "rms_norm")
    validation.check_rms_norm(input, shape, weight)
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    if weight is not None and weight.dtype != input.dtype:
        weight = weight.astype(input.dtype)
    axes = tuple(range(input.ndim - len(shape), input.ndim))
    return Normalization.apply(input, weight, None, axes=axes, eps=eps, centered=False)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalization (Wu & He 2018, arXiv:1803.08494), as ``torch.nn.functional.group_norm``.

    input: (N, C, *) float Tensor; the C channels are split into num_groups consecutive groups,
    and each sample's group (C / num_groups channels and all of *) shares one mean and variance.
    weight, bias: (C,) or None. Computed on the view (N, G, C/G, L) with S = axes (2, 3).
    """
    validation.check_group_norm(input, num_groups, weight, bias)
    n, c = input.shape[:2]
    per_group = (num_groups, c // num_groups, 1)            # (C,) as (G, C/G, 1)
    view = input.reshape(n, *per_group[:2], math.prod(input.shape[2:]))
    y = Normalization.apply(view, _viewed(weight, per_group), _viewed(bias, per_group),
                            axes=(2, 3), eps=eps)
    return y.reshape(input.shape)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Instance normalization (Ulyanov et al. 2016, arXiv:1607.08022), as
    ``torch.nn.functional.instance_norm``.

    input: (N, C, *) float Tensor; each sample's channel (all of *) has its own mean and
    variance: the view (N, C, L) with S = axis 2. weight, bias: (C,) or None.
    running_mean, running_var: (C,) Tensors or both None; with use_input_stats=True they are
    updated in place by (NF.5), the batch average of the per-instance (BN.12)-(BN.13) (not for
    an empty batch, which PyTorch turns into NaN); with use_input_stats=False they normalise
    instead (then the layer is BatchNorm's eval map (BN.14)).
    """
    validation.check_instance_norm_stats(running_mean, running_var, use_input_stats)
    if not use_input_stats:
        return batch_norm(input, running_mean, running_var, weight, bias, False, momentum, eps)
    n, c = input.shape[:2]
    length = math.prod(input.shape[2:])
    validation.check_instance_norm(input, running_mean, running_var, weight, bias)
    stats = None if running_mean is None else {}
    y = Normalization.apply(input.reshape(n, c, length), _viewed(weight, (c, 1)),
                            _viewed(bias, (c, 1)), axes=(2,), eps=eps, stats=stats)
    if stats is not None and n > 0:
        update_running_stats(_raw(running_mean), _raw(running_var), stats["mean"].mean(axis=0)[:, 0],
                             stats["var"].mean(axis=0)[:, 0], length, momentum)      # (NF.5)
    return y.reshape(input.shape)


def _viewed(parameter, shape):
    return None if parameter is None else parameter.reshape(shape)


# ------------------------------------------------------ convolution and pooling (issue 11)
# The mathematics is in minigrad/ops/conv.py (CV.1-CV.8) and minigrad/ops/pool.py (PL.1-PL.7);
# the checks and PyTorch's messages in minigrad/nn/conv_arguments.py. Every function takes a
# batched (N, C, *I) input or one sample (C, *I), as PyTorch.

def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution over L: input (N, C, L), weight (F, C/groups, K), bias (F,) -> (N, F, L_out)."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution over H, W: input (N, C, H, W), weight (F, C/groups, kH, kW), bias (F,).

    stride, dilation: an int or (sH, sW); padding: an int, (pH, pW), 'valid' (0) or 'same'
    (output as large as the input; stride 1 only; an even kernel pads one more after).
    Returns (N, F, H_out, W_out), H_out = floor((H + 2 pH - dH (kH - 1) - 1) / sH) + 1.
    """
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """Convolution over D, H, W: input (N, C, D, H, W), weight (F, C/groups, kD, kH, kW)."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def _conv(d, input, weight, bias, stride, padding, dilation, groups):
    conv_arguments.check_rank(input, d, f"conv{d}d")
    x_dtype, w_dtype = np.dtype(input.dtype), np.dtype(weight.dtype)
    if x_dtype != w_dtype:
        raise RuntimeError(
            f"expected scalar type {legacy_name(x_dtype)} but found "
            f"{legacy_name(w_dtype)}: the input is {x_dtype.name} and the weight "
            f"{w_dtype.name}; convert the input (x.float()) or the layer (.double())")

    def run(x):
        args = conv_arguments.conv_arguments(x, weight, bias, stride, padding, dilation, groups)
        return ops.ConvNd.apply(x, weight, bias, **args)

    return _per_sample(d, input, run)


def _per_sample(d, input, fn):
    """fn on a batched input; one sample (C, *I) becomes a batch of one and loses it again."""
    if input.ndim == d + 2:
        return fn(input)
    y = fn(input.reshape((1,) + tuple(input.shape)))
    return y.reshape(tuple(y.shape[1:]))


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(1, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """The maximum of each window (PL.1); the gradient goes to the (first) maximum (PL.2).

    input (N, C, H, W); kernel_size, stride (default: kernel_size), padding (at most half the
    kernel, -inf), dilation: an int or a pair. ceil_mode: round the output size up, so the
    last, partial window is kept. Returns (N, C, H_out, W_out).
    """
    return _max_pool(2, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    return _max_pool(3, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)


def _max_pool(d, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    if return_indices:
        raise NotImplementedError(f"max_pool{d}d(return_indices=True) is not implemented in minigrad "
                                  "(there is no max_unpool): call it without return_indices")
    conv_arguments.check_pool_rank(input, d, f"max_pool{d}d")

    def run(x):
        kernel, step, pairs, dil, _ = conv_arguments.pool_arguments(x, kernel_size, stride, padding,
                                                                   dilation, ceil_mode)
        return ops.MaxPoolNd.apply(x, kernel=kernel, stride=step, padding=pairs, dilation=dil)

    return _per_sample(d, input, run)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    return _avg_pool(1, input, kernel_size, stride, padding, ceil_mode, count_include_pad, None)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each window (PL.3); the gradient is shared equally (PL.4).

    Arguments as max_pool2d (no dilation); padding is zeros. count_include_pad: divide by the
    whole kernel size even where the window covers padding (default), else by the number of
    input values it covers. divisor_override: divide every window by this number instead.
    """
    return _avg_pool(2, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    return _avg_pool(3, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def _avg_pool(d, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    conv_arguments.check_pool_rank(input, d, f"avg_pool{d}d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero: pass None to divide by the window size")

    def run(x):
        kernel, step, pairs, _, symmetric = conv_arguments.pool_arguments(x, kernel_size, stride, padding,
                                                                         1, ceil_mode)
        counted = tuple((p, p) if count_include_pad else (0, 0) for p in symmetric)
        return ops.AvgPoolNd.apply(x, kernel=kernel, stride=step, padding=pairs, counted=counted,
                                   divisor=divisor_override)

    return _per_sample(d, input, run)


def adaptive_avg_pool1d(input, output_size):
    return _adaptive(1, "avg", input, output_size)


def adaptive_avg_pool2d(input, output_size):
    """Average over windows chosen so the output is (N, C, *output_size) whatever the input's
    size (PL.5); output_size an int, a pair, or None for an axis to keep. (1, 1) is global
    average pooling."""
    return _adaptive(2, "avg", input, output_size)


def adaptive_avg_pool3d(input, output_size):
    return _adaptive(3, "avg", input, output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    return _adaptive(1, "max", input, output_size, return_indices)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """The maximum over PyTorch's adaptive windows (PL.7): output (N, C, *output_size)."""
    return _adaptive(2, "max", input, output_size, return_indices)


def adaptive_max_pool3d(input, output_size, return_indices=False):
    return _adaptive(3, "max", input, output_size, return_indices)


def _adaptive(d, kind, input, output_size, return_indices=False):
    name = f"adaptive_{kind}_pool{d}d"
    if return_indices:
        raise NotImplementedError(f"{name}(return_indices=True) is not implemented in minigrad: "
                                  "call it without return_indices")
    conv_arguments.check_pool_rank(input, d, name)
    op = ops.AdaptiveAvgPoolNd if kind == "avg" else ops.AdaptiveMaxPoolNd
    return _per_sample(d, input, lambda x: op.apply(
        x, output_size=conv_arguments.adaptive_output_size(x, output_size)))


def dropout2d(input, p=0.5, training=True):
    """Channel dropout, as ``torch.nn.functional.dropout2d``: zero whole channels (N, C, H, W)
    with probability p, scale the rest by 1 / (1 - p) (D.1); neighbouring pixels of a feature
    map are alike, so dropping single pixels would hardly remove any information."""
    return _feature_dropout(2, input, p, training)


def dropout3d(input, p=0.5, training=True):
    """Channel dropout of (N, C, D, H, W) (or one sample (C, D, H, W)), as dropout2d."""
    return _feature_dropout(3, input, p, training)


def _feature_dropout(d, input, p, training):
    validation.check_dropout_probability(p)
    if not training or p == 0:
        return input
    unbatched = input.ndim == d + 1 and d == 3        # PyTorch reads a 3-D input of dropout2d as (N, C, L)
    kept = tuple(input.shape[:1 if unbatched else 2])
    mask = default_generator().random(kept + (1,) * (input.ndim - len(kept))) < 1 - p
    return ops.Dropout.apply(input, p, mask)
