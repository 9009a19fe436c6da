"""Process-wide utilities, written once: seeded random state and torch's thread count."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import numpy as np
import torch


@contextlib.contextmanager
def seeded(seed: int, *, numpy_global: bool = False) -> Iterator[None]:
    """Seed torch's global generator (weight initialization) inside the block, and restore the
    caller's state afterwards; with ``numpy_global`` also numpy's global RNG (for a package
    that draws from it)."""
    state = np.random.get_state() if numpy_global else None
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        if numpy_global:
            np.random.seed(seed % 2**32)
        try:
            yield
        finally:
            if state is not None:
                np.random.set_state(state)


def available_cores() -> int:
    """CPU cores this process may use: its CPU affinity, capped by a cgroup CPU quota if any."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, int(float(quota) / float(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


@contextlib.contextmanager
def threads_at_most(n: int | None) -> Iterator[None]:
    """Run the block with at most ``n`` torch intra-op threads (``None``: as many as now), and
    restore the caller's count.

    For work too small to split among threads (the mini-batch training loops here), where a
    second thread only adds the cost of waking it.  The count is process-wide: other Python
    threads running torch in the meantime run with it too.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(before if n is None else max(1, min(n, before)))
    try:
        yield
    finally:
        torch.set_num_threads(before)


def set_threads(n: int | None = None) -> int:
    """Set torch's intra-op threads to ``n`` (default: :func:`available_cores`); returns the count.

    Call it once in a command-line or benchmark entry point, not in library code.  Fewer
    threads than cores are faster when other processes share the machine.
    """
    n = available_cores() if n is None else int(n)
    if n < 1:
        raise ValueError("the number of threads must be at least 1")
    torch.set_num_threads(n)
    return n
