"""The ``paretodiff`` command (also ``python -m paretodiff``).

SIGINT and SIGTERM are turned into exceptions before the heavy imports start (see
:mod:`paretodiff.signals`), so that an interrupt at any moment ends with one line
``error: ...`` and runs every clean-up.
"""

import sys

from paretodiff import signals
from paretodiff.errors import Terminated


def main() -> None:
    signals.install()
    try:
        from paretodiff.cli import app

        code = app(prog_name="paretodiff", standalone_mode=False)
    except KeyboardInterrupt:  # before the command's own handling started, or after it ended
        sys.stderr.write("error: interrupted\n")
        code = 130
    except Terminated:
        sys.stderr.write("error: terminated\n")
        code = 143
    # The work is done and its files are complete: a late signal must not turn the exit into a crash.
    signals.ignore()
    sys.exit(code)


if __name__ == "__main__":
    main()
