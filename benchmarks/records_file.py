"""Resumable result records of the benchmark programs: one JSON file of ``{"settings", "runs"}``.

A program computes one run per key (``problem/method/seed``) and keeps it at once, so an
interrupted program picks up where it stopped; runs made with other settings are refused.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from datetime import date
from pathlib import Path
from typing import Callable, Iterable


def machine_lines(command: str) -> list[str]:
    """The command, machine and date lines that head a results page."""
    return [f"Command: `{command}`  ",
            f"Machine: {platform.machine()}, {platform.processor() or 'cpu'}, Python {platform.python_version()}, "
            f"{len(os.sched_getaffinity(0))} cores  ", f"Date: {date.today()}"]


def resume(out: Path, settings: dict, keys: Iterable[str], run: Callable[[str], dict]) -> dict:
    """``{"settings", "runs"}`` from ``out`` with every key of ``keys`` run (``run(key)``) and
    written back after each run.  Exits with a message if ``out`` holds other settings."""
    out = Path(out)
    results = json.loads(out.read_text()) if out.is_file() else {"settings": settings, "runs": {}}
    if results["settings"] != settings:
        sys.exit(f"error: {out} holds runs with {results['settings']}, not {settings}: choose another --out")
    for key in keys:
        if key not in results["runs"]:
            results["runs"][key] = run(key)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(results, indent=1))
    return results
