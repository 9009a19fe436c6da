"""The task registry: the 31 continuous Off-MOO-Bench tasks, rebuilt from their definitions.

>>> from paretodiff import tasks
>>> task = tasks.get("zdt1")
>>> task.n_var, task.n_obj
(30, 2)

Adding a task is one file with its function and :class:`Task` and one :func:`register` line
below (or a call from your own code); ``docs/architecture.md`` has a worked example.
"""

from __future__ import annotations

from paretodiff.tasks.base import Collection, Task
from paretodiff.tasks.engineering import TASKS as _ENGINEERING
from paretodiff.tasks.synthetic import TASKS as _SYNTHETIC

_REGISTRY: dict[str, Task] = {}
GROUPS: dict[str, tuple[str, ...]] = {"synthetic": (), "re": (), "all": ()}


def register(task: Task) -> Task:
    """Add a task to the registry (and to its group and ``all``); its name must be new.

    Raises:
        ValueError: a task of that name is registered already.
    """
    key = _key(task.name)
    if key in _REGISTRY:
        raise ValueError(f"a task named {task.name!r} is registered already")
    _REGISTRY[key] = task
    GROUPS[task.group] = (*GROUPS.get(task.group, ()), task.name)
    GROUPS["all"] = (*GROUPS["all"], task.name)
    return task


def _key(name: str) -> str:
    return name.strip().lower().replace("-", "").replace("_", "")


for _task in (*_SYNTHETIC, *_ENGINEERING):
    register(_task)

DEFAULT_TASK = "zdt1"


def names() -> list[str]:
    """All task names, synthetic first, in the benchmark's order."""
    return list(_REGISTRY)


def get(name: str) -> Task:
    """The task called ``name`` (case-insensitive, ``-``/``_`` ignored).

    Raises:
        KeyError: with the list of known names, if there is no such task.
    """
    key = _key(name)
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


__all__ = ["Collection", "Task", "GROUPS", "DEFAULT_TASK", "names", "get", "expand", "register"]
