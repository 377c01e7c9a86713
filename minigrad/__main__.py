"""Command line: ``python -m minigrad demo | gradcheck``.

``gradcheck`` runs every op and layer through :func:`minigrad.gradcheck` in float64 on
broadcasting shapes and prints one row each: name, max relative error, verdict.
"""
import argparse
import sys

import numpy as np

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F


_rng = np.random.default_rng(0)


def _x(*shape, positive=False):
    data = _rng.standard_normal(shape)
    if positive:
        data = np.abs(data) + 0.5
    return mg.tensor(data, requires_grad=True)


def _module_case(module, *shape):
    """Check a module's input and every parameter: f(x, *params) = module(x)."""
    module = module.double()
    params = list(module.parameters())

    def run(x, *_):
        return module(x)

    return run, (_x(*shape), *params)


# (name, builder) -> builder() returns (func, inputs); inputs are float64 and require grad
CASES = [
    ("add (broadcast)", lambda: (lambda a, b: a + b, (_x(3, 4), _x(4)))),
    ("sub (broadcast)", lambda: (lambda a, b: a - b, (_x(2, 1, 4), _x(3, 1)))),
    ("mul (broadcast)", lambda: (lambda a, b: a * b, (_x(3, 4), _x(3, 1)))),
    ("div (broadcast)", lambda: (lambda a, b: a / b, (_x(3, 4), _x(4, positive=True)))),
    ("neg", lambda: (lambda a: -a, (_x(3, 4),))),
    ("pow (scalar exponent)", lambda: (lambda a: a ** 3, (_x(3, 4),))),
    ("pow (tensor exponent)", lambda: (lambda a, b: a ** b, (_x(3, 4, positive=True), _x(4)))),
    ("exp", lambda: (lambda a: a.exp(), (_x(3, 4),))),
    ("log", lambda: (lambda a: a.log(), (_x(3, 4, positive=True),))),
    ("relu", lambda: (lambda a: a.relu(), (_x(3, 4),))),
    ("sigmoid", lambda: (lambda a: a.sigmoid(), (_x(3, 4),))),
    ("tanh", lambda: (lambda a: a.tanh(), (_x(3, 4),))),
    ("matmul", lambda: (lambda a, b: a @ b, (_x(3, 4), _x(4, 5)))),
    ("matmul (batched, broadcast)", lambda: (lambda a, b: a @ b, (_x(2, 3, 4), _x(4, 5)))),
    ("matmul (vector)", lambda: (lambda a, b: a @ b, (_x(3, 4), _x(4)))),
    ("sum (axis, keepdim)", lambda: (lambda a: a.sum(1, keepdim=True), (_x(3, 4, 2),))),
    ("mean (axes)", lambda: (lambda a: a.mean((0, 2)), (_x(3, 4, 2),))),
    ("max (axis)", lambda: (lambda a: a.max(1), (_x(3, 4),))),
    ("reshape", lambda: (lambda a: a.reshape(4, 3), (_x(3, 4),))),
    ("permute", lambda: (lambda a: a.permute(2, 0, 1), (_x(2, 3, 4),))),
    ("indexing", lambda: (lambda a: a[[0, 2, 0], 1:], (_x(3, 4),))),
    ("cat", lambda: (lambda a, b: mg.cat([a, b], dim=1), (_x(3, 4), _x(3, 2)))),
    ("linear (fused)", lambda: (F.linear, (_x(5, 4), _x(3, 4), _x(3)))),
    ("log_softmax", lambda: (F.log_softmax, (_x(4, 5),))),
    ("cross_entropy (mean)", lambda: (lambda a: F.cross_entropy(a, np.array([0, 2, 1, 4])), (_x(4, 5),))),
    ("cross_entropy (sum)", lambda: (lambda a: F.cross_entropy(a, np.array([3, 2, 1, 0]), reduction="sum"), (_x(4, 5),))),
    ("mse_loss", lambda: (F.mse_loss, (_x(4, 3), _x(4, 3)))),
    ("Linear", lambda: _module_case(nn.Linear(4, 3), 5, 4)),
    ("Sequential(Linear, Tanh, Linear)", lambda: _module_case(
        nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 2)), 5, 4)),
]


def run_gradchecks(cases=CASES, out=sys.stdout) -> bool:
    """Print a row per case; return True when every case passes."""
    global _rng
    _rng = np.random.default_rng(0)
    mg.manual_seed(0)
    print(f"{'op / layer':<36} {'max rel err':>12}  verdict", file=out)
    print("-" * 58, file=out)
    all_ok = True
    for name, build in cases:
        func, inputs = build()
        report = mg.gradcheck_report(func, inputs)
        ok = mg.gradcheck(func, inputs, raise_exception=False)
        all_ok &= ok
        print(f"{name:<36} {report.max_rel_error():>12.2e}  {'ok' if ok else 'FAIL'}", file=out)
    return all_ok


def seed_net_demo():
    """The seed example: fc1 -> relu -> fc2 on randn(5, 10) (BatchNorm joins in issue 3)."""
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = nn.Linear(10, 20)
            self.fc2 = nn.Linear(20, 2)

        def forward(self, x):
            return self.fc2(mg.relu(self.fc1(x)))

    net = Net()
    print(net)
    print(net(mg.randn(5, 10)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minigrad", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("gradcheck", help="gradient-check every op and layer in float64")
    sub.add_parser("demo", help="run the main demo")
    args = parser.parse_args(argv)
    if args.command == "gradcheck":
        return 0 if run_gradchecks() else 1
    seed_net_demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
