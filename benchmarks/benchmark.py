"""The peers side by side: one ``paretodiff bench`` run, its table written to docs/results/benchmark.md.

Usage:
    python benchmarks/benchmark.py [--out benchmarks/out/bench] [--workers 2] [--no-write] [-- BENCH OPTIONS]

Runs ``paretodiff bench`` over ZDT1, ZDT2, ZDT3, DTLZ1, DTLZ7, RE21, RE33, RE37 with d-best,
multiple-models, paretoflow, pgd-faithful and pgd, 3 seeds (options after ``--`` go to the
command and may override these), then copies the command's ``results.md`` between the
``<!-- results:start -->`` and ``<!-- results:end -->`` markers of
``docs/results/benchmark.md``; the hand-written reading around the markers is kept.
The cell records stay in ``--out``, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GRID = ["--tasks", "zdt1,zdt2,zdt3,dtlz1,dtlz7,re21,re33,re37",
        "--methods", "d-best,multiple-models,paretoflow,pgd-faithful,pgd", "--seeds", "0,1,2"]
START, END = "<!-- results:start -->", "<!-- results:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "bench"))
    parser.add_argument("--workers", default="2")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    command = [str(Path(sys.executable).parent / "paretodiff"), "bench", *GRID,
               "--out", args.out, "--workers", args.workers, *extra]
    subprocess.run(command, check=True)
    results = (Path(args.out) / "results.md").read_text().split("\n", 2)[2]  # drop the title
    if args.no_write:
        return
    target = ROOT / "docs" / "results" / "benchmark.md"
    text = target.read_text() if target.exists() else f"# Peers side by side\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    target.write_text(f"{before}{START}\n{results}{END}{after}")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
