"""How many threads NumPy's BLAS runs: PyTorch's ``set_num_threads`` / ``get_num_threads``.

Why it matters here. NumPy hands every matrix product to a BLAS library (OpenBLAS in the
wheels from PyPI), which starts one thread per core. The course's matrices are small (an MNIST
step multiplies (60, 784) by (784, 100)), so the threads spend more time waiting for each other
than computing, and on a machine whose cores are busy with other work they wait for a core as
well. Measured on 1000 MNIST steps on a 2-core machine: 0.90 s with one thread, 3.1-4.7 s with
two threads and one busy neighbour, 85 s on a loaded shared machine. Every lesson, and the demo,
therefore starts with ``minigrad.set_num_threads(1)``; a script of your own should too.

The thread pool lives in a native library that Python cannot reach by itself: threadpoolctl
(https://github.com/joblib/threadpoolctl) finds the BLAS libraries loaded in the process and
calls their own setter (``openblas_set_num_threads``, ``mkl_set_num_threads``, ...). Setting the
variable ``OPENBLAS_NUM_THREADS=1`` before Python starts does the same (the Makefile does), but
a notebook kernel or a script started otherwise does not inherit it.

Only BLAS is limited: other libraries in the process keep their own pools (PyTorch's, for one,
is set with ``torch.set_num_threads``).
"""
import numbers

import numpy  # noqa: F401  (loads NumPy's BLAS, so that threadpoolctl can find it)
from threadpoolctl import threadpool_info, threadpool_limits


def set_num_threads(n: int) -> None:
    """Run NumPy's BLAS on ``n`` threads from now on, in this process, as
    ``torch.set_num_threads``. ``n`` must be a positive int; 1 is best for this course."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise RuntimeError(f"set_num_threads expects an int, but got {type(n).__name__}: "
                           "pass a whole number of threads, e.g. minigrad.set_num_threads(1)")
    if n < 1:
        raise RuntimeError("set_num_threads expects a positive integer: "
                           "pass 1 or more, e.g. minigrad.set_num_threads(1)")
    threadpool_limits(limits=int(n), user_api="blas")   # lasts until changed: not used as a `with`


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS runs on (1 if NumPy has no threaded BLAS)."""
    return max((pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"),
               default=1)
