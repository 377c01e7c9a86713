"""Time minigrad against PyTorch CPU and print one table (see benchmarks/README.md).

    python benchmarks/bench.py                      # one thread each, 15 repetitions
    python benchmarks/bench.py --threads default    # the libraries' own thread counts
    python benchmarks/bench.py --quick --repeat 1   # a smoke run of a few seconds
    python benchmarks/bench.py --only 3 --only lenet   # chosen workloads (by number or name)

Both libraries run in this one process. Each workload is warmed up, then timed in blocks
of calls that alternate minigrad, PyTorch, minigrad, ...; a block's time divided by its
number of calls is one sample, and the table gives the median sample. ratio = minigrad /
PyTorch, so below 1 minigrad is faster. Inputs are float32, random, seeded.
"""
import argparse
import gc
import os
import platform
import statistics
import sys
import time
import tracemalloc
import weakref
from pathlib import Path

# the variables that BLAS and OpenMP read once, when NumPy or torch is first imported
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {1: 1.0, "2-small": 1.0, "2-large": 1.2, 3: 1.5, 6: 2.0, 7: 1.5, 8: 1.5}   # ratio at most this
# (number, name for --only, the Bench method that times it), in the order of a full run
WORKLOADS = (("1", "mlp", "training_step"), ("2", "seed-net", "seed_net"),
             ("3", "batchnorm", "batchnorm_alone"), ("4", "bn-backward", "backward_variants"),
             ("5", "memory", "memory"), ("6", "conv", "convolution"), ("7", "lenet", "lenet_step"),
             ("8", "norm-family", "family_alone"))
COMPOSED_OVER_CLOSED = 2.0                                   # workload 4: speed-up at least this
MEMORY_STEPS = 100                                           # workload 5: steps traced


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed blocks per library and workload")
    parser.add_argument("--threads", choices=("1", "default"), default="1",
                        help="'1' pins NumPy's BLAS and torch to one thread; 'default' leaves them alone")
    parser.add_argument("--quick", action="store_true", help="short blocks and warm-up (a smoke run)")
    parser.add_argument("--cold-malloc", action="store_true",
                        help="skip the allocator warm-up (see warm_allocator)")
    parser.add_argument("--only", action="append", metavar="NAME",
                        choices=[name for number, name, _ in WORKLOADS] + [number for number, _, _ in WORKLOADS],
                        help="run only this workload, by number or name (repeatable): "
                             + ", ".join(f"{number} {name}" for number, name, _ in WORKLOADS)
                             + "; default: all, in that order")
    return parser.parse_args(argv)


def pin_threads(threads: str) -> None:
    """Must run before NumPy and torch are imported: BLAS reads these variables only then."""
    if threads == "1":
        for name in THREAD_VARIABLES:
            os.environ[name] = "1"


def warm_allocator(np) -> None:
    """Allocate and free one 30 MiB block, once, before any workload.

    glibc's malloc returns freed memory to the OS whenever more than twice the largest block
    freed so far sits unused at the top of its heap. A step that frees a few arrays of 1 MiB
    then gives pages back every step and faults them in again on the next (about 2 us per
    4 KiB page on these virtual machines), and a workload's time depends on what the process
    freed before it (PyTorch's own allocations raise the limit too). Freeing one large block
    first raises it for the whole process, for both libraries alike, so every workload sees
    the same steady state. The block is larger than any array a workload frees (the largest:
    the im2col matrix of LeNet's first convolution at batch 256, 20 MiB) and below glibc's
    32 MiB ceiling for this limit. ``--cold-malloc`` skips this, to show the difference.
    """
    block = np.ones(30 * 2 ** 17)       # 30 MiB of float64
    del block


# ---------------------------------------------------------------------------- timing
def _per_call(fn, calls):
    """Seconds per call of fn: the wall time, or the sum of what fn returns if it returns
    numbers (a step that times only a part of itself, see ``backward_only``)."""
    start, parts = time.perf_counter(), 0.0
    for _ in range(calls):
        part = fn()
        parts += part or 0.0
    return (parts or time.perf_counter() - start) / calls


def backward_only(forward, grad):
    """A step that runs ``forward()`` untimed and returns the seconds of ``.backward(grad)``."""
    def step():
        out = forward()
        start = time.perf_counter()
        out.backward(grad)
        return time.perf_counter() - start
    return step


def compare(mg_fn, pt_fn, repeat, block_seconds):
    """Median seconds per call of mg_fn and of pt_fn (None where pt_fn is None).

    Both are warmed up, then timed in alternating blocks so that a slow spell of the
    machine lands on both; a block holds enough calls to last about block_seconds.
    """
    fns = [fn for fn in (mg_fn, pt_fn) if fn is not None]
    calls = []
    for fn in fns:
        for _ in range(3):                                          # warm-up: caches, allocator
            fn()
        start = time.perf_counter()
        fn()
        once = time.perf_counter() - start
        calls.append(max(1, int(block_seconds / max(once, 1e-7))))
        _per_call(fn, calls[-1])                                    # warm-up: one full block
    samples = [[] for _ in fns]
    for r in range(repeat):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            samples[i].append(_per_call(fns[i], calls[i]))
    medians = [statistics.median(s) for s in samples]
    return medians[0], (medians[1] if pt_fn is not None else None)


# ---------------------------------------------------------------------------- workloads
def mnist_mlp(nn, batch_norm):
    """The paper's MNIST network as minigrad/experiment.py builds it (784-100-100-100-10,
    sigmoid, BatchNorm before each sigmoid), from the namespace ``nn`` of either library."""
    from minigrad.experiment import mlp_layers

    return nn.Sequential(mlp_layers(nn, batch_norm))


def seed_net_class(library):
    """The seed example's Net class (fc1 -> bn1 -> relu -> fc2), as lessons/seed_net.py
    writes it, on "minigrad" or "torch"."""
    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    from seed_net_source import load_seed_net

    return load_seed_net(library)


def copy_weights(mg_model, pt_model, torch):
    """Give the PyTorch model minigrad's initial weights, so both compute the same numbers."""
    state = {k: torch.from_numpy(v.numpy()) for k, v in mg_model.state_dict().items()}
    pt_model.load_state_dict(state)


class Bench:
    def __init__(self, args):
        import numpy as np

        import minigrad
        import minigrad.nn.functional as F
        from minigrad import nn

        self.np, self.mg, self.nn, self.F = np, minigrad, nn, F
        self.repeat = args.repeat
        self.cold_malloc = args.cold_malloc
        self.one_thread = args.threads == "1"        # the ratio targets are for one thread
        self.block = 0.002 if args.quick else 0.04
        try:
            import torch
        except ImportError:
            torch = None
        self.torch = torch
        if torch is not None and args.threads == "1":
            torch.set_num_threads(1)
        self.rng = np.random.default_rng(0)
        self.rows = []          # (workload, minigrad, pytorch, ratio, target)

    # ------------------------------------------------------------------ helpers
    def randn(self, *shape):
        return self.rng.standard_normal(shape, dtype=self.np.float32)

    def row(self, name, mg_seconds, pt_seconds, limit=None, target=""):
        """A timing row; with ``limit``, the target column says whether ratio <= limit."""
        ratio = mg_seconds / pt_seconds if pt_seconds else None
        if limit is not None:
            verdict = ratio is not None and self.one_thread
            target = f"<= {limit}" + (f": {_met(ratio <= limit)}" if verdict else " with one thread")
        self.rows.append((name, _time(mg_seconds), _time(pt_seconds), _ratio(ratio), target))

    # ------------------------------------------------------------------ 1. MNIST step
    def training_step(self):
        x, y = self.rng.random((60, 784), dtype=self.np.float32), self.rng.integers(0, 10, 60)
        for batch_norm in (False, True):
            self.row(f"1. MNIST MLP train step, batch 60, {'BN' if batch_norm else 'no BN'}",
                     *compare(*self.sgd_steps(lambda nn: mnist_mlp(nn, batch_norm), x, y),
                              self.repeat, self.block), limit=TARGETS[1])

    def sgd_steps(self, build, x, y):
        """(minigrad step, PyTorch step or None): one SGD step on the cross-entropy of the
        network build(nn) on (x, y); PyTorch's copy starts from minigrad's initial weights."""
        mg, F, torch = self.mg, self.F, self.torch
        mg.manual_seed(0)
        model = build(self.nn)
        opt = mg.optim.SGD(model.parameters(), lr=0.1)
        xt = mg.tensor(x)

        def mg_step():
            opt.zero_grad()
            loss = F.cross_entropy(model(xt), y)
            loss.backward()
            opt.step()

        pt_step = None
        if torch is not None:
            pt_model = build(torch.nn)
            copy_weights(model, pt_model, torch)
            pt_opt = torch.optim.SGD(pt_model.parameters(), lr=0.1)
            xp, yp = torch.from_numpy(x), torch.from_numpy(y)

            def pt_step():
                pt_opt.zero_grad()
                loss = torch.nn.functional.cross_entropy(pt_model(xp), yp)
                loss.backward()
                pt_opt.step()

        return mg_step, pt_step

    # ------------------------------------------------------------------ 2. seed Net
    def seed_net(self):
        mg, torch = self.mg, self.torch
        mg_net = seed_net_class("minigrad")
        pt_net = seed_net_class("torch") if torch is not None else None
        for batch, key in ((5, "2-small"), (4096, "2-large")):
            x = self.randn(batch, 10)
            mg.manual_seed(0)
            net = mg_net()
            xt = mg.tensor(x)

            def mg_step():
                net.zero_grad()
                net(xt).sum().backward()

            pt_step = None
            if torch is not None:
                pt_model = pt_net()
                copy_weights(net, pt_model, torch)
                xp = torch.from_numpy(x)

                def pt_step():
                    pt_model.zero_grad()
                    pt_model(xp).sum().backward()

            self.row(f"2. seed Net forward + backward, batch {batch}",
                     *compare(mg_step, pt_step, self.repeat, self.block), limit=TARGETS[key])

    # ------------------------------------------------------------------ 3. BN alone
    def _bn_case(self, shape):
        """Input, upstream gradient and layers for BatchNorm on ``shape``: (N, C) is 1d, else 2d."""
        mg, torch = self.mg, self.torch
        x, g = self.randn(*shape), self.randn(*shape)
        case = {"x": x, "g": g, "mg_x": mg.tensor(x, requires_grad=True),
                "mg_layer": (self.nn.BatchNorm1d if len(shape) == 2 else self.nn.BatchNorm2d)(shape[1])}
        if torch is not None:
            case["pt_x"], case["pt_g"] = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)
            case["pt_layer"] = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(shape[1])
        return case

    def batchnorm_alone(self):
        for name, shape in (("BatchNorm1d (256, 1024)", (256, 1024)),
                            ("BatchNorm2d (32, 64, 16, 16)", (32, 64, 16, 16))):
            case = self._bn_case(shape)

            def mg_step():
                case["mg_x"].grad = None
                case["mg_layer"].zero_grad()
                case["mg_layer"](case["mg_x"]).backward(case["g"])

            pt_step = None
            if self.torch is not None:
                def pt_step():
                    case["pt_x"].grad = None
                    case["pt_layer"].zero_grad()
                    case["pt_layer"](case["pt_x"]).backward(case["pt_g"])

            self.row(f"3. {name} forward + backward",
                     *compare(mg_step, pt_step, self.repeat, self.block), limit=TARGETS[3])

    # ------------------------------------------------------------------ 8. the family alone
    FAMILY = (("LayerNorm(1024) on (256, 1024)", (256, 1024), lambda nn: nn.LayerNorm(1024)),
              ("LayerNorm(256) on (32, 64, 256)", (32, 64, 256), lambda nn: nn.LayerNorm(256)),
              ("GroupNorm(32, 64) on (32, 64, 16, 16)", (32, 64, 16, 16), lambda nn: nn.GroupNorm(32, 64)),
              ("GroupNorm(8, 64) on (256, 64, 8)", (256, 64, 8), lambda nn: nn.GroupNorm(8, 64)))

    def family_alone(self):
        """The normalisation family's one op (minigrad/ops/normalization.py) through its two
        most used members, forward + backward, with their weight and bias."""
        mg, torch = self.mg, self.torch
        for name, shape, make in self.FAMILY:
            x, g = self.randn(*shape), self.randn(*shape)
            mg_x, mg_layer = mg.tensor(x, requires_grad=True), make(self.nn)

            def mg_step():
                mg_x.grad = None
                mg_layer.zero_grad()
                mg_layer(mg_x).backward(g)

            pt_step = None
            if torch is not None:
                pt_x, pt_g, pt_layer = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g), make(torch.nn)

                def pt_step():
                    pt_x.grad = None
                    pt_layer.zero_grad()
                    pt_layer(pt_x).backward(pt_g)

            self.row(f"8. {name} forward + backward",
                     *compare(mg_step, pt_step, self.repeat, self.block), limit=TARGETS[8])

    # ------------------------------------------------------------------ 4. BN backward variants
    @staticmethod
    def composed_batch_norm(x, weight, bias, eps=1e-5):
        """Algorithm 1 of the paper from primitive ops (as in lesson 4); the engine differentiates it."""
        axes = (0,) + tuple(range(2, x.ndim))                  # every axis but the channels
        shape = (1, -1) + (1,) * (x.ndim - 2)                  # (C,) as a broadcastable column
        mean = x.mean(axes, keepdim=True)                      # (BN.1)
        centered = x - mean
        var = (centered * centered).mean(axes, keepdim=True)   # (BN.2)
        inv_std = (var + eps) ** -0.5                          # (BN.3)
        x_hat = centered * inv_std                             # (BN.3)
        return x_hat * weight.reshape(shape) + bias.reshape(shape)   # (BN.4)

    def backward_variants(self):
        """The backward pass alone (each forward runs untimed): the three ways minigrad can
        differentiate the same BatchNorm, with PyTorch's BatchNorm backward for reference."""
        from minigrad.ops.batchnorm import BatchNorm, BatchNormStaged

        mg = self.mg
        for name, shape in (("(256, 1024)", (256, 1024)), ("(32, 64, 16, 16)", (32, 64, 16, 16))):
            case = self._bn_case(shape)
            weight = mg.ones(shape[1], requires_grad=True)
            bias = mg.zeros(shape[1], requires_grad=True)

            def mg_forward(bn):
                def forward():
                    case["mg_x"].grad = weight.grad = bias.grad = None
                    return bn(case["mg_x"], weight, bias)
                return forward

            pt_step = None
            if self.torch is not None:
                def pt_forward():
                    case["pt_x"].grad = None
                    case["pt_layer"].zero_grad()
                    return case["pt_layer"](case["pt_x"])
                pt_step = backward_only(pt_forward, case["pt_g"])

            variants = (("closed form", BatchNorm.apply), ("staged", BatchNormStaged.apply),
                        ("composed of primitive ops", self.composed_batch_norm))
            timed = [(variant, *compare(backward_only(mg_forward(bn), case["g"]), pt_step,
                                        self.repeat, self.block))
                     for variant, bn in variants]
            speedup = timed[2][1] / timed[0][1]
            targets = (f"{speedup:.2f}x faster than composed (>= {COMPOSED_OVER_CLOSED}x: "
                       f"{_met(speedup >= COMPOSED_OVER_CLOSED)})", "", "")
            for (variant, mg_seconds, pt_seconds), target in zip(timed, targets):
                self.row(f"4. BN {name} backward only, {variant}", mg_seconds, pt_seconds, target=target)

    # ------------------------------------------------------------------ 5. memory
    def kept_bytes_minigrad(self, layer, x):
        """Bytes the layer's graph node keeps alive for backward, as (saved, input): the arrays
        forward saved (views counted once), and the input's array if the node keeps it alive
        once nothing else refers to it. The input is made by an op, as in a network (an Add,
        which saves nothing), so that only the BatchNorm node could keep it."""
        np = self.np
        h = self.mg.tensor(x, requires_grad=True) + 0.0
        input_array = weakref.ref(h._data)
        node = layer(h).grad_fn
        del h
        gc.collect()

        def owner(a):
            while isinstance(a.base, np.ndarray):
                a = a.base
            return a

        saved = {id(owner(a)): owner(a).nbytes for a in node.saved_tensors if isinstance(a, np.ndarray)}
        kept_input = input_array()
        held = 0 if kept_input is None or id(owner(kept_input)) in saved else kept_input.nbytes
        return sum(saved.values()), held

    def saved_bytes_torch(self, layer, x):
        torch = self.torch
        seen = {}

        def pack(t):
            seen[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t

        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            layer(torch.from_numpy(x).requires_grad_())
        return sum(seen.values())

    def memory(self):
        torch = self.torch
        for name, shape, layer in (("BatchNorm1d (256, 1024)", (256, 1024), self.nn.BatchNorm1d),
                                   ("BatchNorm2d (32, 64, 16, 16)", (32, 64, 16, 16), self.nn.BatchNorm2d)):
            x = self.randn(*shape)
            channels = shape[1]
            saved, inputs = self.kept_bytes_minigrad(layer(channels), x)
            pt_text = ""
            if torch is not None:
                pt_layer = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(channels)
                pt_bytes = self.saved_bytes_torch(pt_layer, x)
                pt_text = f"{_bytes(pt_bytes)} ({pt_bytes / x.nbytes:.2f}x)"
            limit = x.nbytes + 4 * channels * 8     # one input-sized array + a few float64 (C,) vectors
            for label, kept in ((f"bytes saved for backward (input: {_bytes(x.nbytes)})", saved),
                                ("saved + the input, if the graph node keeps it alive", saved + inputs)):
                self.rows.append((
                    f"5. {name}: {label}",
                    f"{_bytes(kept)} ({kept / x.nbytes:.2f}x)", pt_text, "",
                    f"<= input + (C,) vectors: {_met(kept <= limit)}"))
        for batch_norm in (False, True):
            self.rows.append((f"5. peak traced memory, {MEMORY_STEPS} MNIST steps, "
                              f"{'BN' if batch_norm else 'no BN'}",
                              _bytes(self.peak_training_memory(batch_norm)), "", "", "reported"))

    def peak_training_memory(self, batch_norm):
        """tracemalloc's peak over MEMORY_STEPS steps of workload 1 (NumPy reports its
        buffers to tracemalloc), counted above what the model and data already hold."""
        mg, F = self.mg, self.F
        x, y = self.rng.random((60, 784), dtype=self.np.float32), self.rng.integers(0, 10, 60)
        mg.manual_seed(0)
        model = mnist_mlp(self.nn, batch_norm)
        opt = mg.optim.SGD(model.parameters(), lr=0.1)
        xt = mg.tensor(x)
        tracemalloc.start()
        try:
            for _ in range(MEMORY_STEPS):
                opt.zero_grad()
                F.cross_entropy(model(xt), y).backward()
                opt.step()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    # ------------------------------------------------------------------ 6. convolution
    def convolution(self):
        """Conv2d forward + backward (upstream gradient given) at the shapes of LeNet-5 on MNIST
        and of a small CIFAR-size network, batch 64."""
        mg, torch = self.mg, self.torch
        for name, (c_in, c_out, k, size, padding) in (
                ("LeNet conv1: 1->6, k5, 28x28, pad 2", (1, 6, 5, 28, 2)),
                ("LeNet conv2: 6->16, k5, 14x14", (6, 16, 5, 14, 0)),
                ("CIFAR conv1: 3->32, k3, 32x32, pad 1", (3, 32, 3, 32, 1)),
                ("CIFAR conv2: 32->64, k3, 16x16, pad 1", (32, 64, 3, 16, 1))):
            x = self.randn(64, c_in, size, size)
            mg.manual_seed(0)
            layer = self.nn.Conv2d(c_in, c_out, k, padding=padding)
            xt = mg.tensor(x, requires_grad=True)
            g = self.randn(*layer(xt).shape)

            def mg_step():
                xt.grad = None
                layer.zero_grad()
                layer(xt).backward(g)

            pt_step = None
            if torch is not None:
                pt_layer = torch.nn.Conv2d(c_in, c_out, k, padding=padding)
                copy_weights(layer, pt_layer, torch)
                xp, gp = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)

                def pt_step():
                    xp.grad = None
                    pt_layer.zero_grad()
                    pt_layer(xp).backward(gp)

            self.row(f"6. Conv2d forward + backward, batch 64, {name}",
                     *compare(mg_step, pt_step, self.repeat, self.block), limit=TARGETS[6])

    # ------------------------------------------------------------------ 7. LeNet-5 step
    def lenet_step(self):
        """One SGD step of LeNet-5 with BatchNorm2d/1d (minigrad/lenet.py) on MNIST-shaped input."""
        from minigrad.lenet import lenet_layers

        for batch in (64, 256):
            x, y = self.rng.random((batch, 1, 28, 28), dtype=self.np.float32), self.rng.integers(0, 10, batch)
            steps = self.sgd_steps(lambda nn: nn.Sequential(lenet_layers(nn, batch_norm=True)), x, y)
            self.row(f"7. LeNet-5 + BN train step, batch {batch}",
                     *compare(*steps, self.repeat, self.block), limit=TARGETS[7])

    # ------------------------------------------------------------------ table
    def table(self, threads):
        np, torch = self.np, self.torch
        lines = [
            f"minigrad {self.mg.__version__}, NumPy {np.__version__}, "
            + (f"PyTorch {torch.__version__}" if torch is not None else "PyTorch not installed")
            + f"; Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs",
            f"threads: {'1 (BLAS/OpenMP variables = 1, torch.set_num_threads(1))' if threads == '1' else 'libraries default'}"
            f"; median of {self.repeat} alternating blocks per entry"
            + ("; allocator not warmed (--cold-malloc)" if self.cold_malloc else ""),
            "",
            "| workload | minigrad | PyTorch | ratio | target |",
            "|---|---:|---:|---:|---|",
        ]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return "\n".join(lines)


def _time(seconds):
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.3f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _ratio(ratio):
    return "-" if ratio is None else f"{ratio:.2f}"


def _met(ok):
    return "met" if ok else "NOT met"


def _bytes(n):
    return f"{n / 2 ** 20:.2f} MiB" if n >= 2 ** 20 else f"{n / 2 ** 10:.1f} KiB"


def main(argv=None) -> int:
    args = parse_args(argv)
    if "numpy" in sys.modules and args.threads == "1":
        print("note: NumPy was imported before the benchmark pinned BLAS to one thread", file=sys.stderr)
    pin_threads(args.threads)
    bench = Bench(args)
    if not args.cold_malloc:
        warm_allocator(bench.np)
    for number, name, method in WORKLOADS:
        if not args.only or number in args.only or name in args.only:
            getattr(bench, method)()
    print(bench.table(args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
