"""How SIGINT and SIGTERM end a command: as an exception in the main thread, never inside an import.

A signal handler's exception surfaces in whatever Python code runs when the signal arrives,
including module code that a C++ extension runs while it imports (PyTorch's does, and it
imports parts of itself lazily, e.g. on the first optimizer step).  Thrown across C++, the
exception either aborts the process (``terminate called after throwing ...``, status -6) or
is swallowed, and the command runs on to the end as if no signal had come.  So a signal that
arrives while a module is being imported is held, and delivered again as soon as no import is
running: the command still ends with its one ``error:`` line, at most an import later.

The same holds for code that ``eval()`` or ``exec()`` compiled from a string (typer evaluates
annotations so): when such code ends with ``KeyboardInterrupt``, CPython marks the interrupt as
unhandled, even if it is caught later, and the process kills itself with SIGINT at its very end
whatever its exit status (fuzz case 1089: ``error: interrupted``, then status -2, not 130).

An exception raised where Python cannot pass it on (a ``__del__``, a callback run by C code:
"Exception ignored in ...") is lost too.  So every signal raised is also remembered until
the command it stopped is over (:func:`forget`); :func:`check` raises it again, and is called
before a file is put in place and when a command returns.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from contextlib import contextmanager
from types import FrameType
from typing import Callable, Iterator

from paretodiff.errors import Terminated

_EXCEPTIONS = {signal.SIGINT: KeyboardInterrupt, signal.SIGTERM: Terminated}
_IMPORT_MACHINERY = frozenset({"<frozen importlib._bootstrap>", "<frozen importlib._bootstrap_external>"})
_FROM_A_STRING = "<string>"  # the file name of code that eval() or exec() compiled from a string
_POLL_S = 0.02  # how often a held signal checks whether it can be delivered
_held: set[int] = set()
_raised: list[int] = []  # signals raised as exceptions that have not yet ended a command


def importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a frame that called it is part of an import."""
    return _any_caller(frame, lambda frame: frame.f_code.co_filename in _IMPORT_MACHINERY)


def from_a_string(frame: FrameType | None) -> bool:
    """Whether ``frame`` or a frame that called it runs code that eval() or exec() compiled from a
    string.  The outermost frame does not count: ``python -c`` runs its program so, and an
    exception that ends it is unhandled indeed."""
    return _any_caller(frame, lambda frame: frame.f_back is not None and frame.f_code.co_filename == _FROM_A_STRING)


def must_wait(frame: FrameType | None) -> bool:
    """Whether a signal's exception raised at ``frame`` would do harm: inside an import or inside
    code compiled from a string (see the module's docstring)."""
    return importing(frame) or from_a_string(frame)


def _any_caller(frame: FrameType | None, test: Callable[[FrameType], bool]) -> bool:
    while frame is not None:
        if test(frame):
            return True
        frame = frame.f_back
    return False


def _raise(signum: int, frame: FrameType | None) -> None:
    if must_wait(frame) and hasattr(signal, "pthread_kill"):
        _hold(signum)
        return
    _raised.append(signum)
    raise _EXCEPTIONS[signum]()


def check() -> None:
    """Raise again a signal's exception that was raised and lost (swallowed on its way up)."""
    if _raised:
        raise _EXCEPTIONS[_raised[-1]]()


def forget() -> None:
    """The signals raised so far have ended the command (its block of :func:`raising` is over)."""
    _raised.clear()


def _hold(signum: int) -> None:
    """Send ``signum`` to the main thread again once its exception can do no harm (:func:`must_wait`)."""
    if signum in _held:
        return
    _held.add(signum)
    main = threading.main_thread()

    def deliver() -> None:
        frame = sys._current_frames().get(main.ident)
        while frame is not None and must_wait(frame):
            time.sleep(_POLL_S)
            frame = sys._current_frames().get(main.ident)
        _held.discard(signum)
        if frame is not None:
            signal.pthread_kill(main.ident, signum)

    threading.Thread(target=deliver, name=f"paretodiff-held-signal-{signum}", daemon=True).start()


def install() -> None:
    """SIGINT raises ``KeyboardInterrupt`` and SIGTERM raises :class:`Terminated` in the main
    thread, held while an import or code compiled from a string runs.  Call from the main thread."""
    for signum in _EXCEPTIONS:
        signal.signal(signum, _raise)
    if sys.unraisablehook is not _quiet_unraisable:
        _quiet_unraisable.default = sys.unraisablehook
        sys.unraisablehook = _quiet_unraisable


def _quiet_unraisable(info) -> None:
    """No "Exception ignored in ..." traceback for a signal's lost exception: :func:`check`
    raises it again.  Anything else goes to the hook that was there before."""
    if _raised and isinstance(info.exc_value, tuple(_EXCEPTIONS.values())):
        return
    _quiet_unraisable.default(info)


def ignore() -> None:
    """Ignore SIGINT and SIGTERM from now on, in every thread and through the interpreter's
    shutdown (which would put a Python handler back to the default action)."""
    for signum in _EXCEPTIONS:
        signal.signal(signum, signal.SIG_IGN)


@contextmanager
def raising() -> Iterator[None]:
    """:func:`install` for the duration of the block, then the previous handlers are back;
    nothing is changed outside the main thread, where handlers cannot be set."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in _EXCEPTIONS}
    install()
    try:
        yield
    finally:
        forget()  # the block is over, and with it whatever its signals stopped
        for signum, handler in previous.items():
            if handler is not None:  # None: set outside Python, cannot be put back from here
                signal.signal(signum, handler)
