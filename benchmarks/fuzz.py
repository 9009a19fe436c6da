"""Fuzz the command line as a hostile user would, and count what comes out.

Usage:
    python benchmarks/fuzz.py [--cases 1120] [--seed 0] [--workers 2] [--timeout 240]
        [--families csv,options,model,cache,records,collisions,signals] [--resume] [--no-write]

Every case is generated from ``(--seed, case number)`` alone, runs ``python -m paretodiff ...``
in a fresh process inside its own folder, and is judged from the outside:

* **clean error**: a non-zero status whose last stderr line is the one ``error: ...`` line,
  no traceback and no usage box;  **success**: status 0;  **unclean error**: any other
  failure (a usage box, several error lines, a death by signal);  **timeout**: still
  running after ``--timeout`` seconds (killed).
* **traceback**: ``Traceback (most recent call last)`` on stderr.
* **non-finite output**: a ``nan``/``inf`` in a CSV the command wrote or in its stdout.
* **input changed or deleted**: a file that existed before the command (its inputs, other
  files in its folder, a model or bench folder it read) is gone or has other bytes after it,
  unless the case asked for that very file to be replaced (``--overwrite`` on an output).
* **partial file**: a temporary file left behind (a name starting with ``.`` or ending in
  ``.tmp``), or an output that is incomplete (a CSV that does not parse, a PNG without its
  end chunk, a model folder that does not load).

Families (the share of ``--cases`` each gets is in :data:`FAMILIES`): malformed CSVs through
``optimize``; bad option values on every command; damaged model folders through ``propose``;
damaged dataset caches through ``data``/``evaluate``; damaged bench records through
``report``/``bench``/``plot``; output paths that collide with inputs (same path, symbolic and
hard links, folders holding inputs, existing outputs); SIGINT/SIGTERM at random times.

Shared inputs (a dataset cache of the small tasks, a trained model, a bench folder) are made
once in ``benchmarks/out/fuzz`` and copied into each case that uses them.  Each case's
outcome is appended to ``docs/results/reliability_cases.jsonl`` (``--resume`` skips the
cases found there); the table goes to ``docs/results/reliability.md`` unless ``--no-write``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / "out" / "fuzz"
CASES_LOG = ROOT / "docs" / "results" / "reliability_cases.jsonl"
TABLE = ROOT / "docs" / "results" / "reliability.md"

# family -> share of the cases
FAMILIES = {"csv": 0.27, "options": 0.22, "model": 0.14, "cache": 0.07, "records": 0.09, "collisions": 0.11,
            "signals": 0.10}
COUNTS = ("clean error", "success", "unclean error", "timeout", "traceback", "non-finite output",
          "input changed or deleted", "partial file")
MUST_BE_ZERO = ("traceback", "non-finite output", "input changed or deleted", "partial file")


@dataclass
class Case:
    """One generated case: the files to put in its folder and the command to run there."""

    number: int
    family: str
    args: list[str]
    files: dict[str, bytes] = field(default_factory=dict)  # relative path -> bytes
    copies: dict[str, str] = field(default_factory=dict)  # relative path -> shared input to copy there
    links: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> ("symlink"|"hardlink", target)
    folders: list[str] = field(default_factory=list)  # empty folders to make
    replaceable: list[str] = field(default_factory=list)  # existing files the command may replace
    outputs: list[str] = field(default_factory=list)  # where the command writes, if it succeeds
    env: dict[str, str] = field(default_factory=dict)
    signal: tuple[str, float] | None = None  # ("SIGINT"|"SIGTERM", seconds after start)
    private_cache: bool = False  # the case damages the cache: it gets a copy


# ---------------------------------------------------------------------------------------
# Shared inputs
# ---------------------------------------------------------------------------------------


def cli(*args: str, cwd: Path, env: dict | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "paretodiff", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def design_table(rng: np.random.Generator, n: int, dim: int) -> str:
    X = rng.uniform(0.0, 1.0, (n, dim))
    cost, loss = (X ** 2).sum(axis=1), ((X - 1.0) ** 2).sum(axis=1)
    header = [f"x{j}" for j in range(dim)] + ["cost", "loss"]
    rows = [",".join(f"{v:.6g}" for v in (*x, c, l)) for x, c, l in zip(X, cost, loss)]
    return "\n".join([",".join(header), *rows]) + "\n"


def prepare_shared() -> dict[str, Path]:
    """The dataset cache, a trained model and a bench folder that cases copy (made once)."""
    shared = WORK / "shared"
    shared.mkdir(parents=True, exist_ok=True)
    cache, model, benchdir = shared / "cache", shared / "model", shared / "bench"
    env = {"PARETODIFF_CACHE": str(cache)}
    for task in ("vlmop1", "omnitest", "re21"):
        if not list(cache.glob(f"{task}-seed0-*.safetensors")):
            run_checked(cli("data", task, "-q", cwd=shared, env=env))
    (shared / "base.csv").write_text(design_table(np.random.default_rng(0), 60, 2))
    if not (model / "config.json").is_file():
        run_checked(cli("optimize", "base.csv", "--minimize", "cost,loss", "-n", "8", "-o", "base-out.csv",
                        "--save-model", "model", "-q", "--overwrite", cwd=shared, env=env))
    if not (benchdir / "runs.jsonl").is_file():
        run_checked(cli("bench", "--tasks", "vlmop1,omnitest", "--methods", "d-best", "--seeds", "0,1", "--out",
                        "bench", "-q", cwd=shared, env=env))
    return {"cache": cache, "model": model, "bench": benchdir, "base.csv": shared / "base.csv"}


def run_checked(result: subprocess.CompletedProcess) -> None:
    if result.returncode != 0:
        raise SystemExit(f"preparing the shared inputs failed:\n{result.stderr[-2000:]}")


# ---------------------------------------------------------------------------------------
# Case generators: each takes a random generator and the case number
# ---------------------------------------------------------------------------------------

NAMES = ["x0", "x1", "cost", "loss", "utility", "guidance_scale", "", " x0", "x0", "é", "a;b", "k"]
JUNK = ["", "nan", "inf", "-inf", "1e309", "1.7e308", "-1.7e308", "text", '"1,5"', " 3 ", "0x10", "1_000", "None",
        "1e-320", "--1", "١٢", "\x00", "TRUE"]


def _cell(rng) -> str:
    u = rng.random()
    if u < 0.75:
        return f"{rng.uniform(-1, 2):.6g}"
    if u < 0.85:
        return str(int(rng.integers(-3, 10)))
    return str(rng.choice(JUNK))


def malformed_csv(rng) -> bytes:
    """A table with a random mix of damage (or none)."""
    kind = rng.choice(["clean", "cells", "header", "shape", "bytes", "delimiter", "empty", "special"],
                      p=[0.2, 0.25, 0.1, 0.1, 0.08, 0.07, 0.05, 0.15])
    dim = int(rng.integers(1, 5))
    n = int(rng.choice([3, 15, 16, 17, 40, 80, 200]))
    text = design_table(rng, n, dim)
    lines = text.splitlines()
    if kind == "cells":
        for _ in range(int(rng.integers(1, 6))):
            r, cols = int(rng.integers(1, len(lines))), lines[int(rng.integers(1, len(lines)))].split(",")
            cols[int(rng.integers(0, len(cols)))] = str(rng.choice(JUNK))
            lines[r] = ",".join(cols)
    elif kind == "header":
        head = lines[0].split(",")
        head[int(rng.integers(0, len(head)))] = str(rng.choice(NAMES))
        lines[0] = ",".join(head)
    elif kind == "shape":
        r = int(rng.integers(1, len(lines)))
        lines[r] = lines[r] + ",1" if rng.random() < 0.5 else ",".join(lines[r].split(",")[:-1])
    elif kind == "delimiter":
        lines = [line.replace(",", str(rng.choice([";", "\t", " ", "|"]))) for line in lines]
    elif kind == "empty":
        lines = [] if rng.random() < 0.5 else lines[:1]
    elif kind == "special":
        special = rng.choice(["constant", "utility", "huge", "tiny", "integer", "duplicate-rows", "bom", "crlf"])
        head = lines[0].split(",")
        if special in ("constant", "utility", "huge", "tiny", "integer"):
            j = int(rng.integers(0, dim))
            if special == "utility":
                head[j] = str(rng.choice(["utility", "guidance_scale"]))
            for r in range(1, len(lines)):
                cols = lines[r].split(",")
                cols[j] = {"constant": "7", "huge": f"{rng.choice([-1.7e308, 1.7e308, 1e300])}",
                           "tiny": f"{rng.uniform(0, 1e-310):.3g}", "integer": str(int(rng.integers(0, 4))),
                           "utility": cols[j]}[special]
                lines[r] = ",".join(cols)
            lines[0] = ",".join(head)
        elif special == "duplicate-rows":
            lines = lines[:1] + [lines[1]] * (len(lines) - 1)
        text = "\n".join(lines) + "\n"
        if special == "bom":
            return b"\xef\xbb\xbf" + text.encode()
        if special == "crlf":
            return text.replace("\n", "\r\n").encode()
        return text.encode()
    raw = ("\n".join(lines) + ("\n" if lines else "")).encode()
    if kind == "bytes":
        raw = bytearray(raw)
        for _ in range(int(rng.integers(1, 8))):
            raw[int(rng.integers(0, max(1, len(raw))))] = int(rng.integers(0, 256))
        raw = bytes(raw)
    return raw


def bounds_file(rng, columns: list[str]) -> bytes:
    rows = ["column,lower,upper"] if rng.random() < 0.9 else [str(rng.choice(["name,lo,hi", "column,lower"]))]
    for _ in range(int(rng.integers(0, 3))):
        name = str(rng.choice(columns + ["nope", ""]))
        lo, hi = (rng.choice(["-inf", "-1e308", "text", "", "0.5"]) if rng.random() < 0.3 else f"{rng.uniform(-1, 0):.3g}",
                  rng.choice(["inf", "1e308", "nan", "0.1"]) if rng.random() < 0.3 else f"{rng.uniform(1, 2):.3g}")
        rows.append(f"{name},{lo},{hi}")
    return ("\n".join(rows) + "\n").encode()


def case_csv(rng, number: int) -> Case:
    raw = malformed_csv(rng)
    args = ["optimize", "d.csv", "-o", "out.csv"]
    objectives = ["cost", "loss"]
    if rng.random() < 0.3:
        args += ["--minimize", "cost", "--maximize", "loss"]
    else:
        args += ["--minimize", ",".join(objectives if rng.random() < 0.9 else [str(rng.choice(NAMES))] * 2)]
    files = {"d.csv": raw}
    if rng.random() < 0.2:
        args += ["--drop-invalid"]
    if rng.random() < 0.15:
        args += ["--inputs", str(rng.choice(["x0", "x0,x1", "x1,x9", "cost", "x0,x0"]))]
    if rng.random() < 0.2:
        files["b.csv"] = bounds_file(rng, ["x0", "x1", "x2"])
        args += ["--bounds", "b.csv"]
    if rng.random() < 0.3:
        args += ["-n", str(int(rng.choice([1, 2, 7, 64, 300])))]
    if rng.random() < 0.15:
        args += ["--seed", str(int(rng.integers(0, 2**32)))]
    if rng.random() < 0.1:
        args += ["--steps", str(int(rng.choice([1, 3, 25])))]
    if rng.random() < 0.1:
        args += ["--generative", "diffusion"]
    if rng.random() < 0.15:
        args += ["--save-model", "m"]
    if rng.random() < 0.1:
        args += ["--plot", "f.png"]
    if rng.random() < 0.02:
        args += ["--preset", "faithful"]
    elif rng.random() < 0.1:
        args += ["--method", str(rng.choice(["multiple-models:hidden=16:16,epochs=2", "d-best",
                                             "multi-head:hidden=16:16,epochs=2"]))]
    args += ["-q"] if rng.random() < 0.8 else []
    return Case(number, "csv", args, files=files, outputs=["out.csv", "m", "f.png"])


NUMBERS = ["0", "-1", "-5", "1", "3", "1.5", "abc", "", "99999999999999999999", "4294967295", "4294967296", "1e3",
           "nan", "inf", "-0", "0x10", "٣"]


def case_options(rng, number: int) -> Case:
    """One command with one or two options given a random (usually bad) value."""
    files = {"d.csv": design_table(rng, 40, 2).encode(),
             "designs.csv": "x0\n0.5\n0.7\n".encode()}
    command = str(rng.choice(["optimize", "propose", "data", "evaluate", "run", "bench", "report", "plot", "tasks",
                              "nothing"]))
    copies = {}
    if command == "optimize":
        base = ["optimize", "d.csv", "--minimize", "cost,loss", "-o", "out.csv", "-q"]
        choices = ["-n", "--seed", "--steps", "--preset", "--generative", "--sampler", "--minimize", "--maximize",
                   "--inputs", "--bounds", "--output", "--save-model", "--plot", "--method"]
    elif command == "propose":
        copies["m"] = "model"
        base = ["propose", "m", "-o", "out.csv", "-q"]
        choices = ["-n", "--seed", "--steps", "--sampler", "--output"]
    elif command == "data":
        base = ["data", str(rng.choice(["vlmop1", "omnitest", "nope", "VLMOP1", ""])), "-q"]
        choices = ["--seed", "--split", "--best", "-o"]
    elif command == "evaluate":
        base = ["evaluate", str(rng.choice(["vlmop1", "omnitest", "nope"])), "designs.csv", "-q"]
        choices = ["--seed", "--json"]
    elif command == "run":
        base = ["run", str(rng.choice(["vlmop1", "nope"])), "-q", "-n", "8"]
        choices = ["--method", "--seed", "--data-seed", "-n", "--steps", "--sampler", "--generative"]
    elif command == "bench":
        base = ["bench", "--tasks", "vlmop1", "--methods", "d-best", "--seeds", "0", "--out", "b", "-q"]
        choices = ["--tasks", "--methods", "--seeds", "--data-seed", "-n", "--workers", "--backend", "--address"]
    elif command == "report":
        copies["b"] = "bench"
        base = ["report", str(rng.choice(["b", "nope", "d.csv"]))]
        choices = ["--csv"]
    elif command == "plot":
        copies["b"] = "bench"
        base = ["plot", "b", "--task", "vlmop1", "-o", "p.png"]
        choices = ["--task", "--seed", "-o"]
    elif command == "tasks":
        base = ["tasks"]
        choices = ["--seed", "--json"]
    else:
        base = [str(rng.choice(["frob", "--version", "-h", "optimise", "--quiet"]))]
        choices = []
    args = list(base)
    for _ in range(int(rng.integers(1, 3)) if choices else 0):
        option = str(rng.choice(choices + ["--no-such-option"]))
        if option in ("--json", "--csv"):
            args.append(option)
            continue
        value = str(rng.choice(NUMBERS + ["pgd", "ddpm", "euler", "heun", "ddim", "diffusion", "flow", "faithful",
                                         "pgd:sampling.steps=abc", "pgd:sample_steps=3", "d-best:foo=1",
                                         "multiple-models:epochs=1.5", "multiple-models:hidden=8,epochs=1", "d-best",
                                         "pgd:sampling.guidance_scales=NaN", "paretoflow:T=x", "all,nope", "train",
                                         "test",
                                         "local", "cost", "x0", "x9", "d.csv", ".", "/", "out.csv"]))
        args += [option, value]
    if rng.random() < 0.1 and len(args) > 1:
        args.pop(int(rng.integers(1, len(args))))  # a missing value or argument
    return Case(number, "options", args, files=files, copies=copies, outputs=["out.csv", "b", "p.png", "m"])


def json_edits(rng, doc: dict) -> dict:
    """A copy of a model's config.json with one entry changed in type, shape or value."""
    doc = json.loads(json.dumps(doc))
    section = str(rng.choice(["config", "space", "state", "top"]))
    target = doc if section == "top" else doc[section]
    while True:  # down into the nested config, to a leaf or a section
        key = str(rng.choice(sorted(target)))
        if isinstance(target[key], dict) and rng.random() < 0.7:
            target = target[key]
            continue
        break
    value = target[key]
    replacement = rng.choice(["delete", "null", "string", "list", "negative", "huge", "bool", "nested", "shorter",
                              "swap"])
    if replacement == "delete":
        del target[key]
        return doc
    new = {"null": None, "string": str(value), "list": [value], "negative": -1, "huge": 1e308, "bool": True,
           "nested": {"x": value}}.get(replacement)
    if replacement == "shorter":
        new = value[:-1] if isinstance(value, list) and value else []
    if replacement == "swap" and section == "space":
        doc["space"]["lower"], doc["space"]["upper"] = doc["space"]["upper"], doc["space"]["lower"]
        return doc
    target[key] = new
    return doc


def byte_damage(rng, raw: bytes) -> bytes:
    kind = rng.choice(["flip", "truncate", "insert", "zero", "empty"])
    if not raw or kind == "empty":
        return b""
    if kind == "flip":
        out = bytearray(raw)
        for _ in range(int(rng.integers(1, 5))):
            out[int(rng.integers(0, len(out)))] ^= int(rng.integers(1, 256))
        return bytes(out)
    if kind == "truncate":
        return raw[: int(rng.integers(0, len(raw)))]
    if kind == "zero":
        start = int(rng.integers(0, len(raw)))
        return raw[:start] + bytes(min(64, len(raw) - start)) + raw[start + 64:]
    at = int(rng.integers(0, len(raw) + 1))
    return raw[:at] + bytes(rng.integers(0, 256, int(rng.integers(1, 32))).astype(np.uint8)) + raw[at:]


def case_model(rng, number: int, shared: dict) -> Case:
    model = shared["model"]
    doc = json.loads((model / "config.json").read_text())
    files: dict[str, bytes] = {}
    kind = rng.choice(["config-bytes", "config-json", "weights", "missing", "extra", "both"], p=[.25, .3, .25, .07, .06, .07])
    config, weights = (model / "config.json").read_bytes(), (model / "weights.safetensors").read_bytes()
    if kind in ("config-bytes", "both"):
        config = byte_damage(rng, config)
    if kind == "config-json":
        config = json.dumps(json_edits(rng, doc)).encode()
    if kind in ("weights", "both"):
        weights = byte_damage(rng, weights)
    files["m/config.json"] = config
    files["m/weights.safetensors"] = weights
    if kind == "missing":
        files.pop(str(rng.choice(["m/config.json", "m/weights.safetensors"])))
    if kind == "extra":
        files["m/notes.txt"] = b"an engineer's note"
    args = ["propose", "m", "-o", "out.csv", "-n", str(int(rng.choice([1, 8, 256])))]
    args += ["-q"] if rng.random() < 0.7 else []
    if rng.random() < 0.2:
        args += ["--steps", str(int(rng.integers(1, 30)))]
    return Case(number, "model", args, files=files, folders=["m"], outputs=["out.csv"])


def case_cache(rng, number: int, shared: dict) -> Case:
    task = str(rng.choice(["vlmop1", "omnitest"]))
    kind = rng.choice(["bytes", "folder", "env-file", "missing-dir", "wrong-name"], p=[0.6, 0.1, 0.1, 0.1, 0.1])
    command = (["data", task, "--best", "8", "-o", "out.csv"] if rng.random() < 0.4 else
               ["evaluate", task, "designs.csv", "--json"] if rng.random() < 0.6 else ["data", task])
    files = {"designs.csv": ("x0,x1\n0.5,0.5\n1.5,2.5\n" if task == "omnitest" else "x0\n0.2\n0.9\n").encode()}
    case = Case(number, "cache", command + (["-q"] if rng.random() < 0.7 else []), files=files,
                private_cache=True, outputs=["out.csv"])
    case.env["damage"] = json.dumps({"kind": str(kind), "task": task, "seed": int(rng.integers(0, 2**31))})
    return case


def damage_cache(cache: Path, how: dict, folder: Path, env: dict) -> None:
    """Damage the private copy of the cache as the case asks."""
    rng = np.random.default_rng(how["seed"])
    path = next(cache.glob(f"{how['task']}-seed0-*.safetensors"))
    if how["kind"] == "bytes":
        path.write_bytes(byte_damage(rng, path.read_bytes()))
    elif how["kind"] == "folder":
        path.unlink()
        path.mkdir()
        (path / "mine.txt").write_text("not a dataset")
    elif how["kind"] == "env-file":
        (folder / "cachefile").write_text("a file of mine")
        env["PARETODIFF_CACHE"] = str(folder / "cachefile")
    elif how["kind"] == "missing-dir":
        env["PARETODIFF_CACHE"] = str(folder / "new" / "cache")
    else:
        other = next(p for p in cache.glob("*.safetensors") if p != path)
        shutil.copy(other, path)


def case_records(rng, number: int, shared: dict) -> Case:
    cells = sorted(p.name for p in (shared["bench"] / "cells").glob("*.json"))
    files: dict[str, bytes] = {}
    for _ in range(int(rng.integers(1, 3))):
        kind = rng.choice(["bytes", "copy", "json", "runs", "delete", "foreign"])
        name = str(rng.choice(cells))
        raw = (shared["bench"] / "cells" / name).read_bytes()
        if kind == "bytes":
            files[f"b/cells/{name}"] = byte_damage(rng, raw)
        elif kind == "copy":
            files[f"b/cells/{name}"] = (shared["bench"] / "cells" / str(rng.choice(cells))).read_bytes()
        elif kind == "json":
            record = json.loads(raw)
            key = str(rng.choice(sorted(record)))
            record[key] = [None, "x", -1, [], {}][int(rng.integers(0, 5))]
            files[f"b/cells/{name}"] = json.dumps(record).encode()
        elif kind == "runs":
            runs = (shared["bench"] / "runs.jsonl").read_bytes()
            files["b/runs.jsonl"] = byte_damage(rng, runs) if rng.random() < 0.5 else runs + b'{"command": "x", "fin'
        elif kind == "delete":
            files[f"b/cells/{name}"] = b""
        else:
            files["b/cells/notes.json"] = b'{"mine": true}'
    command = rng.choice(["report", "report-csv", "bench", "plot"])
    args = {"report": ["report", "b"], "report-csv": ["report", "b", "--csv"],
            "bench": ["bench", "--tasks", "vlmop1,omnitest", "--methods", "d-best", "--seeds", "0,1", "--out", "b", "-q"],
            "plot": ["plot", "b", "--task", str(rng.choice(["vlmop1", "omnitest"])), "-o", "p.png"]}[str(command)]
    # bench rewrites its own records and results: those files are its outputs, not inputs to keep
    replaceable = ([f"b/cells/{c}" for c in cells] + ["b/results.csv", "b/results.md", "b/runs.jsonl"]
                   if command == "bench" else [])
    return Case(number, "records", args, files=files, copies={"b": "bench"}, replaceable=replaceable,
                outputs=["p.png"])


def case_collisions(rng, number: int, shared: dict) -> Case:
    files = {"d.csv": design_table(rng, 40, 2).encode(), "b.csv": b"column,lower,upper\nx0,-1,2\n"}
    kind = str(rng.choice(["same", "relative", "symlink", "hardlink", "bounds", "plot-data", "outputs-equal",
                           "model-holds-data", "model-is-folder", "output-in-model", "plot-in-bench",
                           "existing", "existing-overwrite", "folder-as-file", "file-as-folder", "data-export"]))
    base = ["optimize", "d.csv", "--minimize", "cost,loss", "-n", "4", "-q"]
    case = Case(number, "collisions", [], files=files, outputs=["out.csv", "m", "f.png", "p.png"])
    if kind == "same":
        case.args = base + ["-o", "d.csv", *(["--overwrite"] if rng.random() < 0.5 else [])]
    elif kind == "relative":
        case.folders = ["sub"]
        case.args = base + ["-o", str(rng.choice(["./d.csv", "sub/../d.csv", "sub/../../" + "x/d.csv"])), "--overwrite"]
    elif kind in ("symlink", "hardlink"):
        case.links = {"link.csv": (kind, "d.csv")}
        case.args = base + ["-o", "link.csv", "--overwrite"]
    elif kind == "bounds":
        case.args = base + ["--bounds", "b.csv", "-o", "b.csv", "--overwrite"]
    elif kind == "plot-data":
        case.args = base + ["--bounds", "b.csv", "-o", "out.csv", "--plot", str(rng.choice(["d.csv", "b.csv"])),
                            "--overwrite"]
    elif kind == "outputs-equal":
        case.args = base + ["-o", "out.csv", "--plot", "out.csv"]
    elif kind == "model-holds-data":
        case.files = {"m/d.csv": files["d.csv"]}
        case.args = ["optimize", "m/d.csv", "--minimize", "cost,loss", "-n", "4", "-q", "-o", "out.csv",
                     "--save-model", str(rng.choice(["m", "m/", "."])), "--overwrite"]
    elif kind == "model-is-folder":
        case.files["mine/notes.txt"] = b"mine"
        case.args = base + ["-o", "out.csv", "--save-model", "mine", *(["--overwrite"] if rng.random() < 0.5 else [])]
    elif kind == "output-in-model":
        case.copies = {"m": "model"}
        case.args = ["propose", "m", "-o", str(rng.choice(["m/config.json", "m/weights.safetensors", "m/new.csv"])),
                     "--overwrite", "-q"]
    elif kind == "plot-in-bench":
        case.copies = {"b": "bench"}
        case.args = ["plot", "b", "--task", "vlmop1", "-o",
                     str(rng.choice(["b/cells/vlmop1__d-best__seed0.json", "b/results.md", "b/x.png"])), "--overwrite"]
    elif kind == "existing":
        case.files["out.csv"] = b"my results\n"
        case.args = base + ["-o", "out.csv"]
    elif kind == "existing-overwrite":
        case.files["out.csv"] = b"my results\n"
        case.replaceable = ["out.csv"]
        case.args = base + ["-o", "out.csv", "--overwrite"]
    elif kind == "folder-as-file":
        case.folders = ["out"]
        case.args = base + ["-o", "out"]
    elif kind == "file-as-folder":
        case.args = base + ["-o", "out.csv", "--save-model", "d.csv", "--overwrite"]
    else:  # d.csv and link.csv are not inputs of `data`: with --overwrite they may be replaced (the link's
        # target, b.csv, never is)
        target = str(rng.choice(["d.csv", "link.csv"]))
        case.args = ["data", "vlmop1", "-o", target, "--overwrite", "-q"]
        case.links = {"link.csv": ("symlink", "b.csv")}
        case.replaceable = [target]
    return case


def case_signals(rng, number: int, shared: dict) -> Case:
    which = str(rng.choice(["SIGINT", "SIGTERM"]))
    command = str(rng.choice(["optimize", "optimize-big", "propose", "bench", "data-new", "run"]))
    files = {"d.csv": design_table(rng, 60, 3).encode()}
    copies: dict[str, str] = {}
    replaceable: list[str] = []
    if command == "optimize":
        args = ["optimize", "d.csv", "--minimize", "cost,loss", "-o", "out.csv", "--save-model", "m", "--plot", "f.png"]
        delay = rng.uniform(0.5, 8.0)
    elif command == "optimize-big":
        files["d.csv"] = design_table(rng, 3000, 3).encode()
        args = ["optimize", "d.csv", "--minimize", "cost,loss", "-o", "out.csv", "--save-model", "m"]
        delay = rng.uniform(2.0, 14.0)
    elif command == "propose":
        copies["m"] = "model"
        args = ["propose", "m", "-o", "out.csv", "-n", "2000"]
        delay = rng.uniform(0.5, 5.0)
    elif command == "bench":
        copies["b"] = "bench"
        args = ["bench", "--tasks", "vlmop1,omnitest,re21", "--methods", "d-best", "--seeds", "0,1,2", "--out", "b",
                "--workers", str(int(rng.choice([0, 1])))]
        replaceable = ["b/results.csv", "b/results.md", "b/runs.jsonl"]
        delay = rng.uniform(0.5, 12.0)
    elif command == "data-new":
        args = ["data", "vlmop1", "--seed", str(int(rng.integers(1, 50))), "-o", "out.csv"]
        delay = rng.uniform(0.5, 10.0)
    else:
        args = ["run", "vlmop1", "-n", "32"]
        delay = rng.uniform(1.0, 10.0)
    return Case(number, "signals", args, files=files, copies=copies, replaceable=replaceable,
                outputs=["out.csv", "m", "f.png"], signal=(which, float(delay)), private_cache=command == "data-new")


GENERATORS = {"csv": case_csv, "options": case_options, "model": case_model, "cache": case_cache,
              "records": case_records, "collisions": case_collisions, "signals": case_signals}


def make_cases(total: int, seed: int, families: list[str], shared: dict) -> list[Case]:
    shares = np.array([FAMILIES[f] for f in families])
    counts = np.floor(shares / shares.sum() * total).astype(int)
    counts[0] += total - counts.sum()
    cases, number = [], 0
    for family, count in zip(families, counts):
        for _ in range(count):
            rng = np.random.default_rng([seed, number])
            gen = GENERATORS[family]
            cases.append(gen(rng, number) if family in ("csv", "options") else gen(rng, number, shared))
            number += 1
    return cases


# ---------------------------------------------------------------------------------------
# Running and judging one case
# ---------------------------------------------------------------------------------------


def set_up(case: Case, folder: Path, shared: dict) -> dict[str, str]:
    """Make the case's folder; return the environment of its command."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for name in case.folders:
        (folder / name).mkdir(parents=True, exist_ok=True)
    for name, source in case.copies.items():
        shutil.copytree(shared[source], folder / name)
    for name, raw in case.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(raw)
    for name, (kind, target) in case.links.items():
        if kind == "symlink":
            (folder / name).symlink_to(target)
        else:
            os.link(folder / target, folder / name)
    env = {"PARETODIFF_CACHE": str(shared["cache"]), "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"}
    if case.private_cache:
        shutil.copytree(shared["cache"], folder / ".." / f"{folder.name}-cache", dirs_exist_ok=True)
        env["PARETODIFF_CACHE"] = str((folder / ".." / f"{folder.name}-cache").resolve())
    if "damage" in case.env:
        damage_cache(Path(env["PARETODIFF_CACHE"]), json.loads(case.env["damage"]), folder, env)
    return env


def snapshot(folder: Path) -> dict[str, str]:
    out = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            out[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def run_case(case: Case, shared: dict, timeout: float) -> dict:
    folder = WORK / "cases" / f"{case.number:05d}"
    env = set_up(case, folder, shared)
    before = snapshot(folder)
    links_before = {name: os.readlink(folder / name) for name in case.links if case.links[name][0] == "symlink"}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "paretodiff", *case.args], cwd=folder, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, errors="replace", env={**os.environ, **env})
    if case.signal is not None:
        timer = threading.Timer(case.signal[1], lambda: _signal(process, case.signal[0]))
        timer.start()
    try:
        out, err = process.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        timed_out = True
    if case.signal is not None:
        timer.cancel()
    seconds = time.perf_counter() - start
    outcome = judge(case, folder, before, links_before, process.returncode, out, err, timed_out)
    outcome.update(number=case.number, family=case.family, command=shlex.join(["paretodiff", *case.args]),
                   status=process.returncode, seconds=round(seconds, 2),
                   stderr_tail=err.strip().splitlines()[-1][:300] if err.strip() else "")
    if case.signal is not None:
        outcome["signal"] = [case.signal[0], round(case.signal[1], 2)]
    if outcome["result"] in ("unclean error", "timeout") or outcome["traceback"]:
        outcome["stderr"] = err.strip().splitlines()[-40:]  # enough to see the cause
    if not any(outcome[k] for k in MUST_BE_ZERO) and outcome["result"] != "unclean error":
        shutil.rmtree(folder, ignore_errors=True)
    for extra in folder.parent.glob(f"{folder.name}-cache"):
        scan_partial(extra, outcome)
        shutil.rmtree(extra, ignore_errors=True)
    return outcome


def _signal(process: subprocess.Popen, name: str) -> None:
    if process.poll() is None:
        process.send_signal(getattr(signal, name))


def judge(case: Case, folder: Path, before: dict, links_before: dict, status: int, out: str, err: str,
          timed_out: bool) -> dict:
    error_lines = [line for line in err.splitlines() if line.startswith("error: ")]
    last = err.strip().splitlines()[-1] if err.strip() else ""
    box = "Usage:" in err or "╭" in err or "│" in err
    traceback = "Traceback (most recent call last)" in err
    if timed_out:
        result = "timeout"
    elif status == 0:
        result = "success"
    elif status > 0 and not traceback and not box and len(error_lines) == 1 and last.startswith("error: "):
        result = "clean error"
    else:
        result = "unclean error"
    outcome = {"result": result, "traceback": traceback, "non-finite output": False,
               "input changed or deleted": [], "partial file": []}
    after = snapshot(folder)
    for name, digest in before.items():
        if name in case.replaceable:
            continue
        if after.get(name) != digest:
            outcome["input changed or deleted"].append(name)
    for name, target in links_before.items():
        if name in case.replaceable:
            continue
        path = folder / name
        if not path.is_symlink() or os.readlink(path) != target:
            outcome["input changed or deleted"].append(name)
    scan_partial(folder, outcome)
    new_files = [folder / name for name in after if name not in before or after[name] != before[name]]
    for path in new_files:
        if path.suffix == ".csv" and not_finite_csv(path):
            outcome["non-finite output"] = True
        if not complete(path):
            outcome["partial file"].append(str(path.relative_to(folder)))
    for name in case.outputs:
        if (folder / name).is_dir() and (folder / name / "config.json").exists() and name not in case.copies:
            if not model_loads(folder / name):
                outcome["partial file"].append(name)
    if status == 0 and re.search(r"(?<![\w/])(nan|NaN|-?inf|-?Infinity)(?![\w/])", out):
        outcome["non-finite output"] = True
    return outcome


def scan_partial(folder: Path, outcome: dict) -> None:
    for path in folder.rglob("*"):
        if path.name.startswith(".") or path.name.endswith(".tmp"):
            outcome["partial file"].append(str(path.relative_to(folder.parent)))


NON_FINITE = re.compile(r"(?i)^\s*[+-]?(nan|inf|infinity)\s*$")


def not_finite_csv(path: Path) -> bool:
    """Whether a cell of a CSV the command wrote reads as a non-finite number (an empty cell is
    a missing value, not a number)."""
    import csv

    try:
        with open(path, newline="", errors="replace") as handle:
            return any(NON_FINITE.match(cell) for row in csv.reader(handle) for cell in row)
    except csv.Error:
        return False  # ``complete`` reports an unreadable output


def complete(path: Path) -> bool:
    """Whether a file the command wrote is whole: CSV parses, PNG has its end chunk, JSON parses."""
    import pandas as pd

    try:
        if path.suffix == ".csv":
            pd.read_csv(path)
        elif path.suffix == ".png":
            return path.read_bytes().endswith(b"IEND\xaeB`\x82")
        elif path.suffix in (".json", ".md") or path.name == "runs.jsonl":
            text = path.read_text()
            if path.suffix == ".json":
                json.loads(text)
    except Exception:
        return False
    return True


def model_loads(folder: Path) -> bool:
    from paretodiff.methods.pgd import ParetoDiff

    try:
        ParetoDiff.load(folder)
        return True
    except Exception:
        return False


# ---------------------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------------------


def tally(outcomes: list[dict], families: list[str]) -> dict[str, dict[str, int]]:
    rows = {f: dict.fromkeys(("cases", *COUNTS), 0) for f in families}
    for o in outcomes:
        row = rows[o["family"]]
        row["cases"] += 1
        row[o["result"]] += 1
        row["traceback"] += bool(o["traceback"])
        row["non-finite output"] += bool(o["non-finite output"])
        row["input changed or deleted"] += bool(o["input changed or deleted"])
        row["partial file"] += bool(o["partial file"])
    rows["all"] = {k: sum(r[k] for r in rows.values()) for k in ("cases", *COUNTS)}
    return rows


def write_table(outcomes: list[dict], families: list[str], command: str, wall: float) -> str:
    rows = tally(outcomes, families)
    from paretodiff.bench import machine

    lines = ["# Reliability: the command line fuzzed", "",
             f"Command: `{command}`  ", f"Machine: {machine()}  ",
             f"Date: {dt.date.today().isoformat()}  ", f"Wall time of this run: {wall / 60:.0f} min  ",
             "Code: " + ", ".join(f"{c} ({n} cases)" for c, n in Counter(o.get("code", "not recorded")
                                                                        for o in outcomes).items()), "",
             "Every case is a fresh `python -m paretodiff` process in its own folder, judged from the outside "
             "(see `benchmarks/fuzz.py` for the definitions). The last four columns must be 0.", "",
             "| family | cases | " + " | ".join(COUNTS) + " |", "|---|" + "---:|" * (len(COUNTS) + 1)]
    for family, row in rows.items():
        name = f"**{family}**" if family == "all" else family
        lines.append(f"| {name} | {row['cases']} | " + " | ".join(str(row[k]) for k in COUNTS) + " |")
    bad = [o for o in outcomes if any(o[k] for k in MUST_BE_ZERO) or o["result"] in ("unclean error", "timeout")]
    lines += ["", f"Cases that broke a rule or ended uncleanly: {len(bad)}."]
    for o in bad[:40]:
        what = [k for k in MUST_BE_ZERO if o[k]] + ([o["result"]] if o["result"] in ("unclean error", "timeout") else [])
        lines.append(f"- case {o['number']} ({o['family']}, {', '.join(what)}): `{o['command']}` "
                     f"-> status {o['status']}: {o['stderr_tail'][:160]}")
    by_family = {f: [o for o in outcomes if o["family"] == f] for f in families}
    lines += ["", "What the families hold (case counts by the first word of their command):", ""]
    for family, cases in by_family.items():
        words = Counter(o["command"].split()[1] if len(o["command"].split()) > 1 else "?" for o in cases)
        lines.append(f"- {family}: " + ", ".join(f"{w} {c}" for w, c in words.most_common()))
    signals = [o for o in outcomes if "signal" in o]
    if signals:
        hit = sum(o["status"] in (130, 143) for o in signals)
        lines += ["", f"Signals: {len(signals)} cases; {hit} were still running when the signal came "
                  f"(status 130 or 143), the others had finished."]
    text = "\n".join(lines) + "\n"
    return text


def code_version() -> str:
    """The commit the cases run on (``+changes`` when ``src/`` differs from it)."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    changed = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True)
    return (commit.stdout.strip() or "unknown") + ("+changes" if changed.stdout.strip() else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1120)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=240.0)
    parser.add_argument("--families", default=",".join(FAMILIES))
    parser.add_argument("--resume", action="store_true", help="skip the cases already in the cases log")
    parser.add_argument("--no-write", action="store_true", help="print the table instead of writing it")
    args = parser.parse_args()
    families = [f for f in args.families.split(",") if f]
    shared = prepare_shared()
    cases = make_cases(args.cases, args.seed, families, shared)
    done: dict[int, dict] = {}
    if args.resume and CASES_LOG.is_file():
        for line in CASES_LOG.read_text().splitlines():
            try:
                o = json.loads(line)
                done[o["number"]] = o
            except (ValueError, KeyError):
                continue
    elif CASES_LOG.exists() and not args.no_write:
        CASES_LOG.unlink()
    todo = [c for c in cases if c.number not in done]
    print(f"{len(cases)} cases, {len(done)} already run, {len(todo)} to run", file=sys.stderr)
    start = time.perf_counter()
    lock = threading.Lock()

    code = code_version()

    def one(case: Case) -> dict:
        outcome = {**run_case(case, shared, args.timeout), "code": code}
        with lock:
            done[case.number] = outcome
            if not args.no_write:
                with open(CASES_LOG, "a") as handle:
                    handle.write(json.dumps(outcome) + "\n")
            flag = [k for k in MUST_BE_ZERO if outcome[k]]
            print(f"[{len(done)}/{len(cases)}] {case.number} {case.family}: {outcome['result']}"
                  + (f" {flag}" if flag else ""), file=sys.stderr)
        return outcome

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(one, todo))
    outcomes = [done[c.number] for c in cases if c.number in done]
    command = "python benchmarks/fuzz.py " + " ".join(sys.argv[1:])
    text = write_table(outcomes, families, command, time.perf_counter() - start)
    if args.no_write:
        print(text)
    else:
        TABLE.write_text(text)
        print(text)
    rows = tally(outcomes, families)
    sys.exit(1 if any(rows["all"][k] for k in MUST_BE_ZERO) else 0)


if __name__ == "__main__":
    main()
