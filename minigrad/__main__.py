"""Command line: ``python -m minigrad demo | gradcheck | assignments OUT_DIR``.

``demo`` reproduces Figure 1 of Ioffe & Szegedy (2015): it trains the MNIST network of
:mod:`minigrad.experiment` without and then with BatchNorm, prints its progress and a
summary table, and writes the figure (default ``out/figure1.png``).
``demo --model lenet`` does the same for LeNet-5 with and without BatchNorm2d/1d
(:mod:`minigrad.lenet`) and writes ``out/lenet.png``, next to Figure 1.

``gradcheck`` runs every op and layer through :func:`minigrad.gradcheck` in float64 on
broadcasting shapes and prints one row each (name, max relative error, verdict), then a
summary line ("204 checks: 204 ok"); the exit status is 1 when a check fails.

``assignments OUT_DIR`` writes the student and instructor versions of the lessons
(:mod:`minigrad.assignments`).
"""
import argparse
import math
import sys

import numpy as np

import minigrad as mg
from minigrad import assignments, experiment, lenet, nn, op_cases, reporting
from minigrad.nn import functional as F
from minigrad.nn.batchnorm_variants import LpBatchNorm1d, NoisyBatchNorm1d


_rng = np.random.default_rng(0)


def _x(*shape, positive=False):
    data = _rng.standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    return mg.tensor(data, requires_grad=True)


def _embedding_case():
    """An Embedding's table: the indices are fixed, the gradient goes to the rows they pick."""
    module = nn.Embedding(5, 3, dtype=np.float64)
    index = mg.tensor([[1, 4], [4, 0]])
    return (lambda weight: module(index)), (module.weight,)


def _module_case(module, *shape):
    """Check a module's input and every parameter: f(x, *params) = module(x)."""
    module = module.double()
    params = list(module.parameters())

    def run(x, *_):
        return module(x)

    return run, (_x(*shape), *params)


def _batchnorm_case(module, training, *shape):
    """A BatchNorm layer with random weight, bias and running statistics, in train or eval mode."""
    c = module.num_features
    module.weight.data[...] = 1 + 0.5 * _rng.standard_normal(c)
    module.bias.data[...] = _rng.standard_normal(c)
    module.running_mean.data[...] = _rng.standard_normal(c)
    module.running_var.data[...] = _rng.uniform(0.5, 2, c)
    return _module_case(module.train(training), *shape)


def _randomized(module):
    """Random weight and bias (where the module has them), so that a gradient that ignores
    them, or mixes up their axes, cannot pass."""
    for p in module.parameters():
        p._data[...] = 1 + 0.5 * _rng.standard_normal(p.shape)
    return module


def _renorm_case(module, *shape):
    """Batch Renormalization in training, with running statistics far enough from the batch's
    that r and d sit on their clips (NF.6): there r and d are constant, so the layer is the
    differentiable function its backward describes (elsewhere they are held constant on
    purpose, and finite differences would see them move). The statistics are restored before
    every call, since each call updates them."""
    c = module.num_features
    running_mean, running_var = 30 + _rng.standard_normal(c), _rng.uniform(20, 30, c)
    module = _randomized(module.double())

    def run(x, *_):
        module.running_mean._data[...], module.running_var._data[...] = running_mean, running_var
        return module(x)

    return run, (_x(*shape), *module.parameters())


def _same_mask(func):
    """Seed before every call, so each call draws the same dropout mask: gradcheck evaluates
    func many times, and a new mask each time would be a different function."""
    def run(*inputs):
        mg.manual_seed(0)
        return func(*inputs)

    return run


def _seeded_module_case(module, *shape):
    """_module_case for a module that draws random numbers: the same draw at every call."""
    run, inputs = _module_case(module, *shape)
    return _same_mask(run), inputs


def _table_case(name, func, specs):
    """A case of minigrad/op_cases.py as a builder: its inputs drawn from its specs in float64,
    a "zeros" input as "randn" (a central difference across relu's kink measures neither
    side's slope; the PyTorch fixtures check the kink)."""
    specs = [("randn", *spec[1:]) if spec[0] == "zeros" else spec for spec in specs]

    def build():
        arrays = op_cases.op_inputs(name, specs, "float64")
        return (lambda *xs: func(mg, F, *xs)), tuple(mg.tensor(x, requires_grad=x.dtype.kind == "f")
                                                      for x in arrays)

    return build


# (name, builder) -> builder() returns (func, inputs); inputs are float64 and require grad.
# First every op case of minigrad/op_cases.py (the tables the PyTorch fixtures replay), then
# the layers and what those tables do not hold.
CASES = [(name, _table_case(name, func, specs)) for name, func, specs in op_cases.CORE + op_cases.API
         if name not in op_cases.NOT_FOR_GRADCHECK] + [
    ("min (axis)", lambda: (lambda a: a.min(0).values, (_x(3, 4),))),
    ("clone", lambda: (lambda a: a.clone() * a, (_x(3, 4),))),
    ("dropout (train, seeded mask)", lambda: (_same_mask(lambda a: F.dropout(a, p=0.3)), (_x(3, 4),))),
    ("Linear", lambda: _module_case(nn.Linear(4, 3), 5, 4)),
    ("ReLU, Sigmoid, Tanh (modules)", lambda: _module_case(
        nn.Sequential(nn.ReLU(), nn.Sigmoid(), nn.Tanh()), 3, 4)),
    ("Flatten", lambda: _module_case(nn.Flatten(), 2, 3, 4)),
    ("Dropout (train, seeded mask)", lambda: (_same_mask(nn.Dropout(0.5)), (_x(4, 5),))),
    ("Dropout (eval)", lambda: _module_case(nn.Dropout().eval(), 3, 4)),
    ("Identity", lambda: _module_case(nn.Identity(), 3, 4)),
    ("Sequential(Linear, Tanh, Linear)", lambda: _module_case(
        nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)), 5, 4)),
    ("BatchNorm1d (train)", lambda: _batchnorm_case(nn.BatchNorm1d(3), True, 4, 3, 2)),
    ("BatchNorm1d (eval)", lambda: _batchnorm_case(nn.BatchNorm1d(3), False, 4, 3, 2)),
    ("BatchNorm2d (train)", lambda: _batchnorm_case(nn.BatchNorm2d(3), True, 3, 3, 2, 2)),
    ("BatchNorm2d (eval)", lambda: _batchnorm_case(nn.BatchNorm2d(3), False, 3, 3, 2, 2)),
    ("BatchNorm3d (train)", lambda: _batchnorm_case(nn.BatchNorm3d(3), True, 2, 3, 2, 2, 2)),
    ("BatchNorm3d (eval)", lambda: _batchnorm_case(nn.BatchNorm3d(3), False, 2, 3, 2, 2, 2)),
    # the layers course code reaches for
    ("Embedding", _embedding_case),
    ("NoisyBatchNorm1d (train, seeded)", lambda: _seeded_module_case(NoisyBatchNorm1d(3), 5, 3)),
    ("LpBatchNorm1d (p = 1)", lambda: _module_case(LpBatchNorm1d(3, p=1), 6, 3)),
    ("LpBatchNorm1d (p = inf)", lambda: _module_case(LpBatchNorm1d(3, p=math.inf), 6, 3)),
    # convolution and pooling: stride, padding, dilation and groups in 1d, 2d and 3d
    ("conv1d (stride, pad, dil., groups)", lambda: (
        lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2, groups=2),
        (_x(2, 4, 9), _x(4, 2, 3), _x(4)))),
    ("conv2d (non-square, stride > kernel)", lambda: (
        lambda x, w, b: F.conv2d(x, w, b, stride=(3, 2), padding=(1, 0)), (_x(2, 2, 7, 6), _x(3, 2, 2, 1), _x(3)))),
    ("conv2d ('same', even kernel, dil.)", lambda: (
        lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(1, 2)), (_x(2, 2, 5, 6), _x(3, 2, 2, 3), _x(3)))),
    ("conv2d (depthwise)", lambda: (lambda x, w: F.conv2d(x, w, padding=1, groups=3), (_x(2, 3, 5, 5), _x(3, 1, 3, 3)))),
    ("conv3d (stride, pad, dil., groups)", lambda: (
        lambda x, w, b: F.conv3d(x, w, b, stride=(1, 2, 1), padding=(1, 0, 1), dilation=(2, 1, 1), groups=2),
        (_x(1, 4, 5, 5, 4), _x(2, 2, 2, 2, 2), _x(2)))),
    ("Conv2d", lambda: _module_case(nn.Conv2d(2, 4, 3, stride=2, padding=1), 2, 2, 6, 6)),
    ("max_pool1d (pad, dil., ceil_mode)", lambda: (
        lambda x: F.max_pool1d(x, 3, 2, padding=1, dilation=2, ceil_mode=True), (_x(2, 2, 10),))),
    ("max_pool2d (overlapping, padded)", lambda: (lambda x: F.max_pool2d(x, 3, 2, padding=1), (_x(2, 2, 7, 7),))),
    ("max_pool3d", lambda: (lambda x: F.max_pool3d(x, 2), (_x(1, 2, 4, 4, 4),))),
    ("avg_pool1d (count_include_pad=False)", lambda: (
        lambda x: F.avg_pool1d(x, 4, 3, padding=2, ceil_mode=True, count_include_pad=False), (_x(2, 2, 10),))),
    ("avg_pool2d (padded, ceil_mode)", lambda: (
        lambda x: F.avg_pool2d(x, (3, 2), 2, padding=1, ceil_mode=True), (_x(2, 2, 7, 8),))),
    ("avg_pool3d", lambda: (lambda x: F.avg_pool3d(x, (2, 1, 2)), (_x(1, 2, 4, 3, 4),))),
    ("adaptive_avg_pool2d (uneven)", lambda: (lambda x: F.adaptive_avg_pool2d(x, (3, 4)), (_x(2, 2, 7, 9),))),
    ("adaptive_max_pool2d (uneven)", lambda: (lambda x: F.adaptive_max_pool2d(x, (3, 4)), (_x(2, 2, 7, 9),))),
    ("Dropout2d (train, seeded mask)", lambda: (_same_mask(nn.Dropout2d(0.5)), (_x(4, 3, 2, 2),))),
    ("layer_norm (functional)", lambda: (lambda a, w, b: F.layer_norm(a, (4,), w, b), (_x(3, 4), _x(4), _x(4)))),
    ("group_norm (functional)", lambda: (lambda a, w, b: F.group_norm(a, 2, w, b), (_x(3, 4, 2), _x(4), _x(4)))),
    ("instance_norm (functional)", lambda: (lambda a, w, b: F.instance_norm(a, weight=w, bias=b),
                                            (_x(2, 3, 4), _x(3), _x(3)))),
    ("rms_norm (functional)", lambda: (lambda a, w: F.rms_norm(a, (4,), w), (_x(3, 4), _x(4)))),
    ("LayerNorm (last axis)", lambda: _module_case(_randomized(nn.LayerNorm(4)), 3, 4)),
    ("LayerNorm (last two axes)", lambda: _module_case(_randomized(nn.LayerNorm((3, 4))), 2, 3, 3, 4)),
    ("LayerNorm (no affine)", lambda: _module_case(nn.LayerNorm(4, elementwise_affine=False), 3, 4)),
    ("RMSNorm", lambda: _module_case(_randomized(nn.RMSNorm((2, 3))), 4, 2, 3)),
    ("RMSNorm (no weight)", lambda: _module_case(nn.RMSNorm(5, elementwise_affine=False), 3, 5)),
    ("GroupNorm (N, C)", lambda: _module_case(_randomized(nn.GroupNorm(2, 6)), 3, 6)),
    ("GroupNorm (N, C, L)", lambda: _module_case(_randomized(nn.GroupNorm(2, 4)), 2, 4, 3)),
    ("GroupNorm (N, C, H, W)", lambda: _module_case(_randomized(nn.GroupNorm(3, 6)), 2, 6, 2, 2)),
    ("GroupNorm (N, C, D, H, W)", lambda: _module_case(_randomized(nn.GroupNorm(1, 2)), 2, 2, 2, 2, 2)),
    ("InstanceNorm1d (affine)", lambda: _module_case(_randomized(nn.InstanceNorm1d(3, affine=True)), 2, 3, 4)),
    ("InstanceNorm1d (unbatched)", lambda: _module_case(nn.InstanceNorm1d(3), 3, 4)),
    ("InstanceNorm2d (affine)", lambda: _module_case(_randomized(nn.InstanceNorm2d(3, affine=True)), 2, 3, 2, 3)),
    ("InstanceNorm3d (tracked, eval)", lambda: _batchnorm_case(
        nn.InstanceNorm3d(3, affine=True, track_running_stats=True), False, 2, 3, 2, 2, 2)),
    ("BatchRenorm1d (train, r, d clipped)", lambda: _renorm_case(nn.BatchRenorm1d(3), 5, 3)),
    ("BatchRenorm2d (train, r, d clipped)", lambda: _renorm_case(nn.BatchRenorm2d(3), 3, 3, 2, 2)),
    ("BatchRenorm3d (eval)", lambda: _batchnorm_case(nn.BatchRenorm3d(3), False, 2, 3, 2, 2, 2)),
    ("GhostBatchNorm1d (train, 8 = 3+3+2)", lambda: _batchnorm_case(nn.GhostBatchNorm1d(3, 3), True, 8, 3, 2)),
    ("GhostBatchNorm2d (train, 5 = 2+2+1)", lambda: _batchnorm_case(nn.GhostBatchNorm2d(3, 2), True, 5, 3, 2, 2)),
    ("GhostBatchNorm3d (train, 4 = 2+2)", lambda: _batchnorm_case(nn.GhostBatchNorm3d(3, 2), True, 4, 3, 2, 1, 2)),
]


def run_gradchecks(cases=CASES, out=None) -> bool:
    """Print a row per case (to ``out``, default stdout) and a summary line ("204 checks: 204 ok",
    or "204 checks: 202 ok, 2 failed"); return True when every case passes.

    A case whose forward or backward raises is a failure too: its row says what was raised.
    """
    out = sys.stdout if out is None else out
    global _rng
    _rng = np.random.default_rng(0)
    mg.manual_seed(0)
    print(f"{'op / layer':<36} {'max rel err':>12}  verdict", file=out)
    print("-" * 58, file=out)
    failed = 0
    for name, build in cases:
        try:
            func, inputs = build()
            error = f"{mg.gradcheck_report(func, inputs).max_rel_error():>12.2e}"
            ok = mg.gradcheck(func, inputs, raise_exception=False)
            verdict = "ok" if ok else "FAIL"
        except Exception as exc:  # a crash in the op under test is a verdict, not a traceback
            error, ok, verdict = f"{'-':>12}", False, f"FAIL ({type(exc).__name__}: {exc})"
        failed += not ok
        print(f"{name:<36} {error}  {verdict}", file=out)
    print("-" * 58, file=out)
    print(f"{len(cases)} checks: {len(cases) - failed} ok" + (f", {failed} failed" if failed else ""), file=out)
    return failed == 0


# both networks in one to two minutes on a 2-core laptop; --steps 50000 is the paper's run
DEMO_STEPS = 30_000


def run_demo(steps: int, out: str, lr: float, init_std: float, seed: int, eval_every=None) -> int:
    """Train the Figure 1 network without and with BN, print the table, write the figure."""
    mg.set_num_threads(1)          # small matrices: one BLAS thread is faster (minigrad/threads.py)
    print(f"MNIST, 3 hidden layers of 100 sigmoids, batches of {experiment.BATCH_SIZE}, "
          f"plain SGD lr {lr}, weights ~ N(0, {init_std}^2), seed {seed}: "
          f"{steps} steps without BN, then {steps} steps with BN", flush=True)
    histories = experiment.compare(steps=steps, lr=lr, init_std=init_std, seed=seed,
                                   eval_every=eval_every, progress=reporting.progress_printer(10))
    print()
    print(reporting.summary_table(histories))
    return _draw(reporting.plot_figure1, histories, out)


# LeNet: about 15 ms per step per network at batch 64 on one core
LENET_STEPS = 3000
LENET_TEST_SIZE = 2000          # test images per evaluation (the first ones)


def run_lenet_demo(steps: int, out: str, lr: float, seed: int, eval_every=None) -> int:
    """Train LeNet-5 without and with BN, print the table, write the figure."""
    print(f"MNIST, LeNet-5 (sigmoid, average pooling), batches of {lenet.BATCH_SIZE}, plain SGD lr {lr}, "
          f"seed {seed}: {steps} steps without BN, then {steps} steps with BatchNorm2d/1d; "
          f"test accuracy on the first {LENET_TEST_SIZE} test images", flush=True)
    histories = lenet.compare(steps=steps, lr=lr, seed=seed, eval_every=eval_every or max(1, steps // 30),
                              data=lenet.mnist_images(LENET_TEST_SIZE),
                              progress=reporting.progress_printer(10))
    print()
    print(reporting.summary_table(histories))
    return _draw(lenet.plot_lenet, histories, out)


def _draw(plot, histories, out) -> int:
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed, so no figure was drawn (pip install matplotlib)")
        return 0
    matplotlib.use("Agg")          # files only: never open a window
    import matplotlib.pyplot as plt
    plt.close(plot(histories, out))
    print(f"figure written to {out}")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minigrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("gradcheck", help="gradient-check every op and layer in float64")
    demo = sub.add_parser("demo", help="train the MNIST network with and without BatchNorm "
                                        "and draw Figure 1 of Ioffe & Szegedy (2015)")
    demo.add_argument("--model", choices=("mlp", "lenet"), default="mlp",
                      help="mlp: the paper's Figure 1 network (default); lenet: LeNet-5 with and "
                           "without BatchNorm2d/1d (minigrad/lenet.py)")
    demo.add_argument("--steps", type=int, default=None,
                      help=f"SGD steps per network (default {DEMO_STEPS} for mlp, the paper ran 50000; "
                           f"{LENET_STEPS} for lenet)")
    demo.add_argument("--out", default=None,
                      help="where to write the figure (PNG; default out/figure1.png, or out/lenet.png)")
    demo.add_argument("--lr", type=float, default=None,
                      help=f"SGD learning rate (default {experiment.LR} for mlp, {lenet.LR} for lenet)")
    demo.add_argument("--init-std", type=float, default=experiment.INIT_STD,
                      help=f"mlp only: std of the initial Gaussian weights (default {experiment.INIT_STD})")
    demo.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    demo.add_argument("--eval-every", type=int, default=None,
                      help="steps between evaluations on the test set (default steps // 100)")
    course = sub.add_parser("assignments", help="write the student and instructor versions of "
                                                "the lessons to OUT_DIR (new or empty)")
    course.add_argument("out_dir", metavar="OUT_DIR")
    args = parser.parse_args(argv)
    if args.command == "assignments":
        return assignments.main(args.out_dir)
    if args.command == "gradcheck":
        return 0 if run_gradchecks() else 1
    if args.model == "lenet":
        return run_lenet_demo(args.steps or LENET_STEPS, args.out or "out/lenet.png",
                              lenet.LR if args.lr is None else args.lr, args.seed, args.eval_every)
    return run_demo(args.steps or DEMO_STEPS, args.out or "out/figure1.png",
                    experiment.LR if args.lr is None else args.lr, args.init_std, args.seed, args.eval_every)


if __name__ == "__main__":
    sys.exit(main())
