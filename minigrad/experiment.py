"""Figure 1 of Ioffe & Szegedy (2015): an MNIST network trained with and without BatchNorm.

What the paper states (Section 4.1 and Figure 1 of arXiv:1502.03167):
- a 28x28 image as input; 3 fully connected hidden layers of 100 units, each computing
  y = g(W u + b) with the sigmoid g; the weights W start as small random Gaussian values;
- a fully connected output layer of 10 units (one per digit) and the cross-entropy loss;
- 50000 training steps with 60 examples per mini-batch;
- the batch-normalized network adds BN to each hidden layer, before the nonlinearity
  (Section 3.2: z = g(BN(W u)); the bias b is dropped, BN's beta takes its role);
- (a) plots test accuracy against training steps; (b, c) plot the 15th, 50th and 85th
  percentiles of the input to "a typical sigmoid" of the last hidden layer over training,
  without (b) and with (c) BN.

What we choose, since the paper does not say:
- pixels are grey levels in [0, 1] (the paper uses binary images);
- INIT_STD = 0.05 for every weight (biases start at 0); see the note at INIT_STD;
- plain SGD with LR = 0.25 for both networks; see the note at LR;
- the "typical sigmoid" is unit PROBE_UNIT of the last hidden layer, and its input is
  measured in eval mode on a fixed probe batch: the first PROBE_SIZE test images.

Fairness: both networks get the same initial weights for their shared layers (the same
seed draws W for fc1, fc2, fc3 and out, in that order) and see the same mini-batches in the
same order (the same DataLoader seed).

    histories = compare(steps=5000)
    print(summary_table(histories))
    plot_figure1(histories, "out/figure1.png")

Only NumPy is needed to import this module; plot_figure1 imports matplotlib when called.
"""
import math
import time

import numpy as np

from . import nn, optim
from .autograd import no_grad
from .data import DataLoader, load_mnist
from .nn import functional as F
from .nn import init
from .random import manual_seed
from .tensor import Tensor

IN_FEATURES = 28 * 28
HIDDEN = 100                 # units per hidden layer (paper)
DEPTH = 3                    # hidden layers (paper)
CLASSES = 10
BATCH_SIZE = 60              # examples per mini-batch (paper)
PAPER_STEPS = 50_000         # training steps (paper)
PERCENTILES = (15, 50, 85)   # of the sigmoid input, Figure 1 (b, c)

# "Small random Gaussian values" (paper); we take std 0.05. At step 0 the first layer's
# sigmoid inputs vary across images with a standard deviation of 0.05 * sqrt(52.7) = 0.36
# (52.7 is the sum of the 784 pixel variances of MNIST): no unit starts saturated. Each
# deeper layer shrinks that image-dependent spread about 8-fold: a sigmoid passes on at most
# 1/4 of it (its slope at 0), and 100 weights of std 0.05 multiply it by 0.05 * sqrt(100) =
# 0.5. Measured: 0.36, 0.043, 0.005 in layers 1, 2, 3 (lesson 05, section 3). So the last
# hidden layer starts almost blind to the image, and the plain network must first grow its
# weights before it learns anything but the class frequencies; BN rescales each layer's
# input to unit spread, so the very same weights train at once. That is the contrast of the
# paper's Figure 1. Measured (seed 0, LR 0.5, 5000 steps; test accuracy without / with BN):
#   std 0.01: 59.3% / 96.6%   std 0.05: 95.8% / 96.9%   std 0.1: 96.9% / 97.0%
#   std 1.0: 92.4% / 94.2% (large weights saturate the plain network's sigmoids)
# 0.01 makes the plain network stall for thousands of steps; with 0.1 it hardly needs BN.
INIT_STD = 0.05

# Plain SGD (no momentum), the same rate for both networks. Measured with INIT_STD 0.05,
# seed 0 (test accuracy without / with BN):
#   5000 steps:   lr 0.1: 79.8% / 96.3%   lr 0.5: 95.8% / 96.9%   lr 1: 96.4% / 97.3%
#                 lr 2: 97.0% / 97.3%
#   20000 steps:  lr 0.25: 96.9% / 98.0%, BN ahead at every evaluation from step 200 on
#                 (seeds 1 and 2 too, by at least 0.2 points after step 2000);
#                 lr 0.5: 97.4% / 97.9%, but behind at step 19600;
#                 lr 1: 97.5% / 97.8%, ahead only from step 6000 on
#   50000 steps:  lr 0.25: 97.5% / 98.2%, ahead at every evaluation from step 500 on
#   2000 steps:   lr 5, 10, 20: the plain network stalls at chance (~10%; its sigmoids
#                 saturate, nothing diverges), BN reaches 93-95%; at lr 50 both stall
# 0.25 is the largest rate at which BN led at every evaluation after the first few hundred
# steps: at larger rates the plain network closes the gap to within SGD's noise.
LR = 0.25

PROBE_UNIT = 0               # which sigmoid of the last hidden layer Figure 1 (b, c) follows
PROBE_SIZE = 1000            # test images the sigmoid input is measured on
EVAL_BATCH = 5000            # evaluation batch: large, since there is no graph to keep

LABELS = {"plain": "without BN", "bn": "with BN"}


def build_mlp(batch_norm: bool, init_std: float = INIT_STD, seed: int = 0,
              hidden: int = HIDDEN, depth: int = DEPTH) -> nn.Sequential:
    """The network of Figure 1, with or without BatchNorm.

    Inputs:
    - batch_norm: bool; True puts BatchNorm1d between every hidden Linear and its Sigmoid
      (Linear -> BatchNorm1d -> Sigmoid), and drops that Linear's bias (BN's bias replaces it)
    - init_std: float, standard deviation of the Gaussian every weight is drawn from
    - seed: int; seeds minigrad's global generator (manual_seed), which then draws the weights
      of fc1, fc2, ..., out in that order. Two calls with the same seed, one with and one
      without batch_norm, give identical weights to the layers they share.
    - hidden, depth: units per hidden layer and number of hidden layers (paper: 100 and 3)

    Returns an nn.Sequential with named layers
      fc1, [bn1,] sigmoid1, fc2, [bn2,] sigmoid2, fc3, [bn3,] sigmoid3, out
    mapping images (N, 784) to logits (N, 10). Biases start at 0, BN's weight at 1.
    """
    layers = {}
    width = IN_FEATURES
    for i in range(1, depth + 1):
        layers[f"fc{i}"] = nn.Linear(width, hidden, bias=not batch_norm)
        if batch_norm:
            layers[f"bn{i}"] = nn.BatchNorm1d(hidden)
        layers[f"sigmoid{i}"] = nn.Sigmoid()
        width = hidden
    layers["out"] = nn.Linear(width, CLASSES)
    model = nn.Sequential(layers)
    manual_seed(seed)
    for module in model:
        if isinstance(module, nn.Linear):
            init.normal_(module.weight, 0.0, init_std)
            if module.bias is not None:
                init.zeros_(module.bias)
    return model


def last_sigmoid(model: nn.Sequential) -> str:
    """Name of the last Sigmoid layer of a network made by build_mlp (e.g. "sigmoid3")."""
    return [name for name, module in model.named_children() if isinstance(module, nn.Sigmoid)][-1]


def sigmoid_input(model: nn.Sequential, x, layer: str = None) -> np.ndarray:
    """The input of one Sigmoid layer of ``model`` for the images x.

    Inputs:
    - model: an nn.Sequential from build_mlp (any mode; the caller picks train or eval)
    - x: array or Tensor of shape (N, 784)
    - layer: name of the Sigmoid layer; default: the last one (last_sigmoid(model))

    Returns an array of shape (N, hidden): for the plain network the output of the Linear
    before that sigmoid, for the BN network the output of the BatchNorm1d before it.
    """
    layer = layer or last_sigmoid(model)
    h = x if isinstance(x, Tensor) else Tensor(x)
    for name, module in model.named_children():
        if name == layer:
            return h.detach().numpy()
        h = module(h)
    raise KeyError(f"the model has no layer named {layer!r}")


def evaluate(model, images, labels, batch_size: int = EVAL_BATCH):
    """Accuracy and mean cross-entropy of ``model`` on (images, labels).

    Runs in eval mode (BN uses its running statistics) without recording a graph, in
    batches of ``batch_size``; the model's train/eval mode is restored afterwards.
    Inputs: images (N, 784) float32, labels (N,) int64. Returns (accuracy, loss), floats.
    """
    was_training = model.training
    model.eval()
    correct, loss_sum = 0, 0.0
    with no_grad():
        for start in range(0, len(images), batch_size):
            logits = model(Tensor(images[start:start + batch_size]))
            target = labels[start:start + batch_size]
            correct += int(np.count_nonzero(logits.argmax(1).numpy() == target))
            loss_sum += F.cross_entropy(logits, target, reduction="sum").item()
    model.train(was_training)
    return correct / len(images), loss_sum / len(images)


def mnist():
    """(train_images, train_labels, test_images, test_labels) from data/, see load_mnist."""
    return (*load_mnist(train=True), *load_mnist(train=False))


def _batches(loader):
    """Mini-batches of ``loader`` without end: a new shuffled epoch after each one."""
    while True:
        yield from loader


def train(model, steps: int, lr: float = LR, eval_every: int = None,
          batch_size: int = BATCH_SIZE, data_seed: int = 0, data=None,
          record_sigmoid_input: bool = True, probe_unit: int = PROBE_UNIT,
          probe_size: int = PROBE_SIZE, label: str = "", progress=None) -> dict:
    """Train ``model`` with plain SGD on MNIST and evaluate it on the test set as it learns.

    Inputs:
    - model: a network from build_mlp (any Module mapping (N, 784) to (N, 10) works when
      record_sigmoid_input is False)
    - steps: number of SGD steps (mini-batches)
    - lr: learning rate of SGD (no momentum, no weight decay)
    - eval_every: evaluate after every eval_every steps (and before the first and after the
      last); default steps // 100, at least 1
    - batch_size: examples per mini-batch (paper: 60)
    - data_seed: seed of the DataLoader: the same seed gives the same batches in the same order
    - data: (train_images, train_labels, test_images, test_labels); default mnist()
    - record_sigmoid_input: record Figure 1 (b, c): the PERCENTILES of the input of unit
      probe_unit of the last sigmoid, on the first probe_size test images, in eval mode
    - label: a name for this run, stored in the history and passed to progress
    - progress: None, or a function called after every evaluation with a dict holding
      label, step, steps, train_loss, test_acc, elapsed and eta (seconds); see print_progress

    Returns a history dict:
    - "label": label;  "lr": lr;  "steps": int array (E,) of the evaluated steps, 0 first
    - "test_acc", "test_loss": float arrays (E,), on the whole test set
    - "train_loss": float array (E,), mean mini-batch loss over the steps since the previous
      evaluation (nan at step 0)
    - "sigmoid_input": float array (E, 3), the 15th, 50th and 85th percentiles (if recorded)
    - "train_seconds", "eval_seconds": wall time spent training and evaluating
    - "ms_per_step": 1000 * train_seconds / steps trained
    - "diverged": the step at which the loss stopped being finite, or None. Training stops
      there (its last evaluation shows the broken network).
    """
    train_x, train_y, test_x, test_y = data if data is not None else mnist()
    eval_every = eval_every or max(1, steps // 100)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    loader = DataLoader(train_x, train_y, batch_size, shuffle=True, drop_last=True, seed=data_seed)
    probe = Tensor(test_x[:probe_size])
    layer = last_sigmoid(model) if record_sigmoid_input else None
    log = {"steps": [], "test_acc": [], "test_loss": [], "train_loss": [], "sigmoid_input": []}
    eval_seconds = 0.0
    start = time.perf_counter()

    def record(step, train_loss):
        nonlocal eval_seconds
        t0 = time.perf_counter()
        acc, test_loss = evaluate(model, test_x, test_y)
        log["steps"].append(step)
        log["test_acc"].append(acc)
        log["test_loss"].append(test_loss)
        log["train_loss"].append(train_loss)
        if layer is not None:
            model.eval()
            with no_grad():
                u = sigmoid_input(model, probe, layer)[:, probe_unit]
            model.train()
            log["sigmoid_input"].append(np.percentile(u, PERCENTILES))
        eval_seconds += time.perf_counter() - t0
        if progress is not None:
            elapsed = time.perf_counter() - start
            eta = elapsed / step * (steps - step) if step else math.nan
            progress(dict(label=label, step=step, steps=steps, train_loss=train_loss,
                          test_acc=acc, elapsed=elapsed, eta=eta))

    model.train()
    record(0, math.nan)
    batches = _batches(loader)
    loss_sum, loss_count, diverged = 0.0, 0, None
    for step in range(1, steps + 1):
        images, labels = next(batches)
        loss = F.cross_entropy(model(Tensor(images)), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        value = loss.item()
        loss_sum += value
        loss_count += 1
        if not math.isfinite(value):
            diverged = step
        if step % eval_every == 0 or step == steps or diverged:
            record(step, loss_sum / loss_count)
            loss_sum, loss_count = 0.0, 0
        if diverged:
            break
    train_seconds = time.perf_counter() - start - eval_seconds
    history = {key: np.array(values, dtype=np.int64 if key == "steps" else np.float64)
               for key, values in log.items()}
    history.update(label=label, lr=lr, train_seconds=train_seconds, eval_seconds=eval_seconds,
                   ms_per_step=1000 * train_seconds / max(log["steps"][-1], 1), diverged=diverged)
    return history


def print_progress(info: dict) -> None:
    """A progress callback for train: print one line, e.g.

      with BN     step  2000/20000  loss 0.2135  test acc  94.31%  elapsed   4.1 s  left ~  37 s
    """
    loss = "  --  " if math.isnan(info["train_loss"]) else f"{info['train_loss']:.4f}"
    left = "" if math.isnan(info["eta"]) else f"  left ~{info['eta']:4.0f} s"
    width = len(str(info["steps"]))
    print(f"{info['label']:<11} step {info['step']:>{width}}/{info['steps']}  loss {loss}  "
          f"test acc {100 * info['test_acc']:6.2f}%  elapsed {info['elapsed']:5.1f} s{left}",
          flush=True)


def progress_printer(lines: int = 10):
    """A progress callback for train that prints about ``lines`` lines per run (with
    print_progress): at step 0 and whenever another 1/lines of the steps is done."""
    printed = {}

    def show(info):
        part = info["step"] * lines // info["steps"]
        if printed.get(info["label"]) != part:
            printed[info["label"]] = part
            print_progress(info)

    return show


def compare(steps: int = 5000, lr: float = LR, init_std: float = INIT_STD, seed: int = 0,
            data_seed: int = 0, eval_every: int = None, data=None, progress=None,
            **train_kwargs) -> dict:
    """Train the network of Figure 1 without and then with BatchNorm, under equal conditions.

    Both networks start from the same weights (build_mlp with the same seed and init_std)
    and see the same mini-batches (train with the same data_seed), with the same SGD rate.
    Inputs: as build_mlp and train (train_kwargs are passed on to train).
    Returns {"plain": history, "bn": history}, each a dict returned by train.
    """
    data = data if data is not None else mnist()
    histories = {}
    for key, batch_norm in (("plain", False), ("bn", True)):
        model = build_mlp(batch_norm, init_std=init_std, seed=seed)
        histories[key] = train(model, steps, lr=lr, eval_every=eval_every, data_seed=data_seed,
                               data=data, label=LABELS[key], progress=progress, **train_kwargs)
    return histories


def bn_ahead_from(histories: dict):
    """The first evaluated step from which the BN network's test accuracy is higher than
    the plain network's at every later evaluation too; None if it is not ahead at the end."""
    plain, bn = histories["plain"], histories["bn"]
    n = min(len(plain["steps"]), len(bn["steps"]))
    ahead = bn["test_acc"][:n] > plain["test_acc"][:n]
    if not ahead[-1]:
        return None
    behind = np.flatnonzero(~ahead)
    return int(bn["steps"][behind[-1] + 1 if len(behind) else 0])


def _table_steps(steps: np.ndarray) -> list:
    """A few evaluated steps for the summary table: near 2%, 10%, 25%, 50% of the run."""
    picks = []
    for fraction in (0.02, 0.1, 0.25, 0.5):
        step = int(steps[np.argmin(np.abs(steps - fraction * steps[-1]))])
        if 0 < step < steps[-1] and step not in picks:
            picks.append(step)
    return picks


def summary_table(histories: dict) -> str:
    """A plain-text table comparing the two runs of compare().

    Rows: test accuracy at a few steps and at the end (without BN, with BN, and BN minus
    plain in percentage points), training time per step, and from which step on the BN
    network was ahead at every evaluation.
    """
    plain, bn = histories["plain"], histories["bn"]
    steps = plain["steps"]
    rows = [f"{'':<24}{'without BN':>12}{'with BN':>12}{'difference':>13}"]

    def acc_row(name, i):
        a, b = plain["test_acc"][i], bn["test_acc"][i]
        rows.append(f"{name:<24}{100 * a:>11.2f}%{100 * b:>11.2f}%{100 * (b - a):>+10.2f} pp")

    for step in _table_steps(steps):
        acc_row(f"test acc, step {step}", int(np.flatnonzero(steps == step)[0]))
    acc_row(f"test acc, final ({steps[-1]})", -1)
    rows.append(f"{'ms per training step':<24}{plain['ms_per_step']:>12.2f}{bn['ms_per_step']:>12.2f}")
    for key in ("plain", "bn"):
        if histories[key]["diverged"]:
            rows.append(f"{LABELS[key]} diverged at step {histories[key]['diverged']}")
    first = bn_ahead_from(histories)
    if first is None:
        rows.append("with BN is NOT ahead at the last evaluation")
    else:
        later = int(np.count_nonzero(steps >= first))
        rows.append(f"with BN ahead at every evaluation from step {first} on "
                    f"({later} of {len(steps)} evaluations)")
    return "\n".join(rows)


def plot_figure1(histories: dict, path=None):
    """Draw Figure 1 (a)-(c) of the paper from the histories of compare().

    (a) test accuracy against training steps, both networks; (b, c) the 15th, 50th and 85th
    percentiles of the input to the followed sigmoid of the last hidden layer, without (b)
    and with (c) BN, on a shared vertical axis so their spreads can be compared.
    Saves a PNG to ``path`` (its folder is created) if given; returns the matplotlib Figure.
    matplotlib is imported here, so the rest of minigrad needs only NumPy.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    fig, axes = plt.subplots(1, 3, figsize=(14, 4), constrained_layout=True)
    ax = axes[0]
    for key, style in (("plain", "--"), ("bn", "-")):
        h = histories[key]
        ax.plot(h["steps"], h["test_acc"], style, label=LABELS[key])
    # start the axis where the curves become informative: the first evaluations of a slow
    # network sit near chance (10%) and would flatten the rest of the plot
    late = np.concatenate([h["test_acc"][len(h["test_acc"]) // 10:] for h in histories.values()])
    ax.set_ylim(max(0.0, min(late.min(), 0.9) - 0.02), 1.0)
    ax.set_ylabel("test accuracy")
    ax.set_title("(a) test accuracy")
    ax.legend(loc="lower right")
    for ax, key, letter in ((axes[1], "plain", "b"), (axes[2], "bn", "c")):
        h = histories[key]
        for column, p in enumerate(PERCENTILES):
            # the 15th and 85th are drawn alike, so they share one legend entry
            label = {15: "15th and 85th percentiles", 50: "50th percentile"}.get(p, "_nolegend_")
            ax.plot(h["steps"], h["sigmoid_input"][:, column], color="C0" if key == "plain" else "C1",
                    lw=2.0 if p == 50 else 1.0, label=label)
        ax.set_title(f"({letter}) {LABELS[key]}: input of a last-layer sigmoid")
    axes[1].sharey(axes[2])
    low, high = axes[1].get_ylim()
    axes[1].set_ylim(low, high + 0.3 * (high - low))      # room for the legends above the lines
    axes[1].set_ylabel("sigmoid input (15th, 50th, 85th percentiles)")
    for ax in axes:
        ax.set_xlabel("training steps")
        ax.xaxis.set_major_locator(MaxNLocator(6, steps=[1, 2, 2.5, 5, 10], integer=True))
        ax.grid(alpha=0.3)
    for ax in axes[1:]:
        ax.legend(loc="upper center", ncol=2, fontsize="small")
    if path is not None:
        from pathlib import Path
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=110)
    return fig
