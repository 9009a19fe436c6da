"""Figures: the data's front and the proposals (matplotlib, written atomically to PNG)."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from paretodiff.files import atomic_path  # noqa: E402
from paretodiff.pareto import nondominated_mask  # noqa: E402


def _save(fig, path: Path, overwrite: bool = True) -> None:
    try:
        with atomic_path(path, overwrite=overwrite, suffix=".png") as tmp:
            fig.savefig(tmp, dpi=120, bbox_inches="tight", format="png")
    finally:
        plt.close(fig)


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
    overwrite: bool = True,
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
    _save(fig, path, overwrite)


def benchmark_plot(
    path: Path,
    *,
    task_name: str,
    train_Y: np.ndarray,
    d_best_Y: np.ndarray,
    proposals: dict[str, np.ndarray],
    ref: np.ndarray,
    front: np.ndarray | None = None,
    max_data_points: int = 5000,
    seed: int = 0,
    overwrite: bool = True,
) -> None:
    """Every method's proposals in normalized objective space, beside the data.

    All arrays are normalized objective values (the benchmark's min-max over train ∪ test);
    ``proposals`` maps a method name to its ``(n, m)`` values.  Two objectives: one scatter;
    more: a scatter matrix of every pair.  The view covers the proposals, D(best) and the
    hypervolume reference point ``ref`` (dashed), where the hypervolume is counted.
    ``max_data_points`` training points are drawn at random (seeded), in grey.
    """
    m = train_Y.shape[1]
    rng = np.random.default_rng(seed)
    shown = train_Y[rng.choice(len(train_Y), min(max_data_points, len(train_Y)), replace=False)]
    pairs = [(0, 1)] if m == 2 else [(i, j) for i in range(m) for j in range(m)]
    size = 6.5 if m == 2 else 2.2 * m
    fig, axes = plt.subplots(1 if m == 2 else m, 1 if m == 2 else m, figsize=(size, size * (0.85 if m == 2 else 1)),
                             squeeze=False)
    focus = np.concatenate([d_best_Y, *[P[np.isfinite(P).all(axis=1)] for P in proposals.values()]])
    lo, hi = focus.min(axis=0), focus.max(axis=0)
    pad = 0.05 * np.where(hi > lo, hi - lo, 1.0)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (i, j) in pairs:
        ax = axes[0, 0] if m == 2 else axes[j, i]
        if i == j:
            ax.text(0.5, 0.5, f"f{i}", ha="center", va="center", fontsize=14, transform=ax.transAxes)
            ax.set_xticks([])
            ax.set_yticks([])
            continue
        ax.scatter(shown[:, i], shown[:, j], s=3, c="0.8", rasterized=True, label=f"training data ({len(train_Y)})")
        if front is not None:
            ax.scatter(front[:, i], front[:, j], s=2, c="k", label="true front")
        ax.scatter(d_best_Y[:, i], d_best_Y[:, j], s=10, facecolors="none", edgecolors="0.3", label="D(best)")
        for k, (name, P) in enumerate(proposals.items()):
            ax.scatter(P[:, i], P[:, j], s=9, color=colors[k % len(colors)], alpha=0.8, label=name)
        ax.plot([lo[i] - pad[i], ref[i], ref[i]], [ref[j], ref[j], lo[j] - pad[j]], "k--", lw=0.8,
                label="hypervolume reference point (where in view)")
        ax.set_xlim(lo[i] - pad[i], hi[i] + pad[i])
        ax.set_ylim(lo[j] - pad[j], hi[j] + pad[j])
        if m == 2:
            ax.set_xlabel("f0 (normalized)")
            ax.set_ylabel("f1 (normalized)")
    handles, labels = (axes[0, 0] if m == 2 else axes[1, 0]).get_legend_handles_labels()
    fig.suptitle(f"{task_name}: proposals in normalized objective space\n"
                 f"(hypervolume reference point {np.array2string(ref, precision=2, separator=', ')})")
    fig.tight_layout()
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=8, bbox_to_anchor=(0.5, 0.0))
    _save(fig, path, overwrite)
