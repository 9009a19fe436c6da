"""Figures: the data's front and the proposals (matplotlib, written atomically to PNG)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from paretodiff.pareto import nondominated_mask  # noqa: E402


def _save(fig, path: Path) -> None:
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=120, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)


def front_plot(
    path: Path,
    X: np.ndarray,
    Y: np.ndarray,
    proposals: np.ndarray,
    *,
    senses: Sequence[str],
    input_names: Sequence[str],
    objective_names: Sequence[str],
    lower: Sequence[float],
    upper: Sequence[float],
    predicted: np.ndarray | None = None,
) -> None:
    """The data in objective space with its non-dominated set, and the proposals.

    With ``predicted`` objective values of the proposals ``(n, m)``, they are drawn in
    objective space; otherwise (no predictor) the right panel lists the proposals in design
    space (parallel coordinates scaled to the bounds) beside the data's non-dominated designs.
    Only the first two objectives are drawn in objective space.
    """
    Y_min = np.where(np.asarray(senses) == "max", -Y, Y)
    nd = nondominated_mask(Y_min)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(12, 4.8))
    ax.scatter(Y[:, 0], Y[:, 1], s=4, c="0.75", label=f"data ({len(Y)})", rasterized=True)
    ax.scatter(Y[nd, 0], Y[nd, 1], s=14, c="tab:blue", label=f"non-dominated data ({nd.sum()})")
    if predicted is not None:
        ax.scatter(predicted[:, 0], predicted[:, 1], s=14, c="tab:red", marker="x", label="proposals (predicted)")
    ax.set_xlabel(f"{objective_names[0]} ({senses[0]})")
    ax.set_ylabel(f"{objective_names[1]} ({senses[1]})")
    more = f" (first 2 of {Y.shape[1]} objectives)" if Y.shape[1] > 2 else ""
    ax.set_title("objective space" + more)
    ax.legend(loc="best", fontsize=8)
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    span = np.where(hi > lo, hi - lo, 1.0)
    axis = np.arange(X.shape[1])
    for row in (X[nd] - lo) / span:
        bx.plot(axis, row, c="tab:blue", alpha=0.25, lw=0.8)
    for row in (proposals - lo) / span:
        bx.plot(axis, row, c="tab:red", alpha=0.35, lw=0.8)
    bx.plot([], [], c="tab:blue", label="non-dominated data designs")
    bx.plot([], [], c="tab:red", label=f"proposals ({len(proposals)})")
    bx.set_xticks(axis, list(input_names), rotation=45 if X.shape[1] > 8 else 0, fontsize=8)
    bx.set_ylim(-0.05, 1.05)
    bx.set_ylabel("position within bounds (0 = lower, 1 = upper)")
    bx.set_title("proposed designs" + ("" if predicted is not None else " (no objective predictor)"))
    bx.legend(loc="best", fontsize=8)
    _save(fig, path)
