"""Smoke tests of benchmarks/bench.py: it runs for one short repetition and prints a row for
every workload. No timing is asserted (that depends on the machine); the point is that the
script keeps working as the engine changes. Each run is a subprocess, because the script
pins BLAS to one thread through variables that NumPy reads only when first imported.
"""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks" / "bench.py"
WORKLOADS = (
    "1. MNIST MLP train step, batch 60, no BN",
    "1. MNIST MLP train step, batch 60, BN",
    "2. seed Net forward + backward, batch 5",
    "2. seed Net forward + backward, batch 4096",
    "3. BatchNorm1d (256, 1024) forward + backward",
    "3. BatchNorm2d (32, 64, 16, 16) forward + backward",
    "4. BN (256, 1024) backward only, closed form",
    "4. BN (256, 1024) backward only, staged",
    "4. BN (256, 1024) backward only, composed of primitive ops",
    "5. BatchNorm1d (256, 1024): bytes saved for backward",
    "5. BatchNorm1d (256, 1024): saved + the input, if the graph node keeps it alive",
    "5. peak traced memory, 100 MNIST steps, BN",
    "6. Conv2d forward + backward, batch 64, LeNet conv1",
    "6. Conv2d forward + backward, batch 64, CIFAR conv2",
    "7. LeNet-5 + BN train step, batch 64",
    "7. LeNet-5 + BN train step, batch 256",
    "8. LayerNorm(1024) on (256, 1024) forward + backward",
    "8. GroupNorm(32, 64) on (32, 64, 16, 16) forward + backward",
)


def run(*code):
    # the repository on the path, so the script finds minigrad even where it is not installed
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    result = subprocess.run([sys.executable, *code], capture_output=True, text=True, timeout=900,
                            env={**os.environ, "PYTHONPATH": path})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def table_rows(output):
    return [line for line in output.splitlines() if line.startswith("| ")]


def test_one_quick_repetition_prints_every_workload():
    output = run(str(BENCH), "--quick", "--repeat", "1")
    rows = table_rows(output)
    assert rows[0] == "| workload | minigrad | PyTorch | ratio | target |"
    for workload in WORKLOADS:
        assert any(row.startswith(f"| {workload}") for row in rows), workload
    assert "threads: 1" in output


def test_only_runs_the_chosen_workloads_by_number_or_name():
    rows = table_rows(run(str(BENCH), "--quick", "--repeat", "1", "--only", "3", "--only", "seed-net"))
    assert {row[2:4] for row in rows[2:]} == {"2.", "3."}
    assert sum(row.startswith(f"| {w}") for row in rows for w in WORKLOADS) == 4


def test_without_torch_the_pytorch_column_is_left_empty():
    # sys.modules["torch"] = None makes `import torch` fail, as on a machine without it
    output = run("-c", "import runpy, sys; sys.modules['torch'] = None; "
                       f"sys.argv = [{str(BENCH)!r}, '--quick', '--repeat', '1']; "
                       f"runpy.run_path({str(BENCH)!r}, run_name='__main__')")
    assert "PyTorch not installed" in output
    timed = [row for row in table_rows(output)[2:] if " ms |" in row]
    assert timed and all(row.split(" | ")[2] == "-" for row in timed)


def test_bytecode_counts_are_the_same_in_every_run():
    """benchmarks/bytecodes.py: this checkout against itself gives equal columns (the count
    does not move between runs, unlike time), and --top names the engine's functions."""
    output = run(str(ROOT / "benchmarks" / "bytecodes.py"), "--against", str(ROOT), "--top", "3")
    rows = {row.split(" | ")[0][2:]: row.split(" | ")[1:] for row in table_rows(output)[1:]}
    assert list(rows) == list(WORKLOADS[:3])
    for ours, again in rows.values():
        assert int(ours.replace(",", "")) > 1000 and ours == again.rstrip(" |")
    assert "autograd.py:" in output
