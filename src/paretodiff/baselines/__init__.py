"""Offline multi-objective methods behind one interface (:class:`~paretodiff.baselines.base.Method`).

>>> from paretodiff import baselines
>>> method = baselines.make("multiple-models")            # or "pgd", "paretoflow", "d-best", ...
>>> method.fit(baselines.OfflineData(X, Y, lower, upper), seed=0)
>>> designs = method.propose(256, seed=0)                  # (256, D), raw domain

A method is named by a *spec*: its name, optionally followed by ``:`` and comma-separated
``key=value`` settings that override its defaults, e.g. ``multiple-models:preset=published``
or ``pgd:guidance_scales=20``.  Values are parsed as JSON where possible (numbers, booleans),
``a:b`` as a tuple of numbers, and strings otherwise.

Methods:

========================  ================================================================
``d-best``                the best ``n`` training designs (Off-MOO-Bench's anchor row)
``multiple-models``       one MLP surrogate per objective, NSGA-II on the surrogates
``multi-head``            one shared MLP trunk, one head per objective, NSGA-II
``paretoflow``            the ``paretoflow`` package as the authors ran it (optional extra)
``paretoflow-fixed``      the same, with its archive and selection sign errors corrected
``pgd``                   preference-guided diffusion, ``default`` preset
``pgd-faithful``          preference-guided diffusion, ``faithful`` preset
========================  ================================================================
"""

from __future__ import annotations

import importlib
import inspect
import json

from paretodiff.baselines.base import Method, OfflineData, exactly_n

# name -> (module, class, fixed keyword arguments)
_REGISTRY: dict[str, tuple[str, str, dict]] = {
    "d-best": ("paretodiff.baselines.dbest", "DBest", {}),
    "multiple-models": ("paretodiff.baselines.surrogate", "MultipleModels", {}),
    "multi-head": ("paretodiff.baselines.surrogate", "MultiHead", {}),
    "paretoflow": ("paretodiff.baselines.paretoflow", "ParetoFlowMethod", {"fixed": False}),
    "paretoflow-fixed": ("paretodiff.baselines.paretoflow", "ParetoFlowMethod", {"fixed": True}),
    "pgd": ("paretodiff.baselines.pgd", "PGD", {"preset": "default"}),
    "pgd-faithful": ("paretodiff.baselines.pgd", "PGD", {"preset": "faithful"}),
}

GROUPS: dict[str, tuple[str, ...]] = {
    "all": tuple(_REGISTRY),
    "peers": ("d-best", "multiple-models", "multi-head", "paretoflow", "paretoflow-fixed"),
}


def names() -> list[str]:
    """The registered method names."""
    return list(_REGISTRY)


def parse_spec(spec: str) -> tuple[str, dict]:
    """Split ``"name:key=value,key=value"`` into the name and its settings.

    Raises:
        ValueError: unknown method name, or a setting without ``=``.
    """
    name, _, rest = spec.strip().partition(":")
    name = name.strip().lower()
    if name not in _REGISTRY:
        raise ValueError(f"unknown method {name!r}; known methods: {', '.join(_REGISTRY)}")
    options: dict = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq:
            raise ValueError(f"method {spec!r}: setting {item!r} is not key=value")
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


def make(spec: str) -> Method:
    """A fresh method from its spec (see the module docstring).

    Raises:
        ValueError: unknown method or setting, or a bad value.
        ImportError: the method needs an optional extra that is not installed (the message
            says which: ``pip install 'paretodiff[peers]'``).
    """
    name, options = parse_spec(spec)
    module, cls, fixed = _REGISTRY[name]
    factory = getattr(importlib.import_module(module), cls)
    _check_keywords(name, factory, options)
    method = factory(**fixed, **options)
    method.name = spec.strip()
    return method


def expand(spec: str) -> list[str]:
    """Method specs from a comma-separated list that may use the groups ``all`` and ``peers``.

    Settings after a ``:`` use ``;`` between them here, since ``,`` separates methods:
    ``"pgd,multiple-models:preset=published;epochs=10"``.
    """
    out: list[str] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        for item in GROUPS.get(part.lower(), (part.replace(";", ","),)):
            parse_spec(item)  # validate early
            if item not in out:
                out.append(item)
    return out


__all__ = ["Method", "OfflineData", "exactly_n", "GROUPS", "names", "parse_spec", "make", "expand"]
