"""``python -m minigrad gradcheck``: a row per op and layer, and an exit code that CI can trust."""
import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

import minigrad as mg
from minigrad.__main__ import CASES, main, run_gradchecks
from test_gradcheck import SquareWrongAt12          # a backward wrong at one element

ROOT = Path(__file__).resolve().parents[1]


def _x(*shape):
    return mg.tensor(np.random.standard_normal(shape), requires_grad=True)


BROKEN_CASES = [
    ("tanh", lambda: (lambda a: a.tanh(), (_x(3, 4),))),
    ("square (wrong backward)", lambda: (SquareWrongAt12.apply, (_x(3, 4),))),
    ("sigmoid", lambda: (lambda a: a.sigmoid(), (_x(3, 4),))),
]


def test_gradcheck_command_exits_0_and_lists_every_case():
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-m", "minigrad", "gradcheck"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    rows = lines[2:-2]
    assert len(rows) == len(CASES)
    assert lines[-1] == f"{len(CASES)} checks: {len(CASES)} ok"
    for (name, _), row in zip(CASES, rows):
        assert row.startswith(name) and row.endswith("ok"), row
        # the max relative error column; two softplus cases have gradients down to
        # sigmoid(-50) ~ 1e-22, where the rounding of central differences (~1e-8 absolute)
        # is all that CS231n's relative error (denominator at least 1e-8) measures
        limit = 0.2 if name in ("Softplus_large", "softplus_beta_threshold") else 1e-5
        assert float(row[len(name):].split()[0]) < limit, row


def test_run_gradchecks_reports_a_failing_row():
    out = io.StringIO()
    assert run_gradchecks(BROKEN_CASES, out=out) is False
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["op", "/", "layer", "max", "rel", "err", "verdict"]
    verdicts = {line[:36].strip(): line.split()[-1] for line in lines[2:-2]}
    assert verdicts == {"tanh": "ok", "square (wrong backward)": "FAIL", "sigmoid": "ok"}
    assert lines[-1] == "3 checks: 2 ok, 1 failed"


def test_run_gradchecks_passes_on_good_cases():
    out = io.StringIO()
    assert run_gradchecks([BROKEN_CASES[0], BROKEN_CASES[2]], out=out) is True
    assert out.getvalue().splitlines()[-1] == "2 checks: 2 ok"


def test_exit_code_is_nonzero_when_a_row_fails(monkeypatch, capsys):
    import minigrad.__main__ as cli

    # out= at call time: the default sys.stdout was bound at import, before capsys replaced it
    monkeypatch.setattr(cli, "run_gradchecks", lambda: run_gradchecks(BROKEN_CASES, out=sys.stdout))
    assert main(["gradcheck"]) == 1
    printed = capsys.readouterr().out
    assert "FAIL" in printed and printed.splitlines()[-1] == "3 checks: 2 ok, 1 failed"
    monkeypatch.setattr(cli, "run_gradchecks", lambda: run_gradchecks(BROKEN_CASES[:1], out=sys.stdout))
    assert main(["gradcheck"]) == 0
