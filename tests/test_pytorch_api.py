"""The PyTorch API course code reaches for (issue 12, part B): devices, dtypes, tensor methods,
activations, Embedding, losses, init and Module.to/apply. Properties, errors and reprs here;
the numbers against PyTorch are in test_pytorch_api_parity.py."""
import math
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F, init


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


# ------------------------------------------------------------------- devices
def test_device_names_parse_compare_and_print_as_pytorch():
    cpu = mg.device("cpu")
    assert repr(cpu) == "device(type='cpu')" and str(cpu) == "cpu" and cpu.type == "cpu" and cpu.index is None
    assert mg.device("cuda:1") == mg.device("cuda", 1) and repr(mg.device("cuda:1")) == "device(type='cuda', index=1)"
    assert cpu == mg.device(cpu) and hash(cpu) == hash(mg.device("cpu"))
    assert cpu != "cpu"                                       # as in PyTorch: a device is not a string
    with pytest.raises(RuntimeError, match="Expected one of cpu, cuda.*device string: gpu"):
        mg.device("gpu")
    with pytest.raises(AttributeError):
        cpu.type = "cuda"


def test_every_tensor_lives_on_the_cpu_and_moving_there_is_free():
    x = mg.randn(2, 3, requires_grad=True)
    assert x.device == mg.device("cpu") and not x.is_cuda
    assert x.to("cpu") is x and x.to(mg.device("cpu")) is x and x.cpu() is x and x.to(x) is x
    assert x.to("cpu", copy=True) is not x
    for made in (mg.zeros(2, device="cpu"), mg.tensor([1.0], device=mg.device("cpu")), mg.arange(3, device="cpu")):
        assert made.device == mg.device("cpu")


@pytest.mark.parametrize("make", [
    lambda: mg.zeros(2).cuda(), lambda: mg.zeros(2).to("cuda"), lambda: mg.zeros(2).to("cuda:0"),
    lambda: mg.zeros(2).to(0), lambda: mg.zeros(2, device="cuda"), lambda: mg.randn(2, device=mg.device("cuda")),
    lambda: mg.tensor([1.0], device="cuda"), lambda: nn.Linear(2, 2).cuda(), lambda: nn.Linear(2, 2).to("cuda"),
    lambda: nn.Linear(2, 2, device="cuda"), lambda: nn.BatchNorm1d(2, device="cuda"),
    lambda: nn.Embedding(3, 2, device="cuda"),
], ids=["cuda()", "to(cuda)", "to(cuda:0)", "to(0)", "zeros", "randn", "tensor", "Module.cuda", "Module.to",
        "Linear", "BatchNorm1d", "Embedding"])
def test_asking_for_cuda_says_minigrad_runs_on_the_cpu_and_what_to_write(make):
    with pytest.raises(AssertionError, match="not compiled with CUDA enabled.*on the CPU.*device='cpu'"):
        make()


def test_factories_show_device_in_their_signatures():
    import inspect
    for factory in (mg.zeros, mg.tensor, mg.randn, mg.arange, mg.zeros_like, mg.linspace):
        parameters = inspect.signature(factory).parameters
        assert parameters["device"].default is None and "dtype" in parameters


def test_mps_is_named_in_its_error():
    with pytest.raises(AssertionError, match="not compiled with MPS enabled"):
        mg.zeros(2).to("mps")


def test_no_accelerator_is_available():
    assert mg.cuda.is_available() is False and mg.cuda.device_count() == 0
    assert mg.backends.mps.is_available() is False and mg.backends.mps.is_built() is False
    assert mg.accelerator.is_available() is False and mg.accelerator.current_accelerator() is None
    mg.cuda.manual_seed_all(0)                                  # seeds nothing, as without CUDA
    mg.backends.cudnn.deterministic = True                      # course code sets these; harmless
    device = "cuda" if mg.cuda.is_available() else "cpu"
    assert nn.Linear(2, 3).to(device)(mg.randn(4, 2).to(device)).device == mg.device(device)


def test_cuda_errors_have_pytorch_types(torch):
    for make in (lambda lib: lib.zeros(2).cuda(), lambda lib: lib.zeros(2, device="cuda"),
                 lambda lib: lib.nn.Linear(2, 2).to("cuda")):
        with pytest.raises(AssertionError):
            make(torch)
        with pytest.raises(AssertionError):
            make(mg)


# ------------------------------------------------------------------- dtypes, to, type
def test_dtype_names_are_pytorchs_aliases():
    assert (mg.float, mg.double, mg.half, mg.long, mg.int, mg.short) == (
        mg.float32, mg.float64, mg.float16, mg.int64, mg.int32, mg.int16)
    x = mg.zeros(2, dtype=mg.bool)
    assert x.dtype == mg.bool and mg.zeros(2, dtype=mg.uint8).dtype == mg.uint8
    assert mg.zeros(2).dtype == mg.float32 and mg.zeros(2).dtype != mg.float64
    assert np.zeros(2, dtype=mg.long).dtype == np.int64       # they are NumPy's types too


def test_to_an_integer_dtype_leaves_the_graph_and_to_a_float_one_stays_in_it():
    x = mg.randn(3, requires_grad=True)
    assert x.to(mg.float64).grad_fn is not None and x.to(mg.float64).dtype == mg.float64
    as_int = x.to(mg.long)
    assert as_int.dtype == mg.int64 and not as_int.requires_grad
    x.to(dtype=mg.float64).sum().backward()
    assert x.grad.dtype == np.float32 and np.all(np.asarray(x.grad) == 1)


def test_type_names_and_conversions():
    x = mg.zeros(2)
    assert x.type() == "minigrad.FloatTensor" and x.long().type() == "minigrad.LongTensor"
    assert (x > 0).type() == "minigrad.BoolTensor"
    assert x.type("minigrad.DoubleTensor").dtype == mg.float64 and x.type("torch.LongTensor").dtype == mg.int64
    assert x.type(mg.float32) is x
    with pytest.raises(ValueError, match="invalid type: 'minigrad.FancyTensor'"):
        x.type("minigrad.FancyTensor")
    with pytest.raises(TypeError, match="unexpected keyword argument 'devic'"):
        x.to(devic="cpu")


def test_module_to_converts_floating_state_and_returns_the_module():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    assert model.to("cpu") is model and model.cpu() is model
    assert model.to(mg.float64) is model
    assert model[0].weight.dtype == mg.float64 and model[1].running_var.dtype == mg.float64
    assert model[1].num_batches_tracked.dtype == mg.int64                  # integer buffers keep theirs
    model.to(mg.zeros(1))                                                  # a tensor: its dtype
    assert model[0].weight.dtype == mg.float32
    model.to(device="cpu", dtype=mg.float64)
    assert model[0].bias.dtype == mg.float64
    with pytest.raises(TypeError, match="only accepts floating point or complex dtypes.*int64"):
        model.to(mg.long)


def test_module_apply_visits_children_first_then_the_module(torch):
    def order(lib):
        seen = []
        net = lib.nn.Sequential(lib.nn.Linear(2, 3), lib.nn.Sequential(lib.nn.ReLU(), lib.nn.Tanh()))
        assert net.apply(lambda m: seen.append(type(m).__name__)) is net
        return seen

    assert order(mg) == order(torch) == ["Linear", "ReLU", "Tanh", "Sequential", "Sequential"]


def test_module_apply_initialises_as_course_code_does():
    def init_weights(m):
        if isinstance(m, nn.Linear):
            init.xavier_uniform_(m.weight)
            init.zeros_(m.bias)

    mg.manual_seed(0)
    net = nn.Sequential(nn.Linear(30, 20), nn.ReLU(), nn.Linear(20, 10)).apply(init_weights)
    for layer in (net[0], net[2]):
        bound = math.sqrt(6 / sum(layer.weight.shape))
        assert np.abs(layer.weight.detach().numpy()).max() <= bound
        assert np.all(layer.bias.detach().numpy() == 0)


# ------------------------------------------------------------------- tensor methods
def test_keepdims_and_axis_are_accepted_wherever_keepdim_and_dim_are():
    x = mg.randn(3, 4)
    for reduce in (x.sum, x.mean, x.var, x.std, x.all, x.any):
        assert reduce(axis=1, keepdims=True).shape == (3, 1)
    assert x.max(axis=0, keepdims=True).values.shape == (1, 4)
    assert x.argmax(axis=1, keepdims=True).shape == (3, 1) and x.argmin(axis=0).shape == (4,)
    for reduce in (mg.sum, mg.mean, mg.all, mg.any):
        assert reduce(x, axis=0, keepdims=True).shape == (1, 4)
    assert x.softmax(axis=0).shape == (3, 4)


def test_shape_methods_match_their_definitions():
    x = mg.arange(12.0).reshape(3, 4)
    assert x.expand(2, 3, 4).shape == (2, 3, 4) and np.array_equal(x.expand(2, -1, -1)[1].numpy(), x.numpy())
    assert np.array_equal(x.repeat(2, 1).numpy(), np.tile(x.numpy(), (2, 1)))
    assert [c.shape for c in x.chunk(3, 1)] == [(3, 2), (3, 2)]              # ceil(4 / 3) = 2 each
    assert [c.shape for c in x.split(3, 1)] == [(3, 3), (3, 1)]
    assert np.array_equal(mg.cat(x.split([1, 2], 0)).numpy(), x.numpy())
    assert x.view_as(mg.zeros(6, 2)).shape == (6, 2)
    assert x.t().contiguous().is_contiguous() and not x.t().is_contiguous() and x.contiguous() is x


def test_repeat_sums_the_gradient_of_every_copy():
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    (x.repeat(3, 2) * mg.arange(12.0).reshape(3, 4)).sum().backward()
    # column j of x is copied to columns j and j + 2 of every row
    np.testing.assert_array_equal(np.asarray(x.grad), [[0 + 2 + 4 + 6 + 8 + 10, 1 + 3 + 5 + 7 + 9 + 11]])


def test_sort_and_topk_return_named_pairs_and_route_the_gradient():
    x = mg.tensor([[3.0, 1.0, 2.0]], requires_grad=True)
    values, indices = x.sort(descending=True)
    assert values.tolist() == [[3.0, 2.0, 1.0]] and indices.tolist() == [[0, 2, 1]]
    assert type(x.topk(2)).__name__ == "topk" and x.topk(2).indices.tolist() == [[0, 2]]
    (x.topk(2).values * mg.tensor([10.0, 1.0])).sum().backward()
    assert np.asarray(x.grad).tolist() == [[10.0, 0.0, 1.0]]
    assert mg.argsort(mg.tensor([2, 2, 1])).tolist() == [2, 0, 1]            # ties keep their order


def test_clamp_passes_the_gradient_inside_the_bounds_including_them():
    x = mg.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    x.clamp(-1, 1).sum().backward()
    assert np.asarray(x.grad).tolist() == [0, 1, 1, 1, 0]


def test_histc_counts_into_equal_bins_over_the_range():
    x = mg.tensor([1.0, 2.0, 1.0, 5.0])
    assert mg.histc(x, bins=4, min=0, max=3).tolist() == [0, 2, 1, 0]       # 5 is outside: ignored
    assert x.histc(bins=2).tolist() == [3, 1]                                # over [min, max] of the data
    hist, edges = mg.histogram(x, bins=2)
    assert hist.tolist() == [3, 1] and edges.tolist() == [1, 3, 5]


def test_inference_mode_as_block_and_decorator():
    x = mg.randn(2, requires_grad=True)
    with mg.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad

    @mg.inference_mode()
    def called():
        return (x * 2).requires_grad

    @mg.inference_mode
    def bare():
        return (x * 2).requires_grad

    assert called() is False and bare() is False and mg.is_grad_enabled()
    with mg.inference_mode(False):
        assert (x * 2).requires_grad


@pytest.mark.parametrize("call, error, message", [
    (lambda x: x.clamp(), RuntimeError, "At least one of 'min' or 'max'"),
    (lambda x: x.expand(3, 5), RuntimeError, "expanded size of the tensor \\(5\\) must match the existing size \\(4\\)"),
    (lambda x: x.expand(4), RuntimeError, "number of sizes provided \\(1\\) must be greater or equal"),
    (lambda x: x.repeat(2), RuntimeError, "Number of dimensions of repeat dims"),
    (lambda x: x.split([1, 1], 1), RuntimeError, "split_sizes to sum exactly to 4"),
    (lambda x: x.topk(5), RuntimeError, "selected index k out of range"),
    (lambda x: x.where(x, 0.0), RuntimeError, "where expected condition to be a boolean tensor"),
    (lambda x: x.long().histc(), NotImplementedError, "\"histc\" not implemented for 'Long'"),
], ids=["clamp", "expand", "expand-ndim", "repeat", "split", "topk", "where", "histc"])
def test_tensor_method_errors(call, error, message, torch):
    x = mg.randn(3, 4)
    with pytest.raises(error, match=message):
        call(x)
    with pytest.raises(error):                                   # the same error type as PyTorch
        call(torch.randn(3, 4))


# ------------------------------------------------------------------- layers
def test_new_modules_print_as_pytorchs(torch):
    for build in (lambda nn: nn.Embedding(10, 3), lambda nn: nn.Embedding(10, 3, padding_idx=-1),
                  lambda nn: nn.LeakyReLU(), lambda nn: nn.LeakyReLU(0.2, inplace=True), lambda nn: nn.GELU(),
                  lambda nn: nn.GELU("tanh"), lambda nn: nn.ELU(alpha=0.5), lambda nn: nn.SiLU(inplace=True),
                  lambda nn: nn.Softplus(beta=2), lambda nn: nn.Softmax(dim=1), lambda nn: nn.LogSoftmax(),
                  lambda nn: nn.ReLU(inplace=True), lambda nn: nn.Dropout(0.2, inplace=True),
                  lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1), lambda nn: nn.NLLLoss(), lambda nn: nn.BCELoss(),
                  lambda nn: nn.BCEWithLogitsLoss(), lambda nn: nn.L1Loss(), lambda nn: nn.SmoothL1Loss(beta=0.5)):
        assert repr(build(nn)) == repr(build(torch.nn))


def test_embedding_initialises_n01_and_keeps_the_padding_row_at_zero():
    mg.manual_seed(0)
    emb = nn.Embedding(2000, 50, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert w.dtype == np.float32 and np.all(w[3] == 0)
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    out = emb(mg.tensor([[3, 5], [5, 3]]))
    assert out.shape == (2, 2, 50)
    out.sum().backward()
    grad = np.asarray(emb.weight.grad)
    assert np.all(grad[3] == 0) and np.all(grad[5] == 2) and grad.sum() == 2 * 50
    assert list(emb.state_dict()) == ["weight"]


def test_embedding_module_matches_torch_from_the_same_table(torch):
    table = np.random.default_rng(0).standard_normal((6, 4)).astype(np.float32)
    index = np.array([[0, 2, 2], [5, 1, 2]])
    results = []
    for lib in (mg, torch):
        emb = lib.nn.Embedding(6, 4, padding_idx=2)
        emb.load_state_dict({"weight": lib.tensor(table)})
        out = emb(lib.tensor(index))
        (out * lib.arange(4.0)).sum().backward()
        results.append((out.detach().numpy(), np.asarray(emb.weight.grad)))
    (ours, our_grad), (theirs, their_grad) = results
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(our_grad, their_grad)
    assert np.all(our_grad[2] == 0) and np.all(our_grad[0] == np.arange(4.0))


def test_embedding_from_pretrained_is_frozen_unless_asked():
    table = mg.tensor([[1.0, 2.0], [3.0, 4.0]])
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen(mg.tensor([1])).tolist() == [[3.0, 4.0]]
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


@pytest.mark.parametrize("call, error, message", [
    (lambda lib: lib.nn.Embedding(4, 2)(lib.tensor([0.0, 1.0])), RuntimeError, "'indices' to have one of"),
    (lambda lib: lib.nn.Embedding(4, 2)(lib.tensor([4])), IndexError, "index out of range in self"),
    (lambda lib: lib.nn.Embedding(4, 2)(lib.tensor([-1])), IndexError, "index out of range in self"),
    (lambda lib: lib.nn.Embedding(4, 2, padding_idx=4), AssertionError, "Padding_idx must be within"),
    (lambda lib: lib.nn.functional.gelu(lib.zeros(2), approximate="fast"), RuntimeError,
     "approximate argument must be either none or tanh"),
    (lambda lib: lib.nn.functional.one_hot(lib.tensor([0.0])), RuntimeError, "only applicable to index tensor"),
    (lambda lib: lib.nn.functional.one_hot(lib.tensor([0, 3]), 3), RuntimeError, "smaller than num_classes"),
    (lambda lib: lib.nn.functional.one_hot(lib.tensor([-1])), RuntimeError, "must be non-negative"),
], ids=["float-indices", "index-range", "negative-index", "padding_idx", "gelu", "one_hot-float", "one_hot-large", "one_hot-neg"])
def test_layer_errors_match_pytorch(call, error, message, torch):
    with pytest.raises(error, match=message):
        call(mg)
    with pytest.raises(error):
        call(torch)


def test_softmax_without_dim_warns_and_picks_pytorchs_dim():
    x = mg.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.detach().numpy().sum(1), 1, rtol=1e-6)      # dim 1 for 2-d input
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        nn.LogSoftmax()(mg.randn(4))


def test_inplace_flags_leave_the_input_unchanged():
    x = mg.tensor([-1.0, 2.0])
    assert nn.ReLU(inplace=True)(x).tolist() == [0.0, 2.0] and x.tolist() == [-1.0, 2.0]


# ------------------------------------------------------------------- losses
def test_cross_entropy_options_reduce_to_the_plain_loss():
    x, t = mg.randn(6, 4), mg.tensor([0, 1, 2, 3, 0, 1])
    plain = F.cross_entropy(x, t).item()
    assert F.cross_entropy(x, t, weight=mg.ones(4)).item() == pytest.approx(plain, rel=1e-6)
    assert F.cross_entropy(x, t, ignore_index=7, label_smoothing=0.0).item() == pytest.approx(plain, rel=1e-6)
    assert F.nll_loss(F.log_softmax(x, 1), t).item() == pytest.approx(plain, rel=1e-6)


def test_label_smoothing_one_is_the_uniform_target():
    x, t = mg.randn(5, 3, dtype=mg.float64), mg.tensor([0, 1, 2, 0, 1])
    uniform = -F.log_softmax(x, 1).mean(1).mean().item()
    assert F.cross_entropy(x, t, label_smoothing=1.0).item() == pytest.approx(uniform, rel=1e-12)


def test_ignored_targets_get_no_gradient_and_all_ignored_is_nan():
    x = mg.randn(3, 4, requires_grad=True)
    F.cross_entropy(x, mg.tensor([1, -100, 2]), label_smoothing=0.2).backward()
    assert np.all(np.asarray(x.grad)[1] == 0)
    with np.errstate(invalid="ignore"):
        assert math.isnan(F.cross_entropy(mg.randn(2, 3), mg.tensor([-100, -100])).item())


def test_weighted_loss_modules_keep_weights_as_buffers(torch):
    for build in (lambda lib: lib.nn.CrossEntropyLoss(weight=lib.ones(3)),
                  lambda lib: lib.nn.NLLLoss(weight=lib.ones(3)), lambda lib: lib.nn.BCELoss(weight=lib.ones(3)),
                  lambda lib: lib.nn.BCEWithLogitsLoss(pos_weight=lib.ones(3))):
        assert list(build(mg).state_dict()) == list(build(torch).state_dict())


def test_legacy_size_average_and_reduce_map_to_reduction_with_a_warning():
    x, t = mg.randn(4, 3), mg.tensor([0, 1, 2, 0])
    with pytest.warns(UserWarning, match="please use reduction='sum'"):
        summed = F.cross_entropy(x, t, size_average=False)
    assert summed.item() == pytest.approx(F.cross_entropy(x, t, reduction="sum").item())
    with pytest.warns(UserWarning, match="reduction='none'"):
        assert nn.L1Loss(reduce=False)(x, x * 2).shape == (4, 3)


@pytest.mark.parametrize("call, error, message", [
    (lambda lib, F: F.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([1.0])), RuntimeError,
     "between 0 and 1.*binary_cross_entropy_with_logits"),
    (lambda lib, F: F.binary_cross_entropy(lib.rand(3, 1), lib.rand(3)), ValueError, "Using a target size"),
    (lambda lib, F: F.binary_cross_entropy_with_logits(lib.rand(3, 1), lib.rand(3)), ValueError,
     "must be the same as input size"),
    (lambda lib, F: F.cross_entropy(lib.randn(2, 3), lib.tensor([0, 1]), label_smoothing=1.5), RuntimeError,
     "label_smoothing must be between 0.0 and 1.0"),
    (lambda lib, F: F.cross_entropy(lib.randn(2, 3), lib.tensor([0, 1]), weight=lib.ones(2)), RuntimeError,
     "weight tensor should be defined either for all 3 classes"),
    (lambda lib, F: F.nll_loss(lib.randn(2, 3), lib.tensor([0, 3])), IndexError, "Target 3 is out of bounds"),
    (lambda lib, F: F.smooth_l1_loss(lib.randn(2), lib.randn(2), beta=-1.0), RuntimeError,
     "does not support negative values for beta"),
    (lambda lib, F: F.l1_loss(lib.randn(2), lib.randn(2), reduction="avg"), ValueError,
     "avg is not a valid value for reduction"),
], ids=["bce-range", "bce-size", "bce-logits-size", "smoothing", "weight", "nll-target", "beta", "reduction"])
def test_loss_errors_match_pytorch(call, error, message, torch):
    with pytest.raises(error, match=message):
        call(mg, F)
    with pytest.raises(error):
        call(torch, torch.nn.functional)


def test_bce_with_logits_is_stable_where_sigmoid_then_bce_saturates():
    x, y = mg.tensor([100.0, -100.0], requires_grad=True), mg.tensor([0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="sum")
    assert loss.item() == pytest.approx(200.0)
    loss.backward()
    np.testing.assert_allclose(np.asarray(x.grad), [1.0, -1.0])


# ------------------------------------------------------------------- init
@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None), ("leaky_relu", None),
    ("leaky_relu", 0.2), ("selu", None), ("conv_transpose1d", None)])
def test_calculate_gain_matches_pytorch(nonlinearity, param, torch):
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-12)


@pytest.mark.parametrize("fill, std, bound", [
    (lambda w: init.kaiming_normal_(w), math.sqrt(2 / 400), None),
    (lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu"), math.sqrt(2 / 300), None),
    (lambda w: init.kaiming_normal_(w, a=0.2, nonlinearity="leaky_relu"), math.sqrt(2 / 1.04 / 400), None),
    (lambda w: init.kaiming_uniform_(w, nonlinearity="tanh"), None, 5 / 3 * math.sqrt(3 / 400)),
    (lambda w: init.kaiming_uniform_(w, mode="fan_out"), None, math.sqrt(2) * math.sqrt(3 / 300)),
    (lambda w: init.xavier_uniform_(w, gain=2.0), None, 2 * math.sqrt(6 / 700)),
    (lambda w: init.xavier_normal_(w), math.sqrt(2 / 700), None),
    (lambda w: init.normal_(w, 0.0, 0.02), 0.02, None),
    (lambda w: init.uniform_(w, -0.3, 0.3), None, 0.3),
], ids=["kaiming_normal", "kaiming_normal_fan_out", "kaiming_normal_leaky", "kaiming_uniform_tanh",
        "kaiming_uniform_fan_out", "xavier_uniform", "xavier_normal", "normal", "uniform"])
def test_initialisers_have_pytorchs_spread(fill, std, bound):
    """A (300, 400) Linear weight: fan_in 400, fan_out 300. The sample std of 120000 draws is
    within 1% of the formula; a uniform's draws fill [-bound, bound]."""
    mg.manual_seed(0)
    w = nn.Linear(400, 300).weight
    assert fill(w) is w and w.requires_grad and w.grad_fn is None
    values = w.detach().numpy()
    if std is not None:
        assert abs(values.std() / std - 1) < 0.01
    if bound is not None:
        assert values.max() <= bound and values.min() >= -bound and values.max() > 0.99 * bound


def test_constant_ones_zeros():
    w = mg.zeros(2, 3)
    assert init.constant_(w, 0.5).tolist() == [[0.5] * 3] * 2
    assert init.ones_(w).tolist() == [[1.0] * 3] * 2 and init.zeros_(w).tolist() == [[0.0] * 3] * 2


@pytest.mark.parametrize("call, message", [
    (lambda lib: lib.nn.init.calculate_gain("swish"), "Unsupported nonlinearity swish"),
    (lambda lib: lib.nn.init.calculate_gain("leaky_relu", "a"), "negative_slope a not a valid number"),
    (lambda lib: lib.nn.init.kaiming_normal_(lib.zeros(3, 4), mode="fan"), "Mode fan not supported"),
    (lambda lib: lib.nn.init.xavier_normal_(lib.zeros(3)), "fewer than 2 dimensions"),
], ids=["nonlinearity", "slope", "mode", "1-d"])
def test_init_errors_match_pytorch(call, message, torch):
    with pytest.raises(ValueError, match=message):
        call(mg)
    with pytest.raises(ValueError, match=message):
        call(torch)


def test_kaiming_on_an_empty_tensor_warns_and_does_nothing():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        init.kaiming_normal_(mg.zeros(0, 3))
    assert "zero-element tensors is a no-op" in str(caught[0].message)
