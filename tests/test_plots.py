"""The front figure: objective space with the predictions, the batch in design space."""

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402

from paretodiff.plots import front_figure  # noqa: E402


def test_a_categorical_column_shows_its_labels_on_its_axis_of_the_batch_panel():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.uniform(1, 2, 40), rng.integers(0, 3, 40)])
    Y = np.column_stack([X[:, 0] * (1 + X[:, 1]), -X[:, 0]])
    proposals = np.array([[1.5, 0.0], [1.2, 2.0]])
    fig = front_figure(X, Y, proposals, senses=["min", "min"], input_names=["width", "alloy"],
                       objective_names=["mass", "cost"], lower=[1, 0], upper=[2, 2], predicted=Y[:2],
                       predicted_std=np.full((2, 2), 0.1), categories=[None, ("alu", "steel", "ti")])
    texts = {t.get_text(): t.get_position() for ax in fig.axes for t in ax.texts}
    assert {"alu", "steel", "ti"} <= set(texts)
    assert [round(texts[k][1], 3) for k in ("alu", "steel", "ti")] == [0.0, 0.5, 1.0]  # each at its place
    assert all(abs(texts[k][0] - 1) < 0.1 for k in ("alu", "steel", "ti"))  # on the second axis
