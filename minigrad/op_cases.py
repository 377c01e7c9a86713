"""The op cases minigrad is checked on, written once for two checks:

- ``python -m minigrad gradcheck`` runs every case in float64 through ``gradcheck``;
- the fixture scripts run every case on torch for golden values (tests/fixtures/
  make_core_fixtures.py: CORE; make_pytorch_api_fixtures.py: API), which
  tests/test_parity_core.py and tests/test_pytorch_api_parity.py replay on minigrad.

A case is ``(name, f(lib, F, *inputs), input specs)``: ``lib`` is the ``minigrad`` or the
``torch`` module and ``F`` its ``nn.functional``, so one line runs on both libraries. Inputs
come from ``np.random.default_rng`` seeded by the case's name (adding a case leaves the others
unchanged). An input spec is ``(kind, shape[, classes])``:
  "randn"    standard normal, requires grad
  "positive" |N(0, 1)| + 0.5 (for log, sqrt, division, a base of pow), requires grad
  "zeros"    standard normal with every third element exactly 0 (relu's kink), requires grad;
             gradcheck draws it as "randn": a central difference across a kink measures
             neither side's slope, while the golden values pin PyTorch's choice there
  "prob"     uniform in (0.1, 0.9), requires grad (a binary target)
  "target"   integer class indices in [0, classes), no grad
  "index"    integers in [0, classes), no grad (rows of an embedding)
  "ignored"  class indices with every third -100 (ignore_index), no grad
"""
import zlib

import numpy as np


def rng_for(name: str) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(name.encode()))


def make_input(rng, spec, dtype):
    """One input array of the spec ``(kind, shape[, classes])`` (see the module docstring)."""
    kind, shape = spec[0], spec[1]
    if kind in ("target", "index", "ignored"):
        target = rng.integers(0, spec[2], size=shape).astype(np.int64)
        if kind == "ignored":
            target[::3] = -100
        return target
    if kind == "prob":
        return rng.uniform(0.1, 0.9, shape).astype(dtype)
    x = rng.standard_normal(shape)
    if kind == "positive":
        x = np.abs(x) + 0.5
    elif kind == "zeros":
        x.reshape(-1)[::3] = 0.0
    return x.astype(dtype)


def op_inputs(name, specs, dtype):
    """The input arrays of the case ``name``, drawn from its own generator."""
    rng = rng_for(name)
    return [make_input(rng, spec, dtype) for spec in specs]


def R(*shape):
    return ("randn", shape)


def P(*shape):
    return ("positive", shape)


def PR(*shape):
    return ("prob", shape)


def T(n, classes):
    return ("target", (n,), classes)


def constant(lib, like, *values):
    """A constant weight tensor (no gradient) in the dtype of ``like``, as PyTorch requires."""
    return lib.tensor(values, dtype=like.dtype)


# ---------------------------------------------------------------- the engine's ops
# arithmetic with broadcasting, unary functions, matmul, reductions, shapes, linear, softmax
# and the two losses of the first lessons
CORE = [
    ("add", lambda lib, F, a, b: a + b, [R(3, 4), R(3, 4)]),
    ("add_bcast_row", lambda lib, F, a, b: a + b, [R(3, 4), R(4)]),
    ("add_bcast_both", lambda lib, F, a, b: a + b, [R(3, 1), R(1, 4)]),
    ("add_scalar_tensor", lambda lib, F, a, b: a + b, [R(), R(2, 3)]),
    ("add_python_number", lambda lib, F, a: 2.5 + a, [R(3, 4)]),
    ("sub_bcast", lambda lib, F, a, b: a - b, [R(2, 1, 4), R(3, 1)]),
    ("rsub_number", lambda lib, F, a: 1 - a, [R(3, 4)]),
    ("mul_bcast", lambda lib, F, a, b: a * b, [R(3, 4), R(3, 1)]),
    ("mul_bcast_3d", lambda lib, F, a, b: a * b, [R(2, 3, 4), R(4)]),
    ("div_bcast", lambda lib, F, a, b: a / b, [R(3, 4), P(4)]),
    ("rdiv_number", lambda lib, F, a: 1 / a, [P(3, 4)]),
    ("neg", lambda lib, F, a: -a, [R(3, 4)]),
    ("pow_int", lambda lib, F, a: a ** 3, [R(3, 4)]),
    ("pow_float", lambda lib, F, a: a ** 1.5, [P(3, 4)]),
    ("pow_tensor_bcast", lambda lib, F, a, b: a ** b, [P(3, 4), R(4)]),
    ("rpow_number", lambda lib, F, a: 2 ** a, [R(3, 4)]),
    ("sqrt", lambda lib, F, a: a.sqrt(), [P(3, 4)]),
    ("abs", lambda lib, F, a: a.abs(), [R(3, 4)]),
    ("exp", lambda lib, F, a: a.exp(), [R(3, 4)]),
    ("log", lambda lib, F, a: a.log(), [P(3, 4)]),
    ("relu", lambda lib, F, a: lib.relu(a), [("zeros", (4, 5))]),
    ("sigmoid", lambda lib, F, a: lib.sigmoid(a), [R(4, 5)]),
    ("tanh", lambda lib, F, a: lib.tanh(a), [R(4, 5)]),
    ("matmul", lambda lib, F, a, b: a @ b, [R(3, 4), R(4, 5)]),
    ("matmul_batched_bcast", lambda lib, F, a, b: lib.matmul(a, b), [R(2, 3, 4), R(4, 5)]),
    ("matmul_batched_both", lambda lib, F, a, b: a @ b, [R(2, 1, 3, 4), R(3, 4, 2)]),
    ("matmul_matrix_vector", lambda lib, F, a, b: a @ b, [R(3, 4), R(4)]),
    ("matmul_vector_matrix", lambda lib, F, a, b: a @ b, [R(4), R(4, 3)]),
    ("matmul_vector_vector", lambda lib, F, a, b: a @ b, [R(4), R(4)]),
    ("sum_all", lambda lib, F, a: a.sum(), [R(3, 4)]),
    ("sum_dim_keepdim", lambda lib, F, a: a.sum(1, keepdim=True), [R(3, 4, 2)]),
    ("sum_dims", lambda lib, F, a: a.sum((0, 2)), [R(3, 4, 2)]),
    ("mean_all", lambda lib, F, a: a.mean(), [R(3, 4)]),
    ("mean_dim", lambda lib, F, a: a.mean(-1), [R(3, 4, 2)]),
    ("mean_dims_keepdim", lambda lib, F, a: a.mean((0, 2), keepdim=True), [R(3, 4, 2)]),
    ("var_dim", lambda lib, F, a: a.var(1, keepdim=True), [R(3, 5)]),
    ("max_all", lambda lib, F, a: a.max(), [R(3, 4)]),
    ("reshape", lambda lib, F, a: a.reshape(4, 6), [R(2, 3, 4)]),
    ("flatten", lambda lib, F, a: a.flatten(1), [R(2, 3, 4)]),
    ("permute", lambda lib, F, a: a.permute(2, 0, 1), [R(2, 3, 4)]),
    ("transpose", lambda lib, F, a: a.transpose(0, 2), [R(2, 3, 4)]),
    ("t", lambda lib, F, a: a.t(), [R(3, 4)]),
    ("unsqueeze_squeeze", lambda lib, F, a: a.unsqueeze(1).squeeze(), [R(3, 4)]),
    ("index_slice", lambda lib, F, a: a[1:, ::2], [R(3, 4)]),
    ("index_repeated_rows", lambda lib, F, a: a[[0, 2, 0], 1:], [R(3, 4)]),
    ("cat", lambda lib, F, a, b: lib.cat([a, b], dim=1), [R(3, 4), R(3, 2)]),
    ("stack", lambda lib, F, a, b: lib.stack([a, b], dim=1), [R(3, 4), R(3, 4)]),
    ("double", lambda lib, F, a: a.double() * 3.0, [R(3, 4)]),
    ("linear", lambda lib, F, x, w, b: F.linear(x, w, b), [R(5, 4), R(3, 4), R(3)]),
    ("linear_3d_input", lambda lib, F, x, w, b: F.linear(x, w, b), [R(2, 5, 4), R(3, 4), R(3)]),
    ("linear_no_bias", lambda lib, F, x, w: F.linear(x, w), [R(5, 4), R(3, 4)]),
    ("log_softmax", lambda lib, F, a: F.log_softmax(a, dim=1), [R(4, 5)]),
    ("log_softmax_dim0", lambda lib, F, a: F.log_softmax(a, dim=0), [R(4, 5)]),
    ("softmax", lambda lib, F, a: F.softmax(a, dim=-1), [R(4, 5)]),
    ("cross_entropy_mean", lambda lib, F, a, t: F.cross_entropy(a, t), [R(6, 5), ("target", (6,), 5)]),
    ("cross_entropy_sum", lambda lib, F, a, t: F.cross_entropy(a, t, reduction="sum"),
     [R(6, 5), ("target", (6,), 5)]),
    ("cross_entropy_none", lambda lib, F, a, t: F.cross_entropy(a, t, reduction="none"),
     [R(6, 5), ("target", (6,), 5)]),
    ("cross_entropy_large_logits", lambda lib, F, a, t: F.cross_entropy(a * 1000.0, t),
     [R(4, 3), ("target", (4,), 3)]),
    ("CrossEntropyLoss", lambda lib, F, a, t: lib.nn.CrossEntropyLoss()(a, t), [R(6, 5), ("target", (6,), 5)]),
    ("mse_mean", lambda lib, F, a, b: F.mse_loss(a, b), [R(4, 3), R(4, 3)]),
    ("mse_sum", lambda lib, F, a, b: F.mse_loss(a, b, reduction="sum"), [R(4, 3), R(4, 3)]),
    ("mse_none", lambda lib, F, a, b: F.mse_loss(a, b, reduction="none"), [R(4, 3), R(4, 3)]),
    ("MSELoss", lambda lib, F, a, b: lib.nn.MSELoss()(a, b), [R(4, 3), R(4, 3)]),
    ("composite_mlp_expression",
     lambda lib, F, x, w, b: ((x @ w + b).tanh() * 2 - x.sum(1, keepdim=True)).exp().mean(),
     [R(5, 4), R(4, 3), R(3)]),
]


# ---------------------------------------------------------------- the PyTorch API course code reaches for
API = [
    # clamp, where, powers and logs
    ("clamp_numbers", lambda lib, F, a: a.clamp(-0.5, 0.5), [R(3, 4)]),
    ("clamp_min_only", lambda lib, F, a: lib.clamp(a, min=0.1), [R(3, 4)]),
    ("clip_max_only", lambda lib, F, a: a.clip(max=0.3), [R(3, 4)]),
    ("clamp_tensor_bounds", lambda lib, F, a, b: a.clamp(min=b, max=b + 1), [R(3, 4), R(4)]),
    ("where_tensors_bcast", lambda lib, F, a, b: lib.where(a > 0, a, b), [R(3, 4), R(4)]),
    ("where_number", lambda lib, F, a: lib.where(a > 0, a, 0.0), [R(3, 4)]),
    ("where_method", lambda lib, F, a, b: a.where(b > 0, b * 2), [R(3, 4), R(3, 4)]),
    ("pow_method", lambda lib, F, a: a.pow(3), [R(3, 4)]),
    ("pow_function", lambda lib, F, a: lib.pow(a, 2.5), [P(3, 4)]),
    ("pow_number_base", lambda lib, F, a: lib.pow(2.0, a), [R(3, 4)]),
    ("rsqrt", lambda lib, F, a: lib.rsqrt(a) + a.rsqrt(), [P(3, 4)]),
    ("log2_log10", lambda lib, F, a: a.log2() + lib.log10(a), [P(3, 4)]),
    ("abs_function", lambda lib, F, a: lib.abs(a), [R(3, 4)]),
    # softmax as methods and functions
    ("softmax_method", lambda lib, F, a: a.softmax(1), [R(4, 5)]),
    ("log_softmax_method", lambda lib, F, a: a.log_softmax(dim=0), [R(4, 5)]),
    ("softmax_function", lambda lib, F, a: lib.softmax(a, -1), [R(2, 3, 4)]),
    ("log_softmax_dtype", lambda lib, F, a: F.log_softmax(a, dim=1, dtype=lib.float64), [R(4, 5)]),
    # shapes
    ("view_as", lambda lib, F, a: a.view_as(lib.zeros(4, 3)), [R(3, 4)]),
    ("expand", lambda lib, F, a: a.expand(2, -1, 4), [R(3, 1)]),
    ("expand_as", lambda lib, F, a: a.expand_as(lib.zeros(3, 4)), [R(4)]),
    ("repeat", lambda lib, F, a: a.repeat(2, 1, 3), [R(3, 2)]),
    ("chunk", lambda lib, F, a: lib.stack([c.sum(1) for c in a.chunk(3, 1)]), [R(3, 4)]),
    ("chunk_function", lambda lib, F, a: lib.chunk(a, 2)[1] * 3, [R(5, 2)]),
    ("split_size", lambda lib, F, a: a.split(2)[-1] * 2, [R(5, 3)]),
    ("split_sections", lambda lib, F, a: lib.cat([s * (i + 1) for i, s in enumerate(a.split([1, 3], 1))], 1),
     [R(3, 4)]),
    ("contiguous", lambda lib, F, a: a.t().contiguous() * 2, [R(3, 4)]),
    ("type_dtype", lambda lib, F, a: a.type(lib.float64) * 2, [R(3, 4)]),
    ("to_dtype", lambda lib, F, a: a.to(lib.float64) * 3, [R(3, 4)]),
    ("to_device_and_dtype", lambda lib, F, a: a.to("cpu", lib.float64).cpu() * 3, [R(3, 4)]),
    ("to_other_tensor", lambda lib, F, a: a.to(lib.zeros(1, dtype=lib.float64)) * 3, [R(3, 4)]),
    # ordering
    ("sort_values", lambda lib, F, a: a.sort(1).values, [R(3, 4)]),
    ("sort_descending_dim0", lambda lib, F, a: lib.sort(a, 0, descending=True)[0], [R(3, 4)]),
    ("topk_values", lambda lib, F, a: a.topk(2, dim=1).values, [R(3, 5)]),
    ("topk_smallest_dim0", lambda lib, F, a: lib.topk(a, 2, 0, largest=False).values, [R(4, 3)]),
    # keepdims= and axis=, NumPy's names
    ("sum_keepdims", lambda lib, F, a: a.sum(axis=1, keepdims=True), [R(3, 4)]),
    ("mean_keepdims", lambda lib, F, a: lib.mean(a, axis=0, keepdims=True), [R(3, 4)]),
    ("max_keepdims", lambda lib, F, a: a.max(axis=1, keepdims=True).values, [R(3, 4)]),
    ("std_keepdims", lambda lib, F, a: a.std(axis=0, keepdims=True), [R(5, 4)]),
    ("var_keepdim", lambda lib, F, a: a.var(1, keepdim=True), [R(3, 4)]),
    # activations, functions and modules
    ("leaky_relu", lambda lib, F, a: F.leaky_relu(a, 0.1), [("zeros", (4, 5))]),
    ("LeakyReLU", lambda lib, F, a: lib.nn.LeakyReLU()(a), [R(4, 5)]),
    ("elu", lambda lib, F, a: F.elu(a, alpha=0.5), [R(4, 5)]),
    ("ELU", lambda lib, F, a: lib.nn.ELU()(a), [R(4, 5)]),
    ("gelu", lambda lib, F, a: F.gelu(a), [R(4, 5)]),
    ("gelu_tanh", lambda lib, F, a: F.gelu(a, approximate="tanh"), [R(4, 5)]),
    ("GELU_tanh", lambda lib, F, a: lib.nn.GELU("tanh")(a * 3), [R(4, 5)]),
    ("silu", lambda lib, F, a: F.silu(a), [R(4, 5)]),
    ("SiLU", lambda lib, F, a: lib.nn.SiLU()(a * 4), [R(4, 5)]),
    ("softplus", lambda lib, F, a: F.softplus(a), [R(4, 5)]),
    ("softplus_beta_threshold", lambda lib, F, a: F.softplus(a * 4, beta=2, threshold=3), [R(4, 5)]),
    ("Softplus_large", lambda lib, F, a: lib.nn.Softplus(beta=0.5)(a * 50), [R(4, 5)]),
    ("Softmax_module", lambda lib, F, a: lib.nn.Softmax(dim=1)(a), [R(4, 5)]),
    ("LogSoftmax_module", lambda lib, F, a: lib.nn.LogSoftmax(dim=0)(a), [R(4, 5)]),
    ("relu_inplace_flag", lambda lib, F, a: lib.nn.ReLU(inplace=False)(a) + F.relu(a), [("zeros", (4, 5))]),
    # embedding
    ("embedding", lambda lib, F, i, w: F.embedding(i, w), [("index", (2, 5), 6), R(6, 3)]),
    ("embedding_padding_idx", lambda lib, F, i, w: F.embedding(i, w, padding_idx=2), [("index", (4, 3), 5), R(5, 2)]),
    # negative log-likelihood and cross-entropy with PyTorch's options
    ("nll_loss", lambda lib, F, a, t: F.nll_loss(F.log_softmax(a, 1), t), [R(6, 4), T(6, 4)]),
    ("nll_loss_raw_input", lambda lib, F, a, t: F.nll_loss(a, t, reduction="sum"), [R(6, 4), T(6, 4)]),
    ("nll_loss_weight", lambda lib, F, a, t: F.nll_loss(a, t, weight=constant(lib, a, 0.5, 2.0, 1.0, 3.0)),
     [R(6, 4), T(6, 4)]),
    ("nll_loss_ignore_none", lambda lib, F, a, t: F.nll_loss(a, t, reduction="none"),
     [R(6, 4), ("ignored", (6,), 4)]),
    ("NLLLoss_weight_ignore", lambda lib, F, a, t: lib.nn.NLLLoss(weight=constant(lib, a, 1.0, 2.0, 0.5, 1.5))(
        F.log_softmax(a, 1), t), [R(6, 4), ("ignored", (6,), 4)]),
    ("cross_entropy_weight", lambda lib, F, a, t: F.cross_entropy(a, t, weight=constant(lib, a, 0.5, 2.0, 1.0, 3.0)),
     [R(6, 4), T(6, 4)]),
    ("cross_entropy_ignore_index", lambda lib, F, a, t: F.cross_entropy(a, t, ignore_index=-100),
     [R(6, 4), ("ignored", (6,), 4)]),
    ("cross_entropy_ignore_class", lambda lib, F, a, t: F.cross_entropy(a, t, ignore_index=1),
     [R(8, 3), T(8, 3)]),
    ("cross_entropy_label_smoothing", lambda lib, F, a, t: F.cross_entropy(a, t, label_smoothing=0.1),
     [R(6, 4), T(6, 4)]),
    ("cross_entropy_smoothing_sum", lambda lib, F, a, t: F.cross_entropy(a, t, label_smoothing=0.3,
                                                                         reduction="sum"), [R(6, 4), T(6, 4)]),
    ("cross_entropy_all_options", lambda lib, F, a, t: F.cross_entropy(
        a, t, weight=constant(lib, a, 0.5, 2.0, 1.0, 3.0), ignore_index=-100, label_smoothing=0.2),
     [R(6, 4), ("ignored", (6,), 4)]),
    ("cross_entropy_all_options_none", lambda lib, F, a, t: F.cross_entropy(
        a, t, weight=constant(lib, a, 0.5, 2.0, 1.0, 3.0), label_smoothing=0.2, reduction="none"),
     [R(6, 4), ("ignored", (6,), 4)]),
    ("CrossEntropyLoss_options", lambda lib, F, a, t: lib.nn.CrossEntropyLoss(
        weight=constant(lib, a, 1.0, 0.2, 3.0), label_smoothing=0.05)(a, t), [R(5, 3), T(5, 3)]),
    # binary cross-entropy
    ("bce", lambda lib, F, a, p: F.binary_cross_entropy(a.sigmoid(), p), [R(4, 3), PR(4, 3)]),
    ("bce_weight_sum", lambda lib, F, a, p: F.binary_cross_entropy(a.sigmoid(), p, weight=constant(lib, a, 1.0, 2.0, 0.5),
                                                                   reduction="sum"), [R(4, 3), PR(4, 3)]),
    # probabilities of exactly 0 and 1: each log is clamped to -100, as PyTorch does
    ("bce_clamped_logs", lambda lib, F, a, p: F.binary_cross_entropy(a.clamp(0, 1), p, reduction="none"),
     [R(4, 3), PR(4, 3)]),
    ("BCELoss", lambda lib, F, a, p: lib.nn.BCELoss()(a.sigmoid(), p), [R(5), PR(5)]),
    ("bce_with_logits", lambda lib, F, a, p: F.binary_cross_entropy_with_logits(a, p), [R(4, 3), PR(4, 3)]),
    ("bce_with_logits_pos_weight", lambda lib, F, a, p: F.binary_cross_entropy_with_logits(
        a, p, pos_weight=constant(lib, a, 3.0, 1.0, 0.5)), [R(4, 3), PR(4, 3)]),
    ("bce_with_logits_weights_none", lambda lib, F, a, p: F.binary_cross_entropy_with_logits(
        a * 20, p, weight=constant(lib, a, 2.0, 1.0, 0.5), pos_weight=constant(lib, a, 2.0, 1.0, 4.0), reduction="none"),
     [R(4, 3), PR(4, 3)]),
    ("BCEWithLogitsLoss_pos_weight", lambda lib, F, a, p: lib.nn.BCEWithLogitsLoss(
        pos_weight=constant(lib, a, 2.0))(a, p), [R(6, 1), PR(6, 1)]),
    # L1 and smooth L1
    ("l1_loss", lambda lib, F, a, b: F.l1_loss(a, b), [R(4, 3), R(4, 3)]),
    ("L1Loss_sum", lambda lib, F, a, b: lib.nn.L1Loss(reduction="sum")(a, b), [R(4, 3), R(4, 3)]),
    ("smooth_l1_loss", lambda lib, F, a, b: F.smooth_l1_loss(a * 2, b), [R(4, 3), R(4, 3)]),
    ("smooth_l1_loss_beta", lambda lib, F, a, b: F.smooth_l1_loss(a, b, beta=0.5, reduction="none"),
     [R(4, 3), R(4, 3)]),
    ("smooth_l1_loss_beta_zero", lambda lib, F, a, b: F.smooth_l1_loss(a, b, beta=0.0), [R(4, 3), R(4, 3)]),
    ("SmoothL1Loss_beta", lambda lib, F, a, b: lib.nn.SmoothL1Loss(beta=2.0)(a * 3, b), [R(4, 3), R(4, 3)]),
]


# Cases whose PyTorch gradient is not the slope central differences measure: the golden values
# check them, ``python -m minigrad gradcheck`` leaves them out.
NOT_FOR_GRADCHECK = {
    "bce_clamped_logs": "at p = 0 or 1 the gradient for the target is +-inf, as in PyTorch, while "
                        "the logs clamped at -100 give the loss a finite slope there",
}
