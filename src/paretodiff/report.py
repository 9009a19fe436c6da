"""The run as one self-contained HTML page: the picture, the batch with its predictions, the summary.

>>> write_report(Path("report.html"), title="...", command="paretodiff optimize ...",
...              facts=["columns: ...", "summary: ..."], batch=frame, figure_png=png)

Everything is inside the file (the figure as a base64 ``data:`` image, the style inline, no
script), so it can be mailed and opened anywhere.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from paretodiff.files import atomic_path

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; color: #222; }
h1 { font-size: 1.4em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
code, pre { background: #f4f4f4; padding: 0.2em 0.4em; border-radius: 3px; }
pre { white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; font-size: 0.85em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: right; }
th { background: #eee; } tr:nth-child(even) td { background: #fafafa; }
img { max-width: 100%; border: 1px solid #ddd; }
"""


def significant(value, digits: int = 4) -> str:
    """A number with ``digits`` significant digits (integers as they are); text unchanged."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        return str(value)
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{float(value):.{digits}g}"


def write_report(path: Path, *, title: str, command: str, facts: Sequence[str], batch: pd.DataFrame,
                 figure_png: bytes | None, overwrite: bool = True) -> None:
    """Write the page to ``path`` atomically (the caller has checked the path).

    Args:
        title: the page's heading.
        command: the command line that made the run.
        facts: lines of the run summary (which columns had which role, rows, gains, time).
        batch: the proposals as written to the output table (rows in their order).
        figure_png: the front figure as PNG bytes, or ``None``.
    """
    table = batch.to_html(index=False, border=0, escape=True, formatters={c: significant for c in batch.columns})
    image = ("" if figure_png is None else
             f'<img alt="the data, its front and the proposals at their predicted objectives" '
             f'src="data:image/png;base64,{base64.b64encode(figure_png).decode("ascii")}">')
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p>Made {dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")} by</p>
<pre>{html.escape(command)}</pre>
<h2>Summary</h2>
<ul>{"".join(f"<li>{html.escape(line)}</li>" for line in facts)}</ul>
<h2>Where the proposals lie</h2>
{image}
<h2>The batch ({len(batch)} designs)</h2>
<div style="overflow-x: auto">{table}</div>
</body></html>
"""
    with atomic_path(Path(path), overwrite=overwrite, suffix=".html") as tmp:
        tmp.write_text(page, encoding="utf-8")
