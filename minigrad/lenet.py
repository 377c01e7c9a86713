"""LeNet-5 on MNIST with and without BatchNorm2d/1d: the CNN counterpart of Figure 1.

The network is LeNet-5 as d2l's BatchNorm chapter writes it (LeCun et al., 1998, with
sigmoids and average pooling; Zhang et al., *Dive into Deep Learning*, section 8.5), on
(N, 1, 28, 28) images:

    conv1  Conv2d(1, 6, 5, padding=2)  -> [bn1 BatchNorm2d(6)]   -> sigmoid1 -> pool1 AvgPool2d(2)
    conv2  Conv2d(6, 16, 5)            -> [bn2 BatchNorm2d(16)]  -> sigmoid2 -> pool2 AvgPool2d(2)
    flatten (N, 16 * 5 * 5)
    fc1    Linear(400, 120)            -> [bn3 BatchNorm1d(120)] -> sigmoid3
    fc2    Linear(120, 84)             -> [bn4 BatchNorm1d(84)]  -> sigmoid4
    out    Linear(84, 10)

With BatchNorm, the layer before each BN has no bias (BN's bias takes its role, as in
:func:`minigrad.experiment.build_mlp`). BatchNorm2d normalises each channel over N, H and W
(n = N * H * W values), so every position of a feature map is treated alike, as the
convolution treats it; BatchNorm1d after fc1 and fc2 normalises each unit over the batch.

Fairness, as in experiment.py: both networks get the same initial weights for the layers they
share (PyTorch's default initialisation, drawn from one seed: every weight first, in layer
order, then the biases, the output layer's first) and see the same mini-batches in the same order.
Training and evaluation are experiment.py's (train, evaluate), the summary table is
reporting.py's; this module adds the network, the data layout and its figure.

    histories = compare(steps=2000)
    print(reporting.summary_table(histories))
    plot_lenet(histories, "out/lenet.png")

The builder's API (lenet_layers, build_lenet, same_start and the layer names) is stable: lessons and
other experiments build on it.
"""
from collections import OrderedDict

import numpy as np

from . import nn
from .data import load_mnist
from .experiment import LABELS, train
from .nn import init
from .random import manual_seed

CLASSES = 10
BATCH_SIZE = 64              # images per SGD step
EVAL_BATCH = 500             # images per forward pass when evaluating (the windows take memory)

# Plain SGD, the same rate for both networks: 1.0, d2l's rate for its BN LeNet. Measured (seed
# 0, batch 64, the first 2000 test images): at lr 1.0 over 3000 steps the network without BN
# stays at chance (10-12%) at every evaluation, while the one with BN reaches 96.5% by step 500
# and 97.9% at step 3000. With PyTorch's default initial weights, four sigmoids between the
# loss and conv1 shrink the gradient so much that the plain network does not leave chance in
# that time at lr 0.1, 0.5, 1 or 2 either (600-step runs); BN trains at all four.
LR = 1.0


def lenet_layers(nn_namespace=nn, batch_norm: bool = False) -> OrderedDict:
    """The layers of LeNet-5 (see the module docstring), as an OrderedDict name -> module.

    nn_namespace: the module namespace to build from, minigrad.nn (default) or torch.nn, so that
    the benchmark builds the very same network in both libraries. The layers keep their
    libraries' default initialisation; build_lenet re-draws it from a seed.
    """
    n = nn_namespace
    layers = OrderedDict()
    for i, (conv, channels) in enumerate(((n.Conv2d(1, 6, 5, padding=2, bias=not batch_norm), 6),
                                          (n.Conv2d(6, 16, 5, bias=not batch_norm), 16)), start=1):
        layers[f"conv{i}"] = conv
        if batch_norm:
            layers[f"bn{i}"] = n.BatchNorm2d(channels)
        layers[f"sigmoid{i}"] = n.Sigmoid()
        layers[f"pool{i}"] = n.AvgPool2d(2, 2)
    layers["flatten"] = n.Flatten()
    for i, (width, units) in enumerate(((16 * 5 * 5, 120), (120, 84)), start=3):
        layers[f"fc{i - 2}"] = n.Linear(width, units, bias=not batch_norm)
        if batch_norm:
            layers[f"bn{i}"] = n.BatchNorm1d(units)
        layers[f"sigmoid{i}"] = n.Sigmoid()
    layers["out"] = n.Linear(84, CLASSES)
    return layers


def build_lenet(batch_norm: bool, seed: int = 0) -> nn.Sequential:
    """LeNet-5 with or without BatchNorm, as an nn.Sequential with the named layers
      conv1, [bn1,] sigmoid1, pool1, conv2, [bn2,] sigmoid2, pool2, flatten,
      fc1, [bn3,] sigmoid3, fc2, [bn4,] sigmoid4, out
    mapping images (N, 1, 28, 28) to logits (N, 10).

    seed: seeds minigrad's generator, which then draws PyTorch's default initialisation
    (U(-1/sqrt(fan_in), 1/sqrt(fan_in))) for the weights of conv1, conv2, fc1, fc2 and out in
    that order, then the biases the network has, out's first. Two calls with the same seed, one
    with and one without batch_norm, give identical values to every parameter they share.
    """
    return same_start(nn.Sequential(lenet_layers(nn, batch_norm)), seed)


def same_start(model: nn.Sequential, seed: int) -> nn.Sequential:
    """Re-draw PyTorch's default initialisation of every Conv1d/2d/3d and Linear layer of
    ``model`` from ``seed``: all weights first, in layer order, then the biases, last layer
    first. A network with BatchNorm (whose layers before BN have no bias) and one without it
    then start from identical values for every parameter they share. Returns the model."""
    weighted = [m for m in model if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Conv3d, nn.Linear))]
    manual_seed(seed)
    for module in weighted:
        init.kaiming_uniform_(module.weight, a=np.sqrt(5))         # bound 1/sqrt(fan_in)
    for module in reversed(weighted):            # out first: both networks have its bias
        if module.bias is not None:
            bound = 1 / np.sqrt(init._fan_in_and_fan_out(module.weight)[0])
            init.uniform_(module.bias, -bound, bound)
    return model


def mnist_images(test_size: int = None):
    """(train_images, train_labels, test_images, test_labels) with images (N, 1, 28, 28) in
    [0, 1]; test_size: keep only the first test_size test images (None: all 10,000)."""
    train_x, train_y = load_mnist(train=True, flatten=False)
    test_x, test_y = load_mnist(train=False, flatten=False)
    return train_x, train_y, test_x[:test_size], test_y[:test_size]


def warm_allocator() -> None:
    """Allocate and free one 30 MiB block. glibc's malloc hands a freed block larger than its
    threshold back to the OS, and a conv net frees several arrays of megabytes every step
    (the im2col matrices, CV.3); faulting their pages in again made a LeNet step up to twice as
    slow. Freeing one large block raises the threshold for the process (benchmarks/bench.py
    does the same; see "Performance" in the README)."""
    block = np.ones(30 * 2 ** 17)       # 30 MiB of float64
    del block


def compare(steps: int = 2000, lr: float = LR, seed: int = 0, data_seed: int = 0,
            batch_size: int = BATCH_SIZE, eval_every: int = None, data=None, progress=None) -> dict:
    """Train LeNet-5 without and then with BatchNorm under equal conditions: the same initial
    weights (build_lenet with one seed), the same mini-batches (train with one data_seed),
    the same SGD rate. Inputs as experiment.train; data defaults to mnist_images().
    Returns {"plain": history, "bn": history}, the dicts of experiment.train."""
    data = data if data is not None else mnist_images()
    warm_allocator()
    histories = {}
    for key, batch_norm in (("plain", False), ("bn", True)):
        model = build_lenet(batch_norm, seed=seed)
        histories[key] = train(model, steps, lr=lr, eval_every=eval_every, batch_size=batch_size,
                               data_seed=data_seed, data=data, record_sigmoid_input=False,
                               label=LABELS[key], progress=progress, eval_batch=EVAL_BATCH)
    return histories


def lr_sweep(rates, steps: int, data=None, **compare_kwargs) -> dict:
    """compare() at every learning rate in ``rates``: {lr: {"plain": history, "bn": history}}.
    d2l's exercise: how large a rate does each network stand?"""
    data = data if data is not None else mnist_images()
    return {lr: compare(steps, lr=lr, data=data, **compare_kwargs) for lr in rates}


def plot_lenet(histories: dict, path=None):
    """(a) test accuracy and (b) training loss against training steps, without and with BN.

    Saves a PNG to ``path`` (its folder is created) if given; returns the matplotlib Figure.
    matplotlib is imported here, so the rest of minigrad needs only NumPy.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    for key, style in (("plain", "--"), ("bn", "-")):
        h = histories[key]
        axes[0].plot(h["steps"], h["test_acc"], style, label=LABELS[key])
        axes[1].plot(h["steps"][1:], h["train_loss"][1:], style, label=LABELS[key])
    axes[0].set_ylim(0.0, 1.0)
    axes[0].set_ylabel("test accuracy")
    axes[0].set_title(f"(a) LeNet-5 on MNIST, SGD lr {histories['bn']['lr']}: test accuracy")
    axes[1].set_ylabel("training loss (mean over the steps since the last point)")
    axes[1].set_title("(b) training loss")
    for ax in axes:
        ax.set_xlabel("training steps")
        ax.grid(alpha=0.3)
        ax.legend()
    if path is not None:
        from pathlib import Path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig
