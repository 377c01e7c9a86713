import numpy as np
import pytest

import minigrad


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same global generator state."""
    minigrad.manual_seed(0)
    np.random.seed(0)
