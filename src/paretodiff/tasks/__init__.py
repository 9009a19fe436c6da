"""The task registry: the 31 continuous Off-MOO-Bench tasks, rebuilt from their definitions.

>>> from paretodiff import tasks
>>> task = tasks.get("zdt1")
>>> task.n_var, task.n_obj
(30, 2)
"""

from __future__ import annotations

from paretodiff.tasks.base import Collection, Task
from paretodiff.tasks.engineering import TASKS as _ENGINEERING
from paretodiff.tasks.synthetic import TASKS as _SYNTHETIC

_REGISTRY: dict[str, Task] = {task.name: task for task in (*_SYNTHETIC, *_ENGINEERING)}

GROUPS: dict[str, tuple[str, ...]] = {
    "synthetic": tuple(t.name for t in _SYNTHETIC),
    "re": tuple(t.name for t in _ENGINEERING),
}
GROUPS["all"] = GROUPS["synthetic"] + GROUPS["re"]

DEFAULT_TASK = "zdt1"


def names() -> list[str]:
    """All task names, synthetic first, in the benchmark's order."""
    return list(_REGISTRY)


def get(name: str) -> Task:
    """The task called ``name`` (case-insensitive, ``-``/``_`` ignored).

    Raises:
        KeyError: with the list of known names, if there is no such task.
    """
    key = name.strip().lower().replace("-", "").replace("_", "")
    if key not in _REGISTRY:
        raise KeyError(f"unknown task {name!r}; known tasks: {', '.join(_REGISTRY)}")
    return _REGISTRY[key]


def expand(spec: str) -> list[str]:
    """Task names from a comma-separated list that may use the groups ``synthetic``, ``re``, ``all``."""
    out: list[str] = []
    for part in (p.strip().lower() for p in spec.split(",") if p.strip()):
        for name in GROUPS[part] if part in GROUPS else (get(part).name,):
            if name not in out:
                out.append(name)
    return out


__all__ = ["Collection", "Task", "GROUPS", "DEFAULT_TASK", "names", "get", "expand"]
