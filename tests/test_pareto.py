import numpy as np
import pytest
from pymoo.util.nds.non_dominated_sorting import NonDominatedSorting

from paretodiff import pareto


@pytest.mark.parametrize("m", [2, 3, 4])
def test_front_index_matches_pymoo(m):
    Y = np.random.default_rng(m).random((300, m))
    ours = pareto.front_index(Y)
    for k, front in enumerate(NonDominatedSorting().do(Y)):
        assert np.all(ours[front] == k)


def test_fronts_partition_rows_best_first():
    Y = np.array([[1, 1], [0, 2], [2, 2], [3, 3], [2, 0.5]])
    assert [f.tolist() for f in pareto.fronts(Y)] == [[0, 1, 4], [2], [3]]


def test_crowding_distance_by_hand():
    F = np.array([[0.0, 4.0], [1.0, 2.0], [2.0, 1.0], [4.0, 0.0]])
    cd = pareto.crowding_distance(F)
    # interior: per objective (next - previous) / range, summed, divided by m = 2
    assert np.isinf(cd[0]) and np.isinf(cd[3])
    assert cd[1] == pytest.approx(((2 - 0) / 4 + (4 - 1) / 4) / 2)
    assert cd[2] == pytest.approx(((4 - 1) / 4 + (2 - 0) / 4) / 2)


def test_crowding_distance_gives_later_duplicates_zero():
    F = np.array([[0.0, 1.0], [0.5, 0.5], [0.5, 0.5], [1.0, 0.0]])
    cd = pareto.crowding_distance(F)
    assert np.isinf(cd[0]) and np.isinf(cd[3]) and cd[1] > 0 and cd[2] == 0
    assert pareto.crowding_distance(np.zeros((2, 2))).tolist() == [np.inf, 0.0]


def test_select_best_takes_whole_fronts_then_crowding():
    # front 0: three points (ends have infinite crowding); front 1: one point
    Y = np.array([[0.0, 1.0], [0.6, 0.6], [0.5, 0.5], [1.0, 0.0], [2.0, 2.0]])
    assert sorted(pareto.select_best(Y, 3).tolist()) == [0, 2, 3]  # rows 2 dominates 1
    assert sorted(pareto.select_best(Y, 2).tolist()) == [0, 3]  # the two ends
    assert sorted(pareto.select_best(Y, 4).tolist()) == [0, 1, 2, 3]
    assert pareto.select_best(Y, 0).tolist() == []
    with pytest.raises(ValueError):
        pareto.select_best(Y, 6)


def test_select_best_benchmark_index_bug_returns_positions_in_the_cut_front():
    # front 0 = rows [3, 4, 5] (rows 0..2 are dominated), cut to 2 -> the two ends
    Y = np.array([[5.0, 5.0], [6.0, 6.0], [7.0, 7.0], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0]])
    assert sorted(pareto.select_best(Y, 2).tolist()) == [3, 5]
    assert sorted(pareto.select_best(Y, 2, benchmark_index_bug=True).tolist()) == [0, 2]
    # the bug also fires when a front fills n exactly
    assert sorted(pareto.select_best(Y, 3, benchmark_index_bug=True).tolist()) == [0, 1, 2]


def test_rank_designs_orders_by_front_then_descending_crowding():
    Y = np.array([[0.6, 0.6], [0.0, 1.0], [0.5, 0.5], [1.0, 0.0], [0.45, 0.55]])
    ranking = pareto.rank_designs(Y)
    # front 0 = rows 1, 2, 3, 4; the ends 1 and 3 have infinite crowding distance
    assert ranking.front.tolist() == [1, 0, 0, 0, 0]
    cd = pareto.crowding_distance(Y[[1, 2, 3, 4]])
    assert ranking.crowding[[1, 2, 3, 4]].tolist() == cd.tolist()
    assert sorted(ranking.rank[[1, 3]].tolist()) == [0, 1]
    # row 4 sits between 1 and 2, row 2 between 4 and 3: the larger gap ranks first
    assert (ranking.rank[4] < ranking.rank[2]) == (ranking.crowding[4] > ranking.crowding[2])
    assert ranking.rank[0] == 4
    assert sorted(ranking.rank.tolist()) == list(range(5))
