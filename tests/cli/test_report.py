"""optimize --report: one self-contained HTML page, checked as a page and in a real headless browser."""

import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from paretodiff.cli import app

pytestmark = pytest.mark.usefixtures("tiny_cli_budgets")
BROWSER = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)), None)


@pytest.fixture
def report(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"width": rng.uniform(1, 2, 60), "height": rng.uniform(0, 5, 60), "rig": rng.integers(1, 9, 60)})
    frame["cost"] = frame.width + frame.height
    frame["strength"] = frame.width * frame.height
    frame["mass"] = frame.width * 2 + (5 - frame.height)
    frame.to_csv(tmp_path / "d.csv", index=False)
    page = tmp_path / "report.html"
    result = CliRunner().invoke(app, ["optimize", str(tmp_path / "d.csv"), "--minimize", "cost,mass", "--maximize",
                                      "strength", "--ignore", "rig", "-n", "6", "-o", str(tmp_path / "p.csv"),
                                      "--report", str(page)])
    assert result.exit_code == 0, result.output
    return page


def test_the_report_is_one_self_contained_page_with_the_picture_the_batch_and_the_summary(report):
    text = report.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text and "http" not in text.split("<pre>")[0]
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{1000,}"', text)) == 1
    rows = re.findall(r"<tr>", text.split("<tbody>")[1])
    assert len(rows) == 6 and "<th>cost_pred</th>" in text and "<th>batch_rank</th>" in text
    assert "ignored rig" in text and "predicted hypervolume gain" in text
    # the command as given, whatever program runs the app (here pytest, whose own argv is not it)
    command = text.split("<pre>")[1].split("</pre>")[0]
    assert command.startswith("paretodiff optimize ") and command.endswith("d.csv --minimize cost,mass --maximize "
                                                                           "strength --ignore rig -n 6 --output " + str(
                                                                               report.parent / "p.csv") + " --report "
                                                                           + str(report))


def test_a_report_must_be_html_and_is_checked_before_work(tmp_path):
    (tmp_path / "d.csv").write_text("a,b,c\n" + "\n".join(f"{i},{i % 7},{(i * 3) % 11}" for i in range(30)) + "\n")
    result = CliRunner().invoke(app, ["optimize", str(tmp_path / "d.csv"), "--minimize", "b,c", "-o",
                                      str(tmp_path / "p.csv"), "--report", str(tmp_path / "r.pdf")])
    assert result.exit_code == 2 and "--report" in result.stderr and not (tmp_path / "p.csv").exists()


@pytest.mark.skipif(BROWSER is None, reason="no Chromium here (Debian: apt-get install chromium)")
def test_a_headless_browser_shows_the_picture_and_the_table(report, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    common = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run([*common, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120).stdout
    assert dom.count("<tr") == 7 and "cost_pred" in dom  # header + 6 rows, as the browser parsed them
    subprocess.run([*common, f"--screenshot={shot}", "--window-size=1400,2600", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    pixels = np.asarray(Image.open(shot).convert("RGB")).reshape(-1, 3).astype(int)

    def share_near(rgb):
        return (np.abs(pixels - np.array(rgb)).sum(axis=1) < 60).mean()

    # the figure's colours can only come from the embedded image: matplotlib's blue and red
    assert share_near((31, 119, 180)) > 1e-4 and share_near((214, 39, 40)) > 1e-4
