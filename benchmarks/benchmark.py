"""The results table: every task, the peers side by side, into docs/results/benchmark.md.

Usage:
    python benchmarks/benchmark.py [--out benchmarks/records/benchmark] [--workers 2] [--rounds 1,2,3]
                                   [--no-run] [--no-write] [-- BENCH OPTIONS]

Runs ``paretodiff bench --compact`` over all 31 tasks in three rounds into one folder, so
that a run cut short still leaves a table that covers every task:

1. seed 0 of every method (d-best, multiple-models, multi-head, pgd, pgd-faithful,
   paretoflow-fixed);
2. seeds 0-2 of every method (pgd-faithful and paretoflow-fixed stop here: minutes a cell);
3. seeds 0-4 of d-best, multiple-models, multi-head and pgd.

Each round skips the cells already finished, so running the program again resumes it. The
records are compact (summaries, no designs: about 2 kB a cell) and kept in the repository
under ``--out``, so a later run on a new machine resumes the same table. At the end the
table of every record in the folder (what its ``results.md`` holds) is pasted between the
``<!-- results:start -->`` and ``<!-- results:end -->`` markers of
``docs/results/benchmark.md``; the hand-written reading around the markers is kept.
Options after ``--`` go to every bench command (e.g. ``-- --tasks zdt1,re21``).

``--no-run`` runs no cell: it rebuilds the table from the records as they stand (e.g. cells
run in several pieces, or on several machines, and copied into ``--out``) and pastes it. The
folder's ``runs.jsonl`` (kept with the records) gives the table's header: the last run's
command, machine and date, and the wall time over every logged run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

from paretodiff.bench import report

ROOT = Path(__file__).resolve().parents[1]
FAST = "d-best,multiple-models,multi-head,pgd"
SLOW = "pgd-faithful,paretoflow-fixed"
ROUNDS = {
    1: ["--methods", f"{FAST},{SLOW}", "--seeds", "0"],
    2: ["--methods", f"{FAST},{SLOW}", "--seeds", "0,1,2"],
    3: ["--methods", FAST, "--seeds", "0,1,2,3,4"],
}
START, END = "<!-- results:start -->", "<!-- results:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "records" / "benchmark"))
    parser.add_argument("--workers", default="2")
    parser.add_argument("--rounds", default="1,2,3", help="which rounds to run, comma-separated")
    parser.add_argument("--no-run", action="store_true", help="run no cell: rebuild the table from the records")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args, extra = parser.parse_known_args()
    extra = [a for a in extra if a != "--"]
    bench = [str(Path(sys.executable).parent / "paretodiff"), "bench", "--tasks", "all", "--compact",
             "--out", args.out, "--workers", args.workers]
    rounds = [] if args.no_run else [int(r) for r in args.rounds.split(",")]
    for number in rounds:
        print(f"round {number}: {' '.join(ROUNDS[number])}", file=sys.stderr)
        subprocess.run([*bench, *ROUNDS[number], *extra], check=True, stdout=subprocess.DEVNULL)
    results = report(args.out)  # what the last round wrote into results.md, under its title
    if args.no_write:
        print(results)
        return
    target = ROOT / "docs" / "results" / "benchmark.md"
    text = target.read_text() if target.exists() else f"# Peers side by side\n\n{START}\n{END}\n"
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    target.write_text(f"{before}{START}\n{results}{END}{after}")
    print(f"wrote {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
