"""The worked examples of docs/architecture.md run as written: a sampler, a method and a task,
each added by one file and one registry line."""

import re
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from paretodiff import data, evaluation, methods, tasks
from paretodiff.generative import registry

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"


def examples() -> list[tuple[str, str]]:
    """``(file, code)`` of every Python block that starts with a ``# src/paretodiff/...`` line."""
    blocks = re.findall(r"```python\n# (src/paretodiff/[\w/]+\.py)[^\n]*\n(.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 6, "three examples, each a file and a registry line"
    return blocks


@pytest.fixture
def added(monkeypatch, tmp_path):
    """Run each example: a new file becomes a module of its dotted name; a registry line runs in
    the module it names (whose registries are copies, restored afterwards)."""
    monkeypatch.setattr(registry, "SAMPLERS", dict(registry.SAMPLERS))
    monkeypatch.setattr(methods, "_REGISTRY", dict(methods._REGISTRY))
    monkeypatch.setattr(tasks, "_REGISTRY", dict(tasks._REGISTRY))
    monkeypatch.setattr(tasks, "GROUPS", dict(tasks.GROUPS))
    monkeypatch.setenv("PARETODIFF_CACHE", str(tmp_path))
    for path, code in examples():
        name = path.removeprefix("src/").removesuffix(".py").replace("/", ".").removesuffix(".__init__")
        if (DOC.parents[1] / path).exists():  # a registry line in a file that is there
            module = sys.modules[name]
            if name == "paretodiff.tasks":  # the example names its file's module
                code = "from paretodiff.tasks import schaffer\n" + code
            exec(code, module.__dict__)
        else:
            module = types.ModuleType(name)
            exec(code, module.__dict__)
            monkeypatch.setitem(sys.modules, name, module)
            parent, _, leaf = name.rpartition(".")
            monkeypatch.setattr(sys.modules[parent], leaf, module, raising=False)


def test_the_sampler_example(added):
    from paretodiff.generative import samplers
    from paretodiff.generative.paths import FlowPath

    spec = registry.SAMPLERS["midpoint"]
    assert registry.for_path("flow")[-1] == "midpoint" and "midpoint" in registry.help_text()
    path = FlowPath(1000)
    x0 = np.array([0.3, -0.7])
    import torch

    class PointMass(torch.nn.Module):
        def forward(self, x, t):
            return (x - torch.tensor(x0)) / (t.double() / 1000)[:, None]

    x = torch.randn((8, 2), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    out = spec.function(PointMass(), path, x, samplers.grid(spec, 1000, 5))
    np.testing.assert_allclose(out.numpy(), np.tile(x0, (8, 1)), atol=1e-4)


def test_the_method_example(added):
    X = np.random.default_rng(0).uniform(0, 1, (50, 2))
    data_ = methods.OfflineData(X, np.column_stack([X.sum(1), (1 - X).sum(1)]))
    proposals = methods.make("random").fit(data_, seed=0).propose(7, seed=1)
    assert proposals.X.shape == (7, 2) and (proposals.X >= X.min(0)).all() and (proposals.X <= X.max(0)).all()


def test_the_task_example(added):
    task = tasks.get("schaffer")
    assert task.nadir is None and "schaffer" in tasks.GROUPS["synthetic"]
    dataset = data.generate(task, 0, size=300)
    report = evaluation.evaluate(task, np.array([[0.0], [1.0], [2.0]]), dataset)
    assert report.hv["100th"] > 0 and report.igd is None
