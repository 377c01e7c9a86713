"""Count the Python bytecodes one step of workloads 1 and 2 executes (see benchmarks/README.md).

    python benchmarks/bytecodes.py                        # this checkout
    python benchmarks/bytecodes.py --against ../old       # and another checkout, side by side
    python benchmarks/bytecodes.py --top 15               # the functions that execute most

Time on a shared machine moves by 10% from run to run; the number of bytecodes a step executes
does not move at all, and at these batch sizes it is what the engine's bookkeeping costs. The
count comes from ``sys.settrace`` with opcode events, one step after five untraced ones; each
checkout is imported in its own process (``--against`` takes the folder that holds its
``minigrad`` package). Bytecodes of NumPy's Python wrappers count too; its C code does not.
"""
import argparse
import collections
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKLOADS = ("1. MNIST MLP train step, batch 60, no BN", "1. MNIST MLP train step, batch 60, BN",
             "2. seed Net forward + backward, batch 5")


def steps():
    """One step of each workload, as bench.py times it, on the minigrad that is imported."""
    import numpy as np

    import minigrad as mg
    import minigrad.nn.functional as F
    from minigrad import experiment

    sys.path.insert(0, str(ROOT / "tests" / "fixtures"))
    from seed_net_source import load_seed_net

    rng = np.random.default_rng(0)
    x, y = rng.random((60, 784), dtype=np.float32), rng.integers(0, 10, 60)
    made = []
    for batch_norm in (False, True):
        model = experiment.build_mlp(batch_norm, seed=0)
        opt = mg.optim.SGD(model.parameters(), lr=0.1)

        def train_step(model=model, opt=opt, xt=mg.tensor(x)):
            opt.zero_grad()
            F.cross_entropy(model(xt), y).backward()
            opt.step()
        made.append(train_step)
    mg.manual_seed(0)
    net, xs = load_seed_net("minigrad")(), mg.tensor(rng.standard_normal((5, 10)).astype(np.float32))

    def seed_step():
        net.zero_grad()
        net(xs).sum().backward()
    return made + [seed_step]


def count(step) -> collections.Counter:
    """Bytecodes executed by one call of ``step``, per (file, function)."""
    for _ in range(5):                       # caches, lazily made attributes, first allocations
        step()
    counts = collections.Counter()

    def tracer(frame, event, arg):
        frame.f_trace_opcodes, frame.f_trace_lines = True, False
        if event == "opcode":
            code = frame.f_code
            counts[f"{Path(code.co_filename).parent.name}/{Path(code.co_filename).name}:{code.co_name}"] += 1
        return tracer

    sys.settrace(tracer)
    try:
        step()
    finally:
        sys.settrace(None)
    return counts


def measure(checkout: Path, top: int) -> list:
    """Run this file in a child process that imports ``checkout``'s minigrad; its counts."""
    env = dict(os.environ, PYTHONPATH=str(checkout), OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, __file__, "--child", str(checkout), "--top", str(top)],
                         env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", action="append", default=[], metavar="PATH",
                        help="another checkout of minigrad (the folder holding its minigrad/)")
    parser.add_argument("--top", type=int, default=0, help="list the N functions that execute most")
    parser.add_argument("--child", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:                           # in the child: count, print JSON
        import minigrad
        if not Path(minigrad.__file__).resolve().is_relative_to(Path(args.child).resolve()):
            raise SystemExit(f"imported {minigrad.__file__}, not the minigrad of {args.child}")
        results = [count(step) for step in steps()]
        print(json.dumps([[sum(c.values()), c.most_common(args.top)] for c in results]))
        return
    checkouts = [ROOT] + [Path(p) for p in args.against]
    results = [measure(c, args.top) for c in checkouts]
    print("| workload | " + " | ".join(str(c) for c in checkouts) + " |")
    print("|---|" + "---:|" * len(checkouts))
    for k, name in enumerate(WORKLOADS):
        print(f"| {name} | " + " | ".join(f"{r[k][0]:,}" for r in results) + " |")
    for c, r in zip(checkouts, results):
        for name, (_, most) in zip(WORKLOADS, r):
            if most:
                print(f"\n{c}, {name}:")
                for function, n in most:
                    print(f"  {n:6,}  {function}")


if __name__ == "__main__":
    main()
