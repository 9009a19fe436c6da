"""Model folders of preference-guided diffusion: ``config.json`` and ``weights.safetensors``.

Format version 10 (written): ``config.json`` holds the nested settings (``config``), the design
space (``space``, with its constraints if any), what the fit learned besides the weights
(``state``: the objectives' range, the initial reference design, the seed, and with
constraints the unit of each one's margins), the SHA-256 of the weights file
(``weights_sha256``) and of its own contents (``sha256``).  ``weights.safetensors`` holds the
generator (``denoiser.*``), the preference model (``utility.*``), the objective model
(``objectives.*``, when the config has one; with constraints it predicts their margins after
the objectives; ``objectives_std_scale``, the factor of each output's spread, 1 where
``objectives.calibrate`` is off) and the 64-bit digests of the measured designs
(``measured``, :func:`paretodiff.selection.design_digests`: a proposal is never one of them),
and the measured front (``front``: the non-dominated objective values, normalized and
minimized, ``(F, m)`` float64, for the batch strategy and the undominated probability).
With failed designs (``--feasible``), the negation set's feasibility classifier
(``negation.*``, :mod:`paretodiff.negation`; ``"negation": true`` in ``config.json``).
Loading checks both digests and every entry by type and shape, and refuses what it does not
understand.

Version 9 (before ``selection.search_engine``) reads as version 10 with pymoo's search, the one
it ran; version 8 (before ``selection.layers``) as version 9 with one layer, the choice it made;
version 7 (before the spread's scale) as version 8 with ``objectives.calibrate`` off;
version 6 (before the negation set) as version 7 without one; version 5 (before
constraints) as version 6 without them.  Version 4 (before the front) is read as a model without the front: it proposes what it did
(no ``p_undominated``; the batch strategy asks for a new fit).  Version 3 (before the
objective model) is read as a model without one: it proposes what it proposed when it was
saved.

Version 2 (paretodiff before the nested configs) kept a flat ``config`` and a ``meta`` entry;
it is read and converted (the same numbers come out).  Version 1 carries no digests and is
refused, naming the version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load as safetensors_load
from safetensors.torch import save_file

from paretodiff import files, settings
from paretodiff.errors import InputError, ModelError
from paretodiff.methods.pgd import ParetoDiff, State, check_weights, networks_for
from paretodiff.methods.pgd_config import NO_OBJECTIVE_MODEL, PGDConfig, from_dict, from_flat, with_overrides
from paretodiff.negation import NegationSet
from paretodiff.objective_model import ObjectiveModel
from paretodiff.space import DesignSpace

MODEL_FORMAT = "paretodiff-pgd"
FORMAT_VERSION = 10  # 10: + selection.search_engine; 9: + selection.layers; 8: + the objective model's spread scale; 7: + the negation set; 6: + constraints; 5: + the front; 4: + the objective model; 3: nested
READS = (2, 3, 4, 5, 6, 7, 8, 9, 10)
# Settings added since version 4, by the version that added them, with the value that reproduces
# what a model file of an earlier version did.
ADDED: tuple[tuple[int, dict], ...] = (
    (8, {"objectives.calibrate": False}),  # the spread's scale
    (9, {"selection.layers": 1}),  # one round of choice
    (10, {"selection.search_engine": "pymoo"}),  # pymoo's search
)
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
MODEL_FILES = (CONFIG_FILE, WEIGHTS_FILE)


def save(model: ParetoDiff, directory: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Write ``config.json`` and ``weights.safetensors`` to the folder ``directory``, atomically.

    Args:
        directory: a new folder, or (with ``overwrite``) a folder holding a paretodiff model.
        overwrite: replace an existing model folder.

    Raises:
        InputError: ``directory`` exists and is not a model folder, or exists without ``overwrite``.
    """
    if model.denoiser is None:
        raise RuntimeError("nothing to save: fit the model first")
    directory = Path(directory)
    files.check_outputs([model_output("directory", directory)], overwrite=overwrite)
    with files.atomic_folder(directory, overwrite=overwrite, old_files=MODEL_FILES) as tmp:
        tensors = {f"denoiser.{k}": v.contiguous() for k, v in model.denoiser.state_dict().items()}
        tensors |= {f"utility.{k}": v.contiguous() for k, v in model.utility.state_dict().items()}
        if model.objectives is not None:
            tensors |= {f"objectives.{k}": v.contiguous() for k, v in model.objectives.net.state_dict().items()}
            tensors["objectives_std_scale"] = model.objectives.std_scale.to(torch.float32).contiguous()
        if model.measured is not None:
            tensors["measured"] = torch.as_tensor(model.measured, dtype=torch.int64)
        if model.front is not None:
            tensors["front"] = torch.as_tensor(model.front, dtype=torch.float64).contiguous()
        if model.negation is not None:
            tensors |= model.negation.tensors()
        save_file(tensors, tmp / WEIGHTS_FILE)
        doc = {"format": MODEL_FORMAT, "format_version": FORMAT_VERSION, "config": model.config.to_dict(),
               "space": model.space.to_dict(), "state": _state_dict(model.state),
               **({"negation": True} if model.negation is not None else {}),
               "weights_sha256": _sha256((tmp / WEIGHTS_FILE).read_bytes())}
        doc["sha256"] = doc_digest(doc)
        (tmp / CONFIG_FILE).write_text(json.dumps(doc, indent=2, allow_nan=False))


def load(directory: str | os.PathLike, *, quiet: bool = True) -> ParetoDiff:
    """Read a model saved by :func:`save` (format 8, or 7, 6, 5, 4, 3, 2), verified.

    Raises:
        InputError: one line naming the folder and the first problem: not a model, an
            unknown format or version, an entry of the wrong type or shape, a digest that
            does not match (a changed or damaged file), unreadable or non-finite weights.
    """
    directory = Path(directory)
    doc = _read_doc(directory)
    try:
        config, space, state = _checked_doc(doc)
    except ValueError as exc:
        raise InputError(f"{directory}/{CONFIG_FILE}: {exc}") from None
    if doc_digest(doc) != doc["sha256"]:
        raise InputError(f"{directory}/{CONFIG_FILE}: its contents do not match their SHA-256 "
                         "(the file was changed or damaged)")
    model = ParetoDiff(config, quiet=quiet)
    model.space, model.state = space, state
    model.denoiser, model.utility = networks_for(config, space.n_unit)
    o = config.objectives
    outputs = space.n_obj + space.n_constr  # the objective model predicts the constraints' margins too
    model.objectives = ObjectiveModel(space.n_unit, outputs, o.members, o.width, o.depth) if o.members else None
    tensors = _read_weights(directory / WEIGHTS_FILE, doc["weights_sha256"])
    nets = [("denoiser.", model.denoiser), ("utility.", model.utility)]
    nets += [("objectives.", model.objectives.net)] if model.objectives is not None else []
    try:
        for prefix, net in nets:
            net.load_state_dict({k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}, strict=True)
        if model.objectives is not None and doc["format_version"] >= 8:
            model.objectives.std_scale = _std_scale(tensors, outputs)
        model.measured = _measured(tensors) if doc["format_version"] >= 4 else None
        model.front = _front(tensors, space.n_obj) if doc["format_version"] >= 5 else None
        model.negation = _negation(tensors, doc, space.n_unit)
    except (RuntimeError, ValueError) as exc:
        raise InputError(f"{directory}/{WEIGHTS_FILE}: weights that do not fit the config "
                         f"({str(exc).splitlines()[0][:200]})") from None
    try:
        check_weights(model.denoiser, "the generator")
        check_weights(model.utility, "the preference model")
        if model.objectives is not None:
            check_weights(model.objectives.net, "the objective model")
    except ModelError as exc:
        raise InputError(f"{directory}/{WEIGHTS_FILE}: {exc}; the model cannot propose designs") from None
    model.denoiser.eval().requires_grad_(False)
    model.utility.eval().requires_grad_(False)
    return model


def _front(tensors: dict[str, torch.Tensor], n_obj: int) -> np.ndarray:
    """The measured front ``(F, m)`` float64 (normalized, minimized), or ``ValueError``."""
    front = tensors.get("front")
    if front is None or front.dtype != torch.float64 or front.dim() != 2 or front.shape[1] != n_obj:
        raise ValueError(f"no 'front' tensor of {n_obj} float64 columns")
    if not bool(torch.isfinite(front).all()):
        raise ValueError("non-finite values in the measured front")
    return front.numpy().copy()


def _std_scale(tensors: dict[str, torch.Tensor], outputs: int) -> torch.Tensor:
    """The objective model's spread factors ``(outputs,)`` float32, each finite and at least 1, or ``ValueError``."""
    scale = tensors.get("objectives_std_scale")
    if scale is None or scale.dtype != torch.float32 or tuple(scale.shape) != (outputs,):
        raise ValueError(f"no 'objectives_std_scale' tensor of {outputs} float32 values")
    if not bool((torch.isfinite(scale) & (scale >= 1.0)).all()):
        raise ValueError("the objective model's spread factors must be finite and at least 1")
    return scale.clone()


def _measured(tensors: dict[str, torch.Tensor]) -> np.ndarray:
    """The digests of the measured designs ``(N,)`` int64, or ``ValueError``."""
    measured = tensors.get("measured")
    if measured is None or measured.dtype != torch.int64 or measured.dim() != 1:
        raise ValueError("no 'measured' tensor of 64-bit digests")
    return measured.numpy().copy()


# -- folders -------------------------------------------------------------------------------


def model_folder_problem(path: Path) -> str | None:
    """``None`` if ``path`` is a folder holding a paretodiff model and nothing else, else why not.

    Only such a folder may be replaced by a new model (with ``--overwrite``).
    """
    if not path.is_dir():
        return "is not a folder"
    names = sorted(p.name for p in path.iterdir())
    if not names:
        return "exists and is empty, not a paretodiff model; choose a new folder name"
    extra = [n for n in names if n not in MODEL_FILES]
    if extra:
        return (f"exists and is not a paretodiff model folder (it holds {', '.join(extra[:3])}"
                + (" ..." if len(extra) > 3 else "") + "); choose a new folder name")
    try:
        doc = json.loads((path / CONFIG_FILE).read_text())
        if not (isinstance(doc, dict) and doc.get("format") == MODEL_FORMAT):
            raise ValueError
    except (OSError, ValueError, UnicodeDecodeError):
        return "exists and is not a paretodiff model folder; choose a new folder name"
    return None


def model_output(option: str, path: Path) -> files.Output:
    """The output description of a model folder (for :func:`paretodiff.files.check_outputs`)."""
    return files.Output(option, Path(path), folder=True, reuse=model_folder_problem)


# -- reading and checking --------------------------------------------------------------------


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def doc_digest(doc: dict) -> str:
    """SHA-256 of the model document without its ``sha256`` entry (canonical JSON)."""
    body = {k: v for k, v in doc.items() if k != "sha256"}
    return _sha256(json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False).encode())


def _read_doc(directory: Path) -> dict:
    """``config.json`` as a dict of a known format and version, or :class:`InputError`."""
    where = f"{directory}"
    if not directory.is_dir():
        raise InputError(f"{where}: not a folder (give a folder written by --save-model)")
    try:
        doc = json.loads((directory / CONFIG_FILE).read_text(), parse_constant=_no_constant)
    except FileNotFoundError:
        raise InputError(f"{where}: not a paretodiff model (no {CONFIG_FILE})") from None
    except (OSError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise InputError(f"{where}/{CONFIG_FILE}: not readable JSON ({str(exc).splitlines()[0][:120]})") from None
    if not isinstance(doc, dict) or doc.get("format") != MODEL_FORMAT:
        raise InputError(f"{where}: not a paretodiff model ({CONFIG_FILE} does not say format {MODEL_FORMAT!r})")
    version = doc.get("format_version")
    if version == 1 and type(version) is int:
        raise InputError(f"{where}: model format version 1 (paretodiff 0.1.0) carries no digest of its weights "
                         f"and cannot be verified; fit the model again to save it as version {FORMAT_VERSION}")
    if version not in READS or type(version) is not int:
        raise InputError(f"{where}: unsupported model format version {version!r} "
                         f"(this paretodiff reads versions {', '.join(map(str, READS))})")
    return doc


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def _checked_doc(doc: dict) -> tuple[PGDConfig, DesignSpace, State]:
    """The config, space and state of a model document, every entry checked by type and shape."""
    version = doc["format_version"]
    entries = ("config", "space", "state") if version >= 3 else ("config", "meta")
    missing = [k for k in (*entries, "weights_sha256", "sha256") if k not in doc]
    if missing:
        raise ValueError(f"missing entries: {', '.join(missing)}")
    for key in ("weights_sha256", "sha256"):
        if not (isinstance(doc[key], str) and len(doc[key]) == 64):
            raise ValueError(f"{key} must be a SHA-256 hex digest")
    if not isinstance(doc["config"], dict):
        raise ValueError("config must be an object")
    if version == 2:
        config = from_flat(doc["config"])
        space, state = _from_meta(_checked_meta(doc["meta"]))
    else:
        config, space = from_dict(doc["config"]), DesignSpace.from_dict(doc["space"])
        state = _checked_state(doc["state"], space)
    if version < 4:  # made before the objective model: it has none, and proposes its samples
        config = from_dict(with_overrides(dataclasses.asdict(config), NO_OBJECTIVE_MODEL))
    else:  # what each later setting was before the version that added it
        before = {key: value for added, settings in ADDED for key, value in settings.items() if version < added}
        if before:
            config = from_dict(with_overrides(dataclasses.asdict(config), before))
    return config, space, state


def _negation(tensors: dict, doc: dict, width: int) -> NegationSet | None:
    """The negation set's classifier from a weights file (``negation.*``), or ``None`` where the
    file has none (``config.json`` says ``"negation": true`` where it has one)."""
    present = any(k.startswith("negation.") for k in tensors)
    if not present and not doc.get("negation"):
        return None
    if doc.get("negation") is not True or not present:
        raise ValueError("a negation set needs its weights (negation.*) and \"negation\": true")
    negation = NegationSet.empty(width)
    negation.load_tensors(tensors)
    if not all(torch.isfinite(t).all() for t in negation.classifier.net.state_dict().values()):
        raise ValueError("the negation set's classifier has non-finite weights")
    return negation


def _state_dict(state: State) -> dict:
    """The state as saved: ``constraint_unit`` only where there are constraints."""
    values = vars(state).copy()
    if not values["constraint_unit"]:
        del values["constraint_unit"]
    return values


def _checked_state(values, space: DesignSpace) -> State:
    keys = {"y_min", "y_max", "x_ref", "seed"} | ({"constraint_unit"} if space.n_constr else set())
    if not isinstance(values, dict) or set(values) != keys:
        raise ValueError(f"state must have exactly the entries {', '.join(sorted(keys))}")
    for key, length in (("y_min", space.n_obj), ("y_max", space.n_obj), ("x_ref", space.n_unit),
                        ("constraint_unit", space.n_constr)):
        if key in keys and not (isinstance(values[key], list) and len(values[key]) == length
                                and all(_is_number(v) and math.isfinite(v) for v in values[key])):
            raise ValueError(f"state.{key} must be {length} finite numbers")
    if space.n_constr and not all(v > 0 for v in values["constraint_unit"]):
        raise ValueError("state.constraint_unit must be positive")
    return State(values["y_min"], values["y_max"], values["x_ref"], settings.check_seed(values["seed"], "state.seed"),
                 list(values.get("constraint_unit", [])))


_META_TYPES = {"lower": list, "upper": list, "senses": list, "integer_columns": list, "n_var": int, "n_obj": int,
               "y_min": list, "y_max": list, "seed": int, "input_names": list, "objective_names": list, "x_ref": list}


def _checked_meta(meta) -> dict:
    """A version-2 ``meta`` entry, checked: types, lengths, finite numbers, ordered bounds."""
    if not isinstance(meta, dict):
        raise ValueError("meta must be an object")
    missing, unknown = [k for k in _META_TYPES if k not in meta], sorted(set(meta) - set(_META_TYPES))
    if missing or unknown:
        raise ValueError(f"meta lacks {', '.join(missing)}" if missing else f"unknown meta entries {', '.join(unknown)}")
    for key, kind in _META_TYPES.items():
        if not isinstance(meta[key], kind) or isinstance(meta[key], bool):
            raise ValueError(f"meta.{key} must be {'a list' if kind is list else 'a whole number'}")
    D, m = meta["n_var"], meta["n_obj"]
    if D < 1 or m < 2:
        raise ValueError(f"meta.n_var must be at least 1 and meta.n_obj at least 2, got {D} and {m}")
    settings.check_seed(meta["seed"], "meta.seed")
    for key, length in (("lower", D), ("upper", D), ("x_ref", D), ("y_min", m), ("y_max", m)):
        values = meta[key]
        if len(values) != length or not all(_is_number(v) and math.isfinite(v) for v in values):
            raise ValueError(f"meta.{key} must be {length} finite numbers")
    lower, upper = np.asarray(meta["lower"], dtype=float), np.asarray(meta["upper"], dtype=float)
    if (lower > upper).any():
        raise ValueError(f"meta.lower is above meta.upper in column {int(np.flatnonzero(lower > upper)[0])}")
    for key, length in (("input_names", D), ("objective_names", m), ("senses", m)):
        if len(meta[key]) != length or not all(isinstance(v, str) for v in meta[key]):
            raise ValueError(f"meta.{key} must be {length} strings")
    if any(s not in ("min", "max") for s in meta["senses"]):
        raise ValueError("meta.senses must each be 'min' or 'max'")
    columns = meta["integer_columns"]
    if not all(type(j) is int and 0 <= j < D for j in columns) or len(set(columns)) != len(columns):
        raise ValueError(f"meta.integer_columns must be distinct column indices below {D}, got {columns}")
    return meta


def _from_meta(meta: dict) -> tuple[DesignSpace, State]:
    """The space and state of a version-2 ``meta`` entry."""
    try:
        space = DesignSpace(meta["input_names"], meta["lower"], meta["upper"],
                            ["integer" if j in meta["integer_columns"] else "continuous" for j in range(meta["n_var"])],
                            meta["objective_names"], meta["senses"])
    except InputError as exc:
        raise ValueError(f"meta: {exc}") from None
    return space, State(meta["y_min"], meta["y_max"], meta["x_ref"], meta["seed"])


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _read_weights(path: Path, digest: str) -> dict[str, torch.Tensor]:
    """The tensors of a weights file whose bytes match ``digest``, or :class:`InputError`."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if _sha256(data) != digest:
        raise InputError(f"{path}: does not match the SHA-256 recorded in {CONFIG_FILE} "
                         "(the file was changed or damaged)")
    try:
        return safetensors_load(data)
    except Exception as exc:  # safetensors raises several types for a bad file
        raise InputError(f"{path}: unreadable weights ({str(exc).splitlines()[0][:200]})") from None
