"""The errors paretodiff raises for a user to read.

The command line turns an :class:`InputError` into one line ``error: ...`` on stderr and
exit status 2, with nothing written.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad user input; the message is one line naming the file, row, column or option."""


class ModelError(RuntimeError):
    """A model that cannot be used: its training diverged, or it produced non-finite designs."""


class Terminated(BaseException):
    """Raised in the main thread when SIGTERM arrives, so that clean-up code runs.

    A ``BaseException``, like ``KeyboardInterrupt``: code that catches ``Exception`` to
    record a failure and go on (a benchmark cell) does not swallow it.
    """
