"""Time minigrad against PyTorch CPU and print one table (see benchmarks/README.md).

    python benchmarks/bench.py                      # one thread each, 15 repetitions
    python benchmarks/bench.py --threads default    # the libraries' own thread counts
    python benchmarks/bench.py --quick --repeat 1   # a smoke run of a few seconds

Both libraries run in this one process. Each workload is warmed up, then timed in blocks
of calls that alternate minigrad, PyTorch, minigrad, ...; a block's time divided by its
number of calls is one sample, and the table gives the median sample. ratio = minigrad /
PyTorch, so below 1 minigrad is faster. Inputs are float32, random, seeded.
"""
import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

# the variables that BLAS and OpenMP read once, when NumPy or torch is first imported
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")

TARGETS = {1: 1.0, "2-small": 1.0, "2-large": 1.2, 3: 1.5}   # ratio at most this
COMPOSED_OVER_CLOSED = 2.0                                   # workload 4: speed-up at least this
MEMORY_STEPS = 100                                           # workload 5: steps traced


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15, help="timed blocks per library and workload")
    parser.add_argument("--threads", choices=("1", "default"), default="1",
                        help="'1' pins NumPy's BLAS and torch to one thread; 'default' leaves them alone")
    parser.add_argument("--quick", action="store_true", help="short blocks and warm-up (a smoke run)")
    return parser.parse_args(argv)


def pin_threads(threads: str) -> None:
    """Must run before NumPy and torch are imported: BLAS reads these variables only then."""
    if threads == "1":
        for name in THREAD_VARIABLES:
            os.environ[name] = "1"


# ---------------------------------------------------------------------------- timing
def _per_call(fn, calls):
    start = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - start) / calls


def compare(mg_fn, pt_fn, repeat, block_seconds):
    """Median seconds per call of mg_fn and of pt_fn (None where pt_fn is None).

    Both are warmed up, then timed in alternating blocks so that a slow spell of the
    machine lands on both; a block holds enough calls to last about block_seconds.
    """
    fns = [fn for fn in (mg_fn, pt_fn) if fn is not None]
    calls = []
    for fn in fns:
        _per_call(fn, 3)                                            # warm-up: caches, allocator
        once = _per_call(fn, 1)
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
    """The paper's MNIST network: 784-100-100-100-10, sigmoid, BatchNorm before each sigmoid."""
    layers, width = [], 784
    for _ in range(3):
        layers.append(nn.Linear(width, 100))
        if batch_norm:
            layers.append(nn.BatchNorm1d(100))
        layers.append(nn.Sigmoid())
        width = 100
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def seed_net(nn, relu, batch_norm):
    """The seed example: fc1 Linear(10, 20) -> bn1 BatchNorm1d(20) -> relu -> fc2 Linear(20, 2)."""

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(10, 20)
            if batch_norm:
                self.bn1 = nn.BatchNorm1d(20)
            self.fc2 = nn.Linear(20, 2)

        def forward(self, x):
            x = self.fc1(x)
            if batch_norm:
                x = self.bn1(x)
            return self.fc2(relu(x))

    return Net()


def copy_weights(mg_model, pt_model, torch):
    """Give the PyTorch model minigrad's initial weights, so both compute the same numbers."""
    state = {k: torch.from_numpy(v) for k, v in mg_model.state_dict().items()}
    pt_model.load_state_dict(state)


class Bench:
    def __init__(self, args):
        import numpy as np

        import minigrad
        import minigrad.nn.functional as F
        from minigrad import nn

        self.np, self.mg, self.nn, self.F = np, minigrad, nn, F
        self.repeat = args.repeat
        self.block = 0.002 if args.quick else 0.04
        self.has_bn = hasattr(nn, "BatchNorm1d")
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
            target = f"<= {limit}" + ("" if ratio is None else f": {_met(ratio <= limit)}")
        self.rows.append((name, _time(mg_seconds), _time(pt_seconds), _ratio(ratio), target))

    # ------------------------------------------------------------------ 1. MNIST step
    def training_step(self):
        mg, nn, F, torch = self.mg, self.nn, self.F, self.torch
        x, y = self.rng.random((60, 784), dtype=self.np.float32), self.rng.integers(0, 10, 60)
        for batch_norm in (False, True) if self.has_bn else (False,):
            mg.manual_seed(0)
            model = mnist_mlp(nn, batch_norm)
            opt = mg.optim.SGD(model.parameters(), lr=0.1)
            xt = mg.tensor(x)

            def mg_step():
                opt.zero_grad()
                loss = F.cross_entropy(model(xt), y)
                loss.backward()
                opt.step()

            pt_step = None
            if torch is not None:
                pt_model = mnist_mlp(torch.nn, batch_norm)
                copy_weights(model, pt_model, torch)
                pt_opt = torch.optim.SGD(pt_model.parameters(), lr=0.1)
                xp, yp = torch.from_numpy(x), torch.from_numpy(y)

                def pt_step():
                    pt_opt.zero_grad()
                    loss = torch.nn.functional.cross_entropy(pt_model(xp), yp)
                    loss.backward()
                    pt_opt.step()

            self.row(f"1. MNIST MLP train step, batch 60, {'BN' if batch_norm else 'no BN'}",
                     *compare(mg_step, pt_step, self.repeat, self.block), limit=TARGETS[1])

    # ------------------------------------------------------------------ 2. seed Net
    def seed_net(self):
        mg, nn, torch = self.mg, self.nn, self.torch
        label = "" if self.has_bn else " (no bn1: BatchNorm not in minigrad yet)"
        for batch, key in ((5, "2-small"), (4096, "2-large")):
            x = self.randn(batch, 10)
            mg.manual_seed(0)
            net = seed_net(nn, mg.relu, self.has_bn)
            xt = mg.tensor(x)

            def mg_step():
                net.zero_grad()
                net(xt).sum().backward()

            pt_step = None
            if torch is not None:
                pt_net = seed_net(torch.nn, torch.relu, self.has_bn)
                copy_weights(net, pt_net, torch)
                xp = torch.from_numpy(x)

                def pt_step():
                    pt_net.zero_grad()
                    pt_net(xp).sum().backward()

            self.row(f"2. seed Net forward + backward, batch {batch}{label}",
                     *compare(mg_step, pt_step, self.repeat, self.block), limit=TARGETS[key])

    # ------------------------------------------------------------------ 3. BN alone
    def _bn_pair(self, shape, mg_layer_fn):
        """(minigrad fn, torch fn) running BatchNorm forward + backward on ``shape``."""
        mg, torch = self.mg, self.torch
        x, g = self.randn(*shape), self.randn(*shape)
        xt = mg.tensor(x, requires_grad=True)
        mg_layer = mg_layer_fn(shape[1])

        def mg_step():
            xt.grad = None
            mg_layer.zero_grad()
            mg_layer(xt).backward(g)

        pt_step = None
        if torch is not None:
            pt_layer = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(shape[1])
            xp, gp = torch.from_numpy(x).requires_grad_(), torch.from_numpy(g)

            def pt_step():
                xp.grad = None
                pt_layer.zero_grad()
                pt_layer(xp).backward(gp)

        return mg_step, pt_step

    def batchnorm_alone(self):
        if not self.has_bn:
            self.rows.append(("3. BatchNorm forward + backward", "n/a", "", "", "BatchNorm not in minigrad yet"))
            return
        for name, shape, layer in (("BatchNorm1d (256, 1024)", (256, 1024), self.nn.BatchNorm1d),
                                   ("BatchNorm2d (32, 64, 16, 16)", (32, 64, 16, 16), self.nn.BatchNorm2d)):
            self.row(f"3. {name} forward + backward",
                     *compare(*self._bn_pair(shape, layer), self.repeat, self.block), limit=TARGETS[3])

    # ------------------------------------------------------------------ 4. BN backward variants
    def composed_batch_norm(self, x, weight, bias, eps=1e-5):
        """Algorithm 1 of the paper from primitive ops; the engine differentiates it."""
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        mean = x.mean(axes, keepdim=True)                          # (BN.1)
        centred = x - mean
        var = (centred * centred).mean(axes, keepdim=True)         # (BN.2)
        x_hat = centred / (var + eps) ** 0.5                       # (BN.3)
        return x_hat * weight.reshape(shape) + bias.reshape(shape) # (BN.4)

    def backward_variants(self):
        if not self.has_bn:
            self.rows.append(("4. BN closed-form vs staged vs composed", "n/a", "", "",
                              "BatchNorm not in minigrad yet"))
            return
        from minigrad.ops.batchnorm import BatchNorm, BatchNormStaged

        mg = self.mg
        for name, shape in (("(256, 1024)", (256, 1024)), ("(32, 64, 16, 16)", (32, 64, 16, 16))):
            x, g = self.randn(*shape), self.randn(*shape)
            xt = mg.tensor(x, requires_grad=True)
            weight = mg.ones(shape[1], requires_grad=True)
            bias = mg.zeros(shape[1], requires_grad=True)

            def step(forward):
                def run():
                    xt.grad = weight.grad = bias.grad = None
                    forward(xt, weight, bias).backward(g)
                return run

            variants = (("closed form", BatchNorm.apply), ("staged", BatchNormStaged.apply),
                        ("composed of primitive ops", self.composed_batch_norm))
            pt_step = self._bn_pair(shape, self.nn.BatchNorm1d if len(shape) == 2 else self.nn.BatchNorm2d)[1]
            timed = [(variant, *compare(step(forward), pt_step, self.repeat, self.block))
                     for variant, forward in variants]
            speedup = timed[2][1] / timed[0][1]
            targets = (f"{speedup:.1f}x faster than composed (>= {COMPOSED_OVER_CLOSED}x: "
                       f"{_met(speedup >= COMPOSED_OVER_CLOSED)})", "", "")
            for (variant, mg_seconds, pt_seconds), target in zip(timed, targets):
                self.row(f"4. BN {name} forward + backward, {variant}", mg_seconds, pt_seconds, target=target)

    # ------------------------------------------------------------------ 5. memory
    def saved_bytes_minigrad(self, layer, x):
        """Bytes of the arrays the layer's graph node keeps for backward (views counted once)."""
        np = self.np
        out = layer(self.mg.tensor(x, requires_grad=True))
        ctx = out.grad_fn
        arrays = [a for a in ctx.saved_tensors if isinstance(a, np.ndarray)]
        arrays += [v for v in vars(ctx).values() if isinstance(v, np.ndarray)] if hasattr(ctx, "__dict__") else []
        owners = {}
        for a in arrays:
            base = a
            while base.base is not None and isinstance(base.base, np.ndarray):
                base = base.base
            owners[id(base)] = base.nbytes
        return sum(owners.values())

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
        np, nn = self.np, self.nn
        if self.has_bn:
            for name, shape, layer in (("BatchNorm1d (256, 1024)", (256, 1024), nn.BatchNorm1d),
                                       ("BatchNorm2d (32, 64, 16, 16)", (32, 64, 16, 16), nn.BatchNorm2d)):
                x = self.randn(*shape)
                channels = shape[1]
                mg_bytes = self.saved_bytes_minigrad(layer(channels), x)
                pt_bytes = None
                if self.torch is not None:
                    pt_layer = (self.torch.nn.BatchNorm1d if len(shape) == 2 else self.torch.nn.BatchNorm2d)(channels)
                    pt_bytes = self.saved_bytes_torch(pt_layer, x)
                # one input-sized array plus a few (C,) vectors, in float64 at most
                limit = x.nbytes + 4 * channels * 8
                self.rows.append((
                    f"5. {name}: bytes kept for backward (input: {_bytes(x.nbytes)})",
                    f"{_bytes(mg_bytes)} ({mg_bytes / x.nbytes:.2f}x input)",
                    "" if pt_bytes is None else f"{_bytes(pt_bytes)} ({pt_bytes / x.nbytes:.2f}x input)",
                    "", f"<= input + (C,) vectors: {_met(mg_bytes <= limit)}"))
        else:
            self.rows.append(("5. BN bytes kept for backward", "n/a", "", "", "BatchNorm not in minigrad yet"))
        for batch_norm in (False, True) if self.has_bn else (False,):
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

    # ------------------------------------------------------------------ table
    def table(self, threads):
        np, torch = self.np, self.torch
        lines = [
            f"minigrad {self.mg.__version__}, NumPy {np.__version__}, "
            + (f"PyTorch {torch.__version__}" if torch is not None else "PyTorch not installed")
            + f"; Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs",
            f"threads: {'1 (BLAS/OpenMP variables = 1, torch.set_num_threads(1))' if threads == '1' else 'libraries default'}"
            f"; median of {self.repeat} alternating blocks per entry",
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
    bench.training_step()
    bench.seed_net()
    bench.batchnorm_alone()
    bench.backward_variants()
    bench.memory()
    print(bench.table(args.threads))
    return 0


if __name__ == "__main__":
    sys.exit(main())
