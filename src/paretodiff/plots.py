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


PARALLEL_MAX = 32  # designs drawn in the parallel-coordinates panel at most


def front_plot(path: Path, *args, overwrite: bool = True, **kwargs) -> None:
    """:func:`front_figure`, written to the PNG file ``path`` atomically."""
    _save(front_figure(*args, **kwargs), path, overwrite)


def png_bytes(fig) -> bytes:
    """A figure as PNG bytes (for a page that embeds it); the figure is closed."""
    import io

    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, dpi=110, bbox_inches="tight", format="png")
    finally:
        plt.close(fig)
    return buffer.getvalue()


def front_figure(
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
    predicted_std: np.ndarray | None = None,
    batch: np.ndarray | None = None,
    categories: Sequence[Sequence | None] | None = None,
):
    """The data, its non-dominated set and the proposals, in objective space and design space
    (a matplotlib figure).

    Args:
        X, Y: the measured designs ``(N, D)`` and objectives ``(N, m)``, in the user's units.
        proposals: the proposed designs ``(n, D)``.
        predicted, predicted_std: the proposals' predicted objectives and their uncertainty
            ``(n, m)`` (user's units); with them the proposals are placed in objective space
            with error bars of one standard deviation, else only the design-space panel shows them.
        batch: a boolean mask ``(n,)`` of the designs to highlight (the batch to build next);
            default: all proposals.
        categories: per input, the labels of a categorical column (its values in ``X`` are their
            indices; they are written on its axis) or ``None``.

    Two objectives: one scatter; three or more: a scatter matrix of every pair.  The right
    panel draws the batch (its first :data:`PARALLEL_MAX` designs) as parallel coordinates,
    each input scaled to the bounds, beside the data's non-dominated designs.
    """
    m = Y.shape[1]
    n = len(proposals)
    batch = np.ones(n, dtype=bool) if batch is None else np.asarray(batch, dtype=bool)
    Y_min = np.where(np.asarray(senses) == "max", -Y, Y)
    nd = nondominated_mask(Y_min)
    pairs = [(0, 1)] if m == 2 else [(i, j) for j in range(1, m) for i in range(j)]
    grid = 1 if m == 2 else m - 1
    fig = plt.figure(figsize=(6.0 + 2.6 * grid, max(4.8, 2.6 * grid)))
    left, right = fig.subfigures(1, 2, width_ratios=[max(1.2, grid * 0.9), 1.0])
    axes = left.subplots(grid, grid, squeeze=False)
    for ax in axes.flat:
        ax.set_visible(False)
    for i, j in pairs:
        ax = axes[0, 0] if m == 2 else axes[j - 1, i]
        ax.set_visible(True)
        ax.scatter(Y[:, i], Y[:, j], s=4, c="0.75", label=f"data ({len(Y)})", rasterized=True)
        ax.scatter(Y[nd, i], Y[nd, j], s=14, c="tab:blue", label=f"non-dominated data ({nd.sum()})")
        if predicted is not None:
            err = (None, None) if predicted_std is None else (predicted_std[:, i], predicted_std[:, j])
            others, chosen = ~batch, batch
            if others.any():
                ax.errorbar(predicted[others, i], predicted[others, j], xerr=_rows(err[0], others),
                            yerr=_rows(err[1], others), fmt="x", ms=4, c="tab:orange", alpha=0.5, lw=0.6,
                            label=f"other proposals, predicted ({others.sum()})")
            ax.errorbar(predicted[chosen, i], predicted[chosen, j], xerr=_rows(err[0], chosen),
                        yerr=_rows(err[1], chosen), fmt="o", ms=5, mfc="none", c="tab:red", lw=0.8,
                        label=f"batch, predicted ± 1 std ({chosen.sum()})")
        if m == 2 or i == 0:
            ax.set_ylabel(f"{objective_names[j]} ({senses[j]})", fontsize=8)
        if m == 2 or j == m - 1:
            ax.set_xlabel(f"{objective_names[i]} ({senses[i]})", fontsize=8)
        ax.tick_params(labelsize=7)
    handles, labels = (axes[0, 0]).get_legend_handles_labels()
    left.legend(handles, labels, loc="lower center", fontsize=8, ncol=2, bbox_to_anchor=(0.5, -0.02))
    left.suptitle("objective space" + ("" if predicted is not None else " (no objective predictions)"), fontsize=10)
    left.subplots_adjust(bottom=0.22 if m == 2 else 0.1 + 0.3 / grid)
    _parallel(right.subplots(), X[nd], proposals[batch], input_names, lower, upper, categories)
    return fig


def _rows(values: np.ndarray | None, mask: np.ndarray) -> np.ndarray | None:
    return None if values is None else values[mask]


def _parallel(bx, front_X: np.ndarray, batch_X: np.ndarray, input_names: Sequence[str],
              lower: Sequence[float], upper: Sequence[float],
              categories: Sequence[Sequence | None] | None = None) -> None:
    """The batch's designs as parallel coordinates (inputs scaled to the bounds) over the data's
    front; a categorical column's labels written on its axis at their places."""
    lo, hi = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    span = np.where(hi > lo, hi - lo, 1.0)
    axis = np.arange(front_X.shape[1])
    for row in (front_X - lo) / span:
        bx.plot(axis, row, c="tab:blue", alpha=0.2, lw=0.7)
    shown = batch_X[:PARALLEL_MAX]
    for row in (shown - lo) / span:
        bx.plot(axis, row, c="tab:red", alpha=0.7, lw=1.0, marker="o", ms=3)
    bx.plot([], [], c="tab:blue", label="non-dominated data designs")
    more = f"first {len(shown)} of {len(batch_X)}" if len(batch_X) > len(shown) else f"{len(shown)}"
    bx.plot([], [], c="tab:red", marker="o", ms=3, label=f"batch ({more})")
    for j, names in enumerate(categories or []):
        if names is not None and len(names) > 1:
            for k, name in enumerate(names):
                bx.text(j + 0.04, k / (len(names) - 1), str(name), fontsize=6, va="center", color="0.25")
    bx.set_xticks(axis, list(input_names), rotation=45 if len(axis) > 6 else 0, fontsize=8)
    bx.set_ylim(-0.05, 1.05)
    bx.set_ylabel("position within bounds (0 = lower, 1 = upper)", fontsize=8)
    bx.set_title("the batch in design space", fontsize=10)
    bx.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(axis) > 6 else -0.08), fontsize=7, ncol=2)


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
