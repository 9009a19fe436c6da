"""SIGINT and SIGTERM become exceptions, but never inside an import (paretodiff.signals)."""

import signal
import subprocess
import sys
import textwrap

import pytest

from paretodiff import signals

SELF_SIGNAL_MODULE = """
import os, signal, time
os.kill(os.getpid(), signal.{name})  # arrives while this module is being imported
time.sleep(0.3)
print("import finished", flush=True)
"""

SCRIPT = """
import sys, time
sys.path.insert(0, {folder!r})
from paretodiff import signals
from paretodiff.errors import Terminated
signals.install()
try:
    import selfsignal
    time.sleep(10)
    print("not stopped", flush=True)
except (KeyboardInterrupt, Terminated) as exc:
    print("stopped by", type(exc).__name__, flush=True)
"""


@pytest.mark.parametrize("name, exception", [("SIGTERM", "Terminated"), ("SIGINT", "KeyboardInterrupt")])
def test_a_signal_during_an_import_is_delivered_after_it(tmp_path, name, exception):
    """Raised inside the module's code it would cut the import short (in PyTorch's, across C++:
    an abort, or a lost signal); held, it stops the command right after the import."""
    (tmp_path / "selfsignal.py").write_text(SELF_SIGNAL_MODULE.format(name=name))
    script = SCRIPT.format(folder=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["import finished", f"stopped by {exception}"]


def test_importing_sees_the_import_machinery(tmp_path, monkeypatch):
    (tmp_path / "probe_module.py").write_text("import sys\nfrom paretodiff import signals\n"
                                              "INSIDE = signals.importing(sys._getframe())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import probe_module

    assert probe_module.INSIDE is True
    assert signals.importing(sys._getframe()) is False


def test_raising_puts_the_previous_handlers_back():
    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    with signals.raising():
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        with pytest.raises(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
    assert {s: signal.getsignal(s) for s in before} == before


LOST_SCRIPT = """
import os, signal, time
from paretodiff import signals
from paretodiff.errors import Terminated
signals.install()

class Swallows:
    def __del__(self):  # Python cannot pass an exception on from here: "Exception ignored in ..."
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)

Swallows()
print("ran on", flush=True)
try:
    signals.check()
except Terminated:
    print("stopped by Terminated", flush=True)
"""


def test_a_signal_whose_exception_was_lost_is_raised_again_by_check(tmp_path):
    (tmp_path / "lost.py").write_text(LOST_SCRIPT)  # a file: under -c its __del__ would be code from a string
    result = subprocess.run([sys.executable, "lost.py"], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["ran on", "stopped by Terminated"]
    assert "Exception ignored" not in result.stderr  # check() raised it again: no traceback for it


FROM_A_STRING_SCRIPT = """
import os, signal, sys, time
from paretodiff import signals
signals.install()

def arrives():
    os.kill(os.getpid(), signal.SIGINT)
    time.sleep(0.3)
    return "eval finished"

try:
    print(eval("arrives()"), flush=True)
    time.sleep(10)
except KeyboardInterrupt:
    print("stopped by KeyboardInterrupt", flush=True)
signals.ignore()
sys.exit(130)
"""


def test_a_signal_inside_code_from_a_string_waits_so_that_the_exit_status_stays(tmp_path):
    """A KeyboardInterrupt that ends eval()'d code makes CPython kill itself with SIGINT at exit
    (status -2), however it was handled; held until the eval is over, the status is the command's."""
    script = tmp_path / "script.py"
    script.write_text(FROM_A_STRING_SCRIPT)
    result = subprocess.run([sys.executable, "-m", "script"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.splitlines() == ["eval finished", "stopped by KeyboardInterrupt"]
    assert result.returncode == 130, result.stderr


def test_from_a_string_sees_eval_and_exec():
    assert eval("signals.from_a_string(sys._getframe())") is True
    assert signals.from_a_string(sys._getframe()) is False
    assert signals.must_wait(sys._getframe()) is False
