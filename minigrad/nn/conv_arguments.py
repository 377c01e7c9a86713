"""The arguments of convolution and pooling: turned into per-axis tuples and checked, with
PyTorch's error types and messages, each followed by what to change.

Kept apart from the mathematics (:mod:`minigrad.ops.conv`, :mod:`minigrad.ops.pool`), which
assumes valid arguments, and from ``functional``, whose functions call these in one line.
"""
import numpy as np

from ..tensor import _raw

LAYOUTS = {1: "(N, C, L)", 2: "(N, C, H, W)", 3: "(N, C, D, H, W)"}


def _size(shape):
    return "[" + ", ".join(map(str, shape)) + "]"


def ntuple(value, d, name="stride"):
    """An int or a sequence of d ints as a d-tuple (PyTorch's ``_ntuple``)."""
    if isinstance(value, (int, np.integer)):
        return (int(value),) * d
    value = tuple(int(v) for v in value)
    if len(value) != d:
        raise RuntimeError(
            f"expected {name} to be a single integer value or a list of {d} values to match the "
            f"convolution dimensions, but got {name}={list(value)}: give one int, or {d} ints "
            f"(one per spatial axis of {LAYOUTS[d]})")
    return value


def check_rank(input, d, name):
    """Batched (N, C, *I) or unbatched (C, *I) input for a d-dimensional layer; any other rank
    raises with PyTorch's message and names the layer that fits."""
    if input.ndim not in (d + 1, d + 2):
        fits = {3: "conv1d / Conv1d", 4: "conv2d / Conv2d", 5: "conv3d / Conv3d"}.get(input.ndim)
        hint = f"; for input with {input.ndim} dims use {fits}" if fits and name.startswith("conv") else ""
        raise RuntimeError(
            f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input of "
            f"size: {_size(input.shape)}: {name} takes {LAYOUTS[d]}, or one sample without N{hint}")


def conv_arguments(input, weight, bias, stride, padding, dilation, groups):
    """Check a batched convolution's operands; return the keyword arguments of ops.ConvNd
    (stride, padding as (lo, hi) pairs, dilation, groups)."""
    d = input.ndim - 2
    w, x = _raw(weight), _raw(input)
    name = f"Conv{d}d"
    if w.ndim != d + 2:
        raise RuntimeError(
            f"weight of size {_size(w.shape)} should have {d + 2} dimensions for conv{d}d: "
            f"(out_channels, in_channels / groups, {', '.join('k' * d)})")
    stride, dilation = ntuple(stride, d, "stride"), ntuple(dilation, d, "dilation")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported: groups must be 1 or more")
    if min(stride) <= 0:
        raise RuntimeError(f"non-positive stride is not supported (got stride={stride}): use 1 or more")
    if min(dilation) <= 0:
        raise RuntimeError(f"non-positive dilation is not supported (got dilation={dilation}): use 1 or more")
    kernel = w.shape[2:]
    pairs = _conv_padding(padding, kernel, stride, dilation)
    if w.shape[0] % groups:
        raise RuntimeError(
            f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size [{_size(w.shape)}] instead: out_channels must be a multiple of groups")
    if x.shape[1] != w.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_size(w.shape)}, expected input{_size(x.shape)} "
            f"to have {w.shape[1] * groups} channels, but got {x.shape[1]} channels instead: "
            f"in_channels must equal the input's axis 1 ({LAYOUTS[d]}): make this layer "
            f"{name}({x.shape[1]}, {w.shape[0]}, ...), or change the layer before it")
    if bias is not None and _raw(bias).shape != (w.shape[0],):
        raise RuntimeError(
            f"Given weight of size {_size(w.shape)}, expected bias to be 1-dimensional with "
            f"{w.shape[0]} elements, but got bias of size {_size(_raw(bias).shape)} instead")
    padded = [lo + n + hi for n, (lo, hi) in zip(x.shape[2:], pairs)]
    reach = [r * (k - 1) + 1 for k, r in zip(kernel, dilation)]
    if any(p < k for p, k in zip(padded, reach)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
            f"({' x '.join(map(str, reach))}). Kernel size can't be greater than actual input size: "
            "use a smaller kernel_size or dilation, more padding, or a larger input "
            "(an earlier pooling or strided layer may have shrunk it)")
    return dict(stride=stride, padding=pairs, dilation=dilation, groups=groups)


def _conv_padding(padding, kernel, stride, dilation):
    """padding as (lo, hi) per axis: an int or d ints (both sides), 'valid' (none) or 'same'
    (total r (k - 1), the extra one after for an even kernel, as PyTorch)."""
    d = len(kernel)
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * d
        if padding != "same":
            raise ValueError(f"Invalid padding string '{padding}', should be one of {{'valid', 'same'}}")
        if any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions: "
                               "use stride=1, or give the padding as a number")
        totals = [r * (k - 1) for k, r in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    padding = ntuple(padding, d, "padding")
    if min(padding) < 0:
        raise RuntimeError(f"negative padding is not supported (got padding={padding}): use 0 or more")
    return tuple((p, p) for p in padding)


def pool_arguments(input, kernel_size, stride, padding, dilation, ceil_mode):
    """Check a batched pooling's arguments; return (kernel, stride, padding pairs with
    ceil_mode's extra after the input, dilation, the symmetric padding)."""
    d = input.ndim - 2
    kernel = ntuple(kernel_size, d, "kernel_size")
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) \
        else ntuple(stride, d, "stride")
    padding, dilation = ntuple(padding, d, "padding"), ntuple(dilation, d, "dilation")
    if min(stride) == 0:
        raise RuntimeError("stride should not be zero: use 1 or more, or None (= kernel_size)")
    if min(kernel) <= 0 or min(dilation) <= 0:
        raise RuntimeError(f"kernel_size and dilation must be greater than zero, but got "
                           f"kernel_size={kernel} and dilation={dilation}")
    for p, k, r in zip(padding, kernel, dilation):
        if p > k // 2:
            raise RuntimeError(
                f"pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={r}: use padding <= kernel_size // 2")
    out = [_pool_output(n, k, s, p, r, ceil_mode)
           for n, k, s, p, r in zip(input.shape[2:], kernel, stride, padding, dilation)]
    if min(out) < 1:
        shape = "x".join(map(str, input.shape[1:]))
        raise RuntimeError(
            f"Given input size: ({shape}). Calculated output size: ({'x'.join(map(str, [input.shape[1]] + out))}). "
            "Output size is too small: use a smaller kernel_size, or padding, or a larger input")
    # ceil_mode: the last window may run past the padding; pad the rest after the input
    pairs = tuple((p, max(p, (o - 1) * s + r * (k - 1) + 1 - n - p))
                  for n, o, k, s, p, r in zip(input.shape[2:], out, kernel, stride, padding, dilation))
    return kernel, stride, pairs, dilation, padding


def _pool_output(n, k, s, p, r, ceil_mode):
    """PyTorch's pooling_output_shape: with ceil_mode the last window must start inside the
    input or its left padding."""
    span = n + 2 * p - r * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def check_pool_rank(input, d, name):
    if input.ndim not in (d + 1, d + 2) or 0 in input.shape[1:]:
        raise RuntimeError(
            f"{name}(): Expected {d + 1}D or {d + 2}D (batch mode) tensor, but got "
            f"{_size(input.shape)}: {name} takes {LAYOUTS[d]}, or one sample without N")


def adaptive_output_size(input, output_size):
    """output_size as a tuple for the spatial axes of input (N, C, *I); None keeps that axis."""
    d = input.ndim - 2
    size = ntuple(output_size, d, "output_size") if not isinstance(output_size, (tuple, list)) \
        else tuple(input.shape[2 + j] if o is None else int(o) for j, o in enumerate(output_size))
    if len(size) != d:
        raise RuntimeError(f"output_size must be {d} ints (one per spatial axis), got {output_size}")
    if min(size) < 1:
        raise RuntimeError(f"output_size must be positive, got {size}: give 1 or more per axis")
    return size
