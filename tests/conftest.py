from pathlib import Path

import numpy as np
import pytest

import minigrad

FIXTURES = Path(__file__).resolve().parent / "fixtures"
NO_TORCH = "could not import 'torch'"          # the reason pytest.importorskip("torch") gives


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global generator state."""
    minigrad.manual_seed(0)
    np.random.seed(0)


def fixture_torch_versions():
    """The PyTorch versions that made the golden values in tests/fixtures/ (each .npz says)."""
    return sorted({str(np.load(path)["torch_version"]) for path in FIXTURES.glob("*.npz")})


def pytest_terminal_summary(terminalreporter):
    """Without PyTorch a third of the suite skips: say so where it cannot be missed."""
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if NO_TORCH in str(report.longrepr)]
    if not skipped:
        return
    why = str(skipped[0].longrepr[2]).partition(f"{NO_TORCH}: ")[2]
    made_with = ", ".join(fixture_torch_versions())
    terminalreporter.write_sep("=", "PyTorch parity tests skipped", yellow=True)
    terminalreporter.write_line(
        f"{len(skipped)} tests that compare minigrad with PyTorch live were skipped: torch could "
        f"not be imported ({why}). The golden values in tests/fixtures/ were checked anyway; they "
        f"were made with torch {made_with}. To run the parity tests too: pip install torch==2.13.0")
