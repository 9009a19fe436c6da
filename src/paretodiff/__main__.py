"""The ``paretodiff`` command (also ``python -m paretodiff``).

SIGINT and SIGTERM are turned into exceptions before the heavy imports start, so that an
interrupt at any moment ends with one line ``error: ...`` and runs every clean-up.
"""

import signal
import sys

from paretodiff.errors import Terminated


def _terminate(signum, frame):
    raise Terminated()


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    try:
        from paretodiff.cli import app

        code = app(prog_name="paretodiff", standalone_mode=False)
    except KeyboardInterrupt:  # before the command's own handling started, or after it ended
        sys.stderr.write("error: interrupted\n")
        code = 130
    except Terminated:
        sys.stderr.write("error: terminated\n")
        code = 143
    # The work is done and its files are complete: a late signal must not turn the exit into a
    # crash.  Ignoring is process-wide (a signal may reach any thread) and survives the
    # interpreter's shutdown, which puts a Python handler back to the default action.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.exit(code)


if __name__ == "__main__":
    main()
