"""An empty batch through BatchNorm1d/2d/3d, as PyTorch 2.13 handles it.

PyTorch 2.13 (checked live in the last test): the output is empty and shaped like the input,
running_mean and running_var are not touched, num_batches_tracked still counts the call in
training (not in eval), no warning is raised, and backward gives an empty dx and zero
gradients for weight and bias. Before this was matched, minigrad warned `invalid value
encountered in divide` and set the running statistics to NaN, so every later eval was NaN.
"""
import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

EMPTY = [(nn.BatchNorm1d, (0, 3)), (nn.BatchNorm1d, (0, 3, 4)), (nn.BatchNorm1d, (2, 3, 0)),
         (nn.BatchNorm2d, (0, 3, 2, 2)), (nn.BatchNorm2d, (2, 3, 0, 2)),
         (nn.BatchNorm3d, (0, 3, 1, 2, 2))]
IDS = [f"{cls.__name__}{shape}" for cls, shape in EMPTY]


def _layer(cls, momentum=0.1, **kwargs):
    layer = cls(3, momentum=momentum, **kwargs)
    if layer.running_mean is not None:
        layer.running_mean.data[...] = [0.5, -1.0, 2.0]
        layer.running_var.data[...] = [2.0, 0.5, 3.0]
    return layer


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("cls, shape", EMPTY, ids=IDS)
def test_empty_batch_gives_empty_output_and_leaves_the_statistics_alone(cls, shape, training, momentum):
    layer = _layer(cls, momentum).train(training)
    x = mg.randn(*shape, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")              # no "invalid value encountered in divide"
        y = layer(x)
        y.sum().backward()
    assert y.shape == shape and y.dtype == np.float32
    np.testing.assert_array_equal(np.asarray(layer.running_mean), [0.5, -1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(layer.running_var), [2.0, 0.5, 3.0])
    assert int(np.asarray(layer.num_batches_tracked)) == (1 if training else 0)
    assert np.asarray(x.grad).shape == shape
    np.testing.assert_array_equal(np.asarray(layer.weight.grad), np.zeros(3))
    np.testing.assert_array_equal(np.asarray(layer.bias.grad), np.zeros(3))


@pytest.mark.parametrize("kwargs", [dict(affine=False), dict(track_running_stats=False)],
                         ids=["affine=False", "track_running_stats=False"])
def test_empty_batch_without_affine_or_tracking(kwargs):
    layer = _layer(nn.BatchNorm1d, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert layer(mg.randn(0, 3)).shape == (0, 3)
        assert layer.eval()(mg.randn(0, 3)).shape == (0, 3)


def test_functional_batch_norm_on_an_empty_batch_keeps_the_running_statistics():
    running_mean, running_var = mg.zeros(3), mg.ones(3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = F.batch_norm(mg.randn(0, 3), running_mean, running_var, training=True)
    assert y.shape == (0, 3)
    np.testing.assert_array_equal(np.asarray(running_mean), np.zeros(3))
    np.testing.assert_array_equal(np.asarray(running_var), np.ones(3))


def test_the_layer_still_works_after_an_empty_batch():
    """What went wrong before: an empty batch in training made every later eval NaN."""
    layer = nn.BatchNorm1d(3)
    layer(mg.randn(0, 3))
    layer(mg.randn(8, 3))
    out = layer.eval()(mg.randn(4, 3))
    assert np.isfinite(out.detach().numpy()).all()


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("cls, shape", EMPTY, ids=IDS)
def test_empty_batch_matches_pytorch(cls, shape, momentum):
    """An empty batch, then a full one, in training, then eval: every number as PyTorch's."""
    torch = pytest.importorskip("torch")
    ours = _layer(cls, momentum)
    theirs = getattr(torch.nn, cls.__name__)(3, momentum=momentum)
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})
    full = np.random.default_rng(0).standard_normal((4,) + shape[1:] if shape[0] == 0 else
                                                     shape[:2] + (3,) * (len(shape) - 2))
    for batch in (np.zeros(shape, np.float32), full.astype(np.float32)):
        ours(mg.tensor(batch))
        theirs(torch.tensor(batch))
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(np.asarray(ours.state_dict()[key]), value.numpy(), rtol=1e-6,
                                   err_msg=key)
    x = full.astype(np.float32)
    np.testing.assert_allclose(ours.eval()(mg.tensor(x)).detach().numpy(),
                               theirs.eval()(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
