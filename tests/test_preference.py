import numpy as np
import pytest
import torch

from paretodiff import preference
from paretodiff.generative.paths import DiffusionPath as NoiseSchedule
from paretodiff.pareto import rank_designs


def toy_ranking():
    # front 0: rows 0, 1, 2 (row 1 in the middle); row 3 duplicates row 1; front 1: rows 4, 5
    Y = np.array([[0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.5, 0.5], [1.0, 1.0], [0.6, 2.0]])
    return Y, rank_designs(Y)


def test_labels_follow_front_then_crowding():
    Y, ranking = toy_ranking()
    first = torch.tensor([0, 4, 1, 4])
    second = torch.tensor([4, 0, 0, 5])
    labels = preference.pair_labels(ranking, Y, first, second, "crowding")
    # front 0 beats front 1 either way round; within front 0 the end (inf crowding) beats the middle
    expected_45 = float(ranking.rank[4] < ranking.rank[5])
    assert labels.tolist() == [1.0, 0.0, 0.0, expected_45]


def test_draw_pairs_excludes_self_pairs_and_zero_crowding_partners_on_the_same_front():
    Y, ranking = toy_ranking()
    assert ranking.crowding[1] > 0 and ranking.crowding[3] == 0  # the second copy gets zero
    pool = torch.arange(len(Y))
    anchors = torch.tensor([0, 1, 2, 3, 4, 5]).repeat(500)
    first, second = preference.draw_pairs(ranking, anchors, pool, torch.Generator().manual_seed(0))
    assert len(first) == len(anchors)  # every anchor found a partner
    assert not torch.any(first == second)
    same_front = torch.as_tensor(ranking.front)[first] == torch.as_tensor(ranking.front)[second]
    assert not torch.any(same_front & (second == 3))
    # partners from other fronts are allowed even with zero crowding distance
    assert torch.any((first == 4) & (second == 3))


def test_draw_pairs_drops_anchors_without_a_valid_partner():
    Y = np.zeros((3, 2))  # one front of three copies: row 0 has crowding inf, rows 1, 2 zero
    ranking = rank_designs(Y)
    first, second = preference.draw_pairs(ranking, torch.tensor([0, 1, 2]), torch.arange(3), torch.Generator().manual_seed(0))
    assert 0 not in first.tolist()  # its only candidates are zero-crowding twins
    assert second.tolist() == [0] * len(second)


def test_dominance_labels_have_three_classes():
    Y, ranking = toy_ranking()
    labels = preference.pair_labels(ranking, Y, torch.tensor([1, 4, 0]), torch.tensor([4, 1, 2]), "dominance")
    assert labels.tolist() == [0, 1, 2]


def test_subcrowding_keeps_the_best_fraction():
    Y = np.random.default_rng(0).random((200, 2))
    rows = preference.preference_subset(Y, "subcrowding", 0.3)
    assert len(rows) == 60
    outside = np.setdiff1d(np.arange(200), rows)
    assert rank_designs(Y).front[rows].max() <= rank_designs(Y).front[outside].min()
    assert len(preference.preference_subset(Y, "crowding", 0.3)) == 200


class Linear(torch.nn.Module):
    """f(x, t) = w · x + c t: a utility whose gradient is known by hand."""

    def __init__(self, w):
        super().__init__()
        self.w = torch.nn.Parameter(torch.tensor(w))

    def forward(self, x, t):
        return x @ self.w + 0.01 * t.float()


def test_guide_is_the_hand_computed_gradient_and_tracks_the_previous_iterate():
    model = Linear([1.0, -2.0])
    x_ref = torch.tensor([[0.0, 0.0], [0.5, 0.5]])
    guide = preference.make_guide(model, x_ref, "crowding")
    x = torch.tensor([[0.2, 0.1], [0.0, 1.0]])
    w = torch.tensor([1.0, -2.0])
    # d/dx log sigmoid(f(x) - f(ref)) = (1 - sigmoid(f(x) - f(ref))) * w
    diff = x @ w - x_ref @ w
    expected = (1 - torch.sigmoid(diff))[:, None] * w
    torch.testing.assert_close(guide(x, 10), expected)
    x_next = torch.tensor([[0.3, 0.3], [0.1, 0.1]])
    expected_next = (1 - torch.sigmoid(x_next @ w - x @ w))[:, None] * w  # reference = previous x
    torch.testing.assert_close(guide(x_next, 9), expected_next)


def test_preference_training_learns_a_simple_order_and_restores_the_best_weights():
    rng = np.random.default_rng(0)
    X = rng.uniform(-1, 1, (600, 2))
    Y = np.stack([X[:, 0] + X[:, 1], X[:, 0] + X[:, 1] + 0.1 * rng.random(600)], 1)  # better = lower x0 + x1
    from paretodiff.networks import Utility

    model = Utility(2, 32, 1, 16, 100)
    torch.manual_seed(0)
    result = preference.train_preference(
        model, NoiseSchedule.linear(100), torch.tensor(X, dtype=torch.float32), Y, mode="crowding",
        subsample_ratio=0.3, lr=3e-3, batch_size=128, max_steps=300, val_fraction=0.2, val_every=50,
        val_batches=2, patience=3, shuffle_split=True, generator=torch.Generator().manual_seed(0))
    assert result.best_val_loss == min(v for _, v in result.history)
    with torch.no_grad():
        f = result.model(torch.tensor([[-0.8, -0.8], [0.8, 0.8]], dtype=torch.float32), torch.ones(2, dtype=torch.long))
    assert f[0] > f[1]


def test_the_self_reference_gives_half_the_utility_gradient_at_every_step():
    """x_ref = x: g = ∇ log sigmoid(f(x) - f(x_ref)) at x_ref = x = ∇f / 2, whatever came before."""
    model = Linear([1.0, -2.0])
    guide = preference.make_guide(model, torch.zeros(2, 2), "crowding", reference="self")
    half_w = torch.tensor([0.5, -1.0]).expand(2, 2)
    torch.testing.assert_close(guide(torch.tensor([[0.2, 0.1], [0.0, 1.0]]), 10), half_w)
    torch.testing.assert_close(guide(torch.tensor([[0.9, -0.9], [0.3, 0.3]]), 9), half_w)  # no memory


def test_previous_and_self_references_agree_when_the_iterate_barely_moves():
    """At 1000 steps consecutive iterates are close, so the authors' rule is ≈ ∇f / 2 too."""
    from paretodiff.networks import Utility

    torch.manual_seed(0)
    model = Utility(3, 16, 1, 8, 100).requires_grad_(False)
    x = torch.randn(5, 3)
    previous = preference.make_guide(model, x, "crowding", reference="previous")
    selfref = preference.make_guide(model, x, "crowding", reference="self")
    previous(x, 50)  # x_ref becomes x
    x_next = x + 1e-4 * torch.randn(5, 3)
    torch.testing.assert_close(previous(x_next, 49), selfref(x_next, 49), rtol=1e-3, atol=1e-6)


def test_the_self_reference_with_the_three_class_model():
    from paretodiff.networks import Utility

    torch.manual_seed(0)
    model = Utility(2, 16, 1, 8, 100, tie_head=True).requires_grad_(False)
    x = torch.randn(4, 2)
    guide = preference.make_guide(model, torch.zeros(4, 2), "dominance", reference="self")
    xg = x.clone().requires_grad_(True)
    t = torch.full((4,), 7, dtype=torch.long)
    (expected,) = torch.autograd.grad(preference.log_preference(model, xg, x, t, "dominance").sum(), xg)
    torch.testing.assert_close(guide(x, 7), expected)
    with pytest.raises(ValueError, match="reference"):
        preference.make_guide(model, x, "dominance", reference="best")
