"""Type checks for the settings of a config dataclass, from Python, a method spec or a JSON file.

Every config class (:mod:`paretodiff.methods.pgd_config`, the peers' configs) checks its fields
with :func:`coerce` before it checks their ranges, so a string where a number belongs, a list
where a scalar belongs or ``null`` is one ``ValueError`` naming the field, never a
``TypeError`` from deep inside.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing

import numpy as np

_KINDS = {int: "a whole number", float: "a number", bool: "true or false", str: "a string"}


def coerce(cls: type, values: dict, what: str = "setting") -> dict:
    """``values`` checked against the annotations of the dataclass ``cls``, and normalized.

    Ints are accepted for float fields (and become floats); lists for tuple fields (and
    become tuples).  Booleans are not numbers here, and numbers must be finite.

    Args:
        cls: a dataclass.
        values: field name -> value; names that are not fields are errors.
        what: how messages call a field (``"pgd setting"``, ``"config field"``).

    Raises:
        ValueError: naming the first unknown field or value of the wrong type.
    """
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - fields)
    if unknown:
        raise ValueError(f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(sorted(fields))}")
    return {name: _coerce_value(f"{what} {name}", value, hints[name]) for name, value in values.items()}


def from_preset(cls: type, presets: dict[str, dict], name: str, overrides: dict, what: str) -> dict:
    """The field values of preset ``name`` of the dataclass ``cls``, with ``overrides`` checked and applied.

    Args:
        cls: a config dataclass.
        presets: preset name -> field values.
        name: the preset chosen.
        overrides: field name -> value, checked by :func:`coerce`.
        what: the method, as messages call it (``"surrogate"``).

    Raises:
        ValueError: an unknown preset or field, or a value of the wrong type.
    """
    if name not in presets:
        raise ValueError(f"unknown {what} preset {name!r}; choose one of: {', '.join(presets)}")
    return {**presets[name], **coerce(cls, overrides, f"{what} setting")}


def _coerce_value(label: str, value, kind):
    if dataclasses.is_dataclass(kind):
        if not isinstance(value, kind):
            raise ValueError(f"{label} must be a {kind.__name__}, got {value!r}")
        return value
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _coerce_value(label, value, inner[0])
    if origin is tuple:
        if not isinstance(value, (tuple, list)):
            raise ValueError(f"{label} must be a list, got {value!r}")
        item = args[0]
        return tuple(_coerce_value(f"{label}[{i}]", v, item) for i, v in enumerate(value))
    return _scalar(label, value, kind)


def _scalar(label: str, value, kind: type):
    if kind is bool:
        ok = isinstance(value, (bool, np.bool_))
    elif kind is int:
        ok = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    elif kind is float:
        ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))
        ok = ok and math.isfinite(value)
    elif kind is str:
        ok = isinstance(value, str)
    else:  # pragma: no cover - a config field of a type this module does not know
        raise TypeError(f"{label}: unsupported field type {kind!r}")
    if not ok:
        raise ValueError(f"{label} must be {_KINDS[kind]}" + (" (finite)" if kind is float else "")
                         + f", got {value!r}")
    return kind(value)


MAX_SEED = 2**32 - 1


def check_seed(seed, what: str = "seed") -> int:
    """``seed`` as an int in ``[0, MAX_SEED]`` (what numpy, torch and pymoo all accept).

    Raises:
        ValueError: naming ``what``.
    """
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)) or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{what} must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)
