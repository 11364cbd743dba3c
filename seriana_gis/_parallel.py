"""How many cores seriana_gis uses, and BLAS threading held where it competes.

- :func:`usable_cores`: the cores this process may run on (its CPU affinity,
  which containers and batch schedulers set), or ``SERIANA_THREADS`` when set.
  The routing trees and the Monte Carlo profiles use that many threads.
- :func:`blas_threads`: limits the BLAS library's own threads for a block
  (through threadpoolctl). Code that already runs one thread per core holds
  BLAS to one thread, so the two do not fight over the same cores.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from threadpoolctl import threadpool_limits

#: Environment variable that sets the number of threads (a positive integer).
THREADS_ENV = "SERIANA_THREADS"


def usable_cores() -> int:
    """The number of threads to use: ``SERIANA_THREADS``, else the cores this process may use.

    Returns
    -------
    int
        At least 1.
    """
    env = os.environ.get(THREADS_ENV, "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextlib.contextmanager
def blas_threads(n: int) -> Iterator[None]:
    """Hold BLAS to ``n`` threads inside the block, then restore it.

    The limit is process-wide (it is the BLAS library's setting), as
    threadpoolctl documents.

    Parameters
    ----------
    n
        Threads BLAS may use.
    """
    with threadpool_limits(limits=n, user_api="blas"):
        yield
