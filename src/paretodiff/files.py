"""A user's files are sacred: output paths are checked before any work, and written atomically.

Rules (every command follows them; ``README.md`` states them for users):

* No output may be, or lie inside, an input of the same command (data, bounds, model folder,
  benchmark folder, dataset cache), compared after resolving links and by file identity, so
  a symbolic or hard link to an input is caught too.  A folder output may not hold an input.
* An existing output is replaced only with ``--overwrite``, only if it is a regular file (or,
  for a model folder, a folder that holds nothing but a paretodiff model), never a folder of
  the user's.
* Every output is checked before the work starts (:func:`check_outputs`): its folder exists
  and can be written, a file is not a folder and a folder is not a file.
* Files are written to a temporary name in the same folder and renamed into place
  (:func:`atomic_path`, :func:`atomic_folder`), so an interrupted command leaves either the
  old file or the complete new one; they get the permissions the user's umask gives.
"""

from __future__ import annotations

import os
import signal
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

from paretodiff import signals
from paretodiff.errors import InputError

_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def umask() -> int:
    """The process's umask (read without changing it)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def file_mode() -> int:
    """Permissions of a new file under the user's umask (``0o666 & ~umask``)."""
    return 0o666 & ~umask()


def folder_mode() -> int:
    """Permissions of a new folder under the user's umask (``0o777 & ~umask``)."""
    return 0o777 & ~umask()


# ---------------------------------------------------------------------------------------
# Checks before the work
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Output:
    """One output of a command.

    Attributes:
        option: how the user named it (``"-o"``, ``"--save-model"``...), for messages.
        path: where it goes.
        folder: the output is a folder (a model, a benchmark folder) rather than a file.
        reuse: for an existing path, ``None`` if it may be replaced or resumed, else the reason
            why not (e.g. "is not a paretodiff model"); ``None`` accepts any regular file.
        needs_overwrite: replacing an existing output needs ``--overwrite`` (a benchmark folder
            is resumed, not replaced, so it does not).
    """

    option: str
    path: Path
    folder: bool = False
    reuse: Callable[[Path], str | None] | None = None
    needs_overwrite: bool = True


def check_outputs(outputs: Sequence[Output], inputs: Sequence[tuple[str, Path]] = (), *,
                  overwrite: bool = False) -> None:
    """Check every output before the work starts.

    Args:
        outputs: the command's outputs (``None`` paths already left out).
        inputs: ``(what, path)`` of every input, e.g. ``("data file", Path("designs.csv"))``.
        overwrite: the user allowed existing outputs to be replaced.

    Raises:
        InputError: one line naming the option and the path.
    """
    for i, out in enumerate(outputs):
        where = f"{out.option} {out.path}"
        for what, path in inputs:
            relation = _relation(Path(out.path), Path(path))
            if relation:
                named = "" if str(path) == str(out.path) else f" {path}"
                raise InputError(f"{where}: {relation} the {what}{named}; outputs never replace or go inside "
                                 "an input, choose another name")
            if out.folder and _relation(Path(path), Path(out.path)):
                raise InputError(f"{where}: holds the {what} {path}; choose another folder")
        for other in outputs[:i]:
            if _relation(Path(out.path), Path(other.path)) or _relation(Path(other.path), Path(out.path)):
                raise InputError(f"{where}: the same place as {other.option} {other.path}; give each output its "
                                 "own name")
        _check_existing(out, where, overwrite)
        _check_writable(out, where)


def _check_existing(out: Output, where: str, overwrite: bool) -> None:
    path = Path(out.path)
    if not os.path.lexists(path):
        return
    if out.folder and not path.is_dir():
        raise InputError(f"{where}: is a file, not a folder; give a folder name")
    if not out.folder and path.is_dir():
        raise InputError(f"{where}: is a folder; give a file name")
    if not out.folder and not path.is_file():
        raise InputError(f"{where}: is not a regular file; give a file name")
    why = out.reuse(path) if out.reuse is not None else None
    if why:
        raise InputError(f"{where}: {why}")
    if out.needs_overwrite and not overwrite:
        raise InputError(f"{where}: already exists; pass --overwrite to replace it")


def _check_writable(out: Output, where: str) -> None:
    """The nearest existing folder above the output is a folder we can create files in."""
    parent = Path(out.path).absolute().parent
    if not out.folder and not parent.exists():
        raise InputError(f"{where}: folder {Path(out.path).parent} does not exist")
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(f"{where}: {parent} is not a folder")
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)  # an interrupt must not leave the probe behind
    try:
        fd, probe = tempfile.mkstemp(dir=parent, prefix=".paretodiff-probe-")
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"{where}: cannot write in folder {parent} ({exc.strerror or exc})") from None
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _relation(path: Path, container: Path) -> str | None:
    """``"is"`` if ``path`` is ``container``, ``"is inside"`` if it lies inside it, else ``None``.

    Compared after resolving links, and by file identity (device and inode) for every existing
    folder above ``path``, so hard links and other names of the same place are caught.
    """
    try:
        target, box = path.resolve(), container.resolve()
    except (OSError, RuntimeError):  # a link loop
        return None
    if target == box:
        return "is"
    if box in target.parents:
        return "is inside"
    if not box.exists():
        return None
    if target.exists() and _same(target, box):
        return "is"
    return "is inside" if any(_same(p, box) for p in target.parents if p.exists()) else None


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


# ---------------------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------------------


@contextmanager
def atomic_path(path: str | os.PathLike, *, overwrite: bool = True, suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path next to ``path``; on success it gets the umask's mode and is renamed onto ``path``.

    Args:
        path: the file to write.
        overwrite: replace an existing ``path``; if ``False`` and ``path`` appears while the
            work runs, nothing is replaced (:class:`InputError`).
        suffix: of the temporary name (writers such as matplotlib infer the format from it).

    On any exception (an interrupt included) the temporary file is removed and ``path`` is
    untouched.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        signals.check()  # an interrupt that was lost on its way up still stops the file
        os.chmod(tmp, file_mode())
        _commit_file(tmp, path, overwrite)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _commit_file(tmp: Path, path: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic, and fails if path exists
    except FileExistsError:
        raise InputError(f"{path}: appeared while paretodiff was working; it was not replaced") from None
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise InputError(f"{path}: appeared while paretodiff was working; it was not replaced") from None
        os.replace(tmp, path)


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = True) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path, overwrite=overwrite) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextmanager
def atomic_folder(path: str | os.PathLike, *, overwrite: bool = False, old_files: Sequence[str] = ()) -> Iterator[Path]:
    """A temporary folder next to ``path``, renamed onto ``path`` when the block succeeds.

    Missing folders above ``path`` are created.  An existing ``path`` is replaced only with
    ``overwrite``; the caller has checked that it holds nothing but ``old_files``, which
    are then removed one by one (never a recursive delete).  The swap runs with SIGINT and
    SIGTERM held back, so an interrupt cannot leave ``path`` missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}."))
    try:
        yield tmp
        signals.check()
        for item in tmp.iterdir():
            os.chmod(item, file_mode())
        os.chmod(tmp, folder_mode())
        if not os.path.lexists(path):
            os.rename(tmp, path)
        elif not overwrite:
            raise InputError(f"{path}: appeared while paretodiff was working; it was not replaced")
        else:
            _swap_folders(tmp, path, old_files)
    finally:
        if tmp.exists():
            for item in tmp.iterdir():
                item.unlink()
            tmp.rmdir()


def _swap_folders(new: Path, path: Path, old_files: Sequence[str]) -> None:
    old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.old."))
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        os.rename(path, old)  # onto the empty folder just made
        try:
            os.rename(new, path)
        except OSError:
            os.rename(old, path)
            raise
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    for name in old_files:
        if (old / name).is_file():
            (old / name).unlink()
    old.rmdir()
