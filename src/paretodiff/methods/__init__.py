"""Offline multi-objective methods behind one interface (:class:`~paretodiff.methods.base.Method`).

>>> from paretodiff import methods
>>> method = methods.make("multiple-models")                # or "pgd", "paretoflow", "d-best", ...
>>> proposals = method.fit(methods.OfflineData(X, Y), seed=0).propose(256, seed=0)
>>> proposals.X                                             # (256, D), inside the box

A method is named by a *spec*: its name, optionally followed by ``:`` and comma-separated
``key=value`` settings that override its defaults, e.g. ``multiple-models:preset=published``
or ``pgd:sampling.steps=25``.  Values are parsed as JSON where possible (numbers, booleans),
``a:b`` as a tuple of numbers, and strings otherwise.

Adding a method is one file (a class with the :class:`~paretodiff.methods.base.Method`
methods) and one :func:`register` line below; ``docs/architecture.md`` has a worked example.
"""

from __future__ import annotations

import importlib
import inspect
import json
from dataclasses import dataclass, field

from paretodiff.methods.base import Method, OfflineData, Proposals, check_n, exactly_n


@dataclass(frozen=True)
class MethodSpec:
    """A registered method: where its class is (imported only when it is made), the settings
    its name fixes, and one line for the help text."""

    name: str
    target: str  # "module:Class"
    fixed: dict = field(default_factory=dict)
    summary: str = ""


_REGISTRY: dict[str, MethodSpec] = {}


def register(name: str, target: str, summary: str = "", **fixed) -> MethodSpec:
    """Add a method: ``register("my-method", "my_package.my_module:MyMethod", "what it is")``."""
    spec = MethodSpec(name, target, dict(fixed), summary)
    _REGISTRY[name] = spec
    return spec


register("d-best", "paretodiff.methods.dbest:DBest", "the best n training designs (Off-MOO-Bench's anchor row)")
register("multiple-models", "paretodiff.methods.surrogate:MultipleModels",
         "one MLP surrogate per objective, NSGA-II on the surrogates")
register("multi-head", "paretodiff.methods.surrogate:MultiHead", "one shared MLP trunk, a head per objective, NSGA-II")
register("paretoflow", "paretodiff.methods.paretoflow:ParetoFlowMethod",
         "the paretoflow package as its authors ran it (optional extra)", fixed=False)
register("paretoflow-fixed", "paretodiff.methods.paretoflow:ParetoFlowMethod",
         "the same, with its archive and selection sign errors corrected", fixed=True)
register("pgd", "paretodiff.methods.pgd:ParetoDiff",
         "preference-guided diffusion, the default preset: an objective model chooses from a larger pool",
         preset="default")
register("pgd-faithful", "paretodiff.methods.pgd:ParetoDiff",
         "preference-guided diffusion, the authors' choices, s = 10 (pgd-faithful:sampling.guidance_scales=20: s = 20)",
         preset="faithful", **{"sampling.guidance_scales": (10.0,)})

GROUPS: dict[str, tuple[str, ...]] = {
    "all": tuple(_REGISTRY),
    "peers": ("d-best", "multiple-models", "multi-head", "paretoflow", "paretoflow-fixed"),
}


def names() -> list[str]:
    """The registered method names."""
    return list(_REGISTRY)


def spec(name: str) -> MethodSpec:
    """The registration of a method name."""
    return _REGISTRY[name]


def parse_spec(text: str) -> tuple[str, dict]:
    """Split ``"name:key=value,key=value"`` into the name and its settings.

    Raises:
        ValueError: unknown method name, or a setting without ``=``.
    """
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in _REGISTRY:
        raise ValueError(f"unknown method {name!r}; known methods: {', '.join(_REGISTRY)}")
    options: dict = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"method {text!r}: setting {item!r} is not key=value")
        options[key.strip()] = _parse_value(value.strip())
    return name, options


def _parse_value(text: str):
    if ":" in text:
        return tuple(_parse_value(v) for v in text.split(":"))
    try:
        return json.loads(text, parse_constant=_not_a_number)
    except json.JSONDecodeError:
        return text


def _not_a_number(name: str):
    raise ValueError(f"{name} is not a finite number; settings must be finite")


def _class(spec_: MethodSpec):
    module, _, cls = spec_.target.partition(":")
    return getattr(importlib.import_module(module), cls)


def make(text: str) -> Method:
    """A fresh method from its spec (see the module docstring).

    Raises:
        ValueError: unknown method or setting, or a bad value.
        ImportError: the method needs an optional extra that is not installed (the message
            says which: ``pip install 'paretodiff[peers]'``).
    """
    name, options = parse_spec(text)
    spec_ = _REGISTRY[name]
    factory = _class(spec_)
    _check_keywords(name, factory, options)
    method = factory(**{**spec_.fixed, **options})
    method.name = text.strip()
    return method


def _check_keywords(name: str, factory, options: dict) -> None:
    """Raise ``ValueError`` for a setting the method's constructor does not take."""
    parameters = inspect.signature(factory).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in parameters):
        return  # the method checks its own settings (a config of its own)
    known = {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = sorted(set(options) - known)
    if unknown:
        raise ValueError(f"unknown {name} setting(s) {', '.join(unknown)}"
                         + (f"; known: {', '.join(sorted(known))}" if known else "; it takes none"))


def expand(text: str) -> list[str]:
    """Method specs from a comma-separated list that may use the groups ``all`` and ``peers``.

    Settings after a ``:`` use ``;`` between them here, since ``,`` separates methods:
    ``"pgd,multiple-models:preset=published;epochs=10"``.
    """
    out: list[str] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        for item in GROUPS.get(part.lower(), (part.replace(";", ","),)):
            parse_spec(item)  # validate early
            if item not in out:
                out.append(item)
    return out


def help_text() -> str:
    """One line per registered method, for ``--help`` (so the help cannot drift)."""
    return "; ".join(f"{name} ({spec_.summary})" if spec_.summary else name for name, spec_ in _REGISTRY.items())


__all__ = ["Method", "MethodSpec", "OfflineData", "Proposals", "GROUPS", "check_n", "exactly_n", "expand",
           "help_text", "make", "names", "parse_spec", "register", "spec"]
