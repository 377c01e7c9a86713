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

The summary table, the progress lines and the figure are in reporting.py.
"""
import math
import time
from collections import OrderedDict

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


def mlp_layers(nn_namespace=nn, batch_norm: bool = False, hidden: int = HIDDEN,
               depth: int = DEPTH) -> OrderedDict:
    """The layers of Figure 1's network, as an OrderedDict name -> module:
      fc1, [bn1,] sigmoid1, fc2, [bn2,] sigmoid2, ..., out

    nn_namespace: the module namespace to build from, minigrad.nn (default) or torch.nn, so that
    the benchmark builds the very same network in both libraries. With batch_norm, BatchNorm1d
    sits between every hidden Linear and its Sigmoid, and that Linear has no bias (BN's bias
    replaces it). The layers keep their library's default initialisation; build_mlp re-draws it.
    """
    n = nn_namespace
    layers = OrderedDict()
    width = IN_FEATURES
    for i in range(1, depth + 1):
        layers[f"fc{i}"] = n.Linear(width, hidden, bias=not batch_norm)
        if batch_norm:
            layers[f"bn{i}"] = n.BatchNorm1d(hidden)
        layers[f"sigmoid{i}"] = n.Sigmoid()
        width = hidden
    layers["out"] = n.Linear(width, CLASSES)
    return layers


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

    Returns an nn.Sequential with named layers (see mlp_layers)
      fc1, [bn1,] sigmoid1, fc2, [bn2,] sigmoid2, fc3, [bn3,] sigmoid3, out
    mapping images (N, 784) to logits (N, 10). Biases start at 0, BN's weight at 1.
    """
    model = nn.Sequential(mlp_layers(nn, batch_norm, hidden, depth))
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
          probe_size: int = PROBE_SIZE, label: str = "", progress=None,
          eval_batch: int = EVAL_BATCH) -> dict:
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
      label, step, steps, train_loss, test_acc, elapsed and eta (seconds); see
      reporting.print_progress
    - eval_batch: images per forward pass when evaluating (smaller for a conv net, whose
      windows take kernel-size times the memory of its input)

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
    batches = _batches(DataLoader(train_x, train_y, batch_size, shuffle=True, drop_last=True,
                                  seed=data_seed))
    probe = (test_x[:probe_size], last_sigmoid(model), probe_unit) if record_sigmoid_input else None
    log = _Log(model, test_x, test_y, eval_batch, probe, label, steps, progress)
    model.train()
    log.record(0, math.nan)
    losses, diverged = [], False
    for step in range(1, steps + 1):
        images, labels = next(batches)
        loss = F.cross_entropy(model(Tensor(images)), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        diverged = not math.isfinite(losses[-1])
        if step % eval_every == 0 or step == steps or diverged:
            log.record(step, sum(losses) / len(losses))     # the mean since the last evaluation
            losses = []
        if diverged:
            break
    return log.history(lr, diverged=step if diverged else None)


class _Log:
    """What train records at each evaluation, kept apart from the loop: the columns of the
    history, the time the evaluations took (so the training time excludes it), and the
    progress callback.

    probe: None, or (images, name of the Sigmoid layer, unit) for Figure 1 (b, c).
    """

    def __init__(self, model, test_x, test_y, eval_batch, probe, label, steps, progress):
        self.model, self.test_x, self.test_y, self.eval_batch = model, test_x, test_y, eval_batch
        self.probe, self.label, self.steps, self.progress = probe, label, steps, progress
        self.columns = {key: [] for key in ("steps", "test_acc", "test_loss", "train_loss", "sigmoid_input")}
        self.eval_seconds = 0.0
        self.start = time.perf_counter()

    def record(self, step, train_loss):
        """Evaluate the model after ``step`` steps and add a row to every column."""
        t0 = time.perf_counter()
        acc, test_loss = evaluate(self.model, self.test_x, self.test_y, self.eval_batch)
        row = dict(steps=step, test_acc=acc, test_loss=test_loss, train_loss=train_loss)
        if self.probe is not None:
            images, layer, unit = self.probe
            self.model.eval()
            with no_grad():
                u = sigmoid_input(self.model, images, layer)[:, unit]
            self.model.train()
            row["sigmoid_input"] = np.percentile(u, PERCENTILES)
        for key, value in row.items():
            self.columns[key].append(value)
        self.eval_seconds += time.perf_counter() - t0
        if self.progress is not None:
            elapsed = time.perf_counter() - self.start
            eta = elapsed / step * (self.steps - step) if step else math.nan
            self.progress(dict(label=self.label, step=step, steps=self.steps, train_loss=train_loss,
                               test_acc=acc, elapsed=elapsed, eta=eta))

    def history(self, lr, diverged) -> dict:
        """The dict train returns (see its docstring)."""
        train_seconds = time.perf_counter() - self.start - self.eval_seconds
        history = {key: np.array(values, dtype=np.int64 if key == "steps" else np.float64)
                   for key, values in self.columns.items()}
        history.update(label=self.label, lr=lr, train_seconds=train_seconds, eval_seconds=self.eval_seconds,
                       ms_per_step=1000 * train_seconds / max(self.columns["steps"][-1], 1),
                       diverged=diverged)
        return history


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
