"""Training pieces: EMA weights and the one early-stopping loop."""

import pytest
import torch

from paretodiff.generative.training import EMA, early_stopping


def test_ema_copies_during_warmup_then_averages():
    model = torch.nn.Linear(1, 1, bias=False)
    ema = EMA(model, decay=0.5, warmup=1)
    with torch.no_grad():
        model.weight.fill_(2.0)
    ema.update(model)
    assert float(ema.model.weight) == 2.0
    with torch.no_grad():
        model.weight.fill_(4.0)
    ema.update(model)
    assert float(ema.model.weight) == 3.0


def test_ema_with_decay_0_keeps_the_weights_bit_for_bit():
    """The default preset's setting (``ema_decay = 0``): the kept model is the trained one."""
    torch.manual_seed(0)
    model = torch.nn.Linear(7, 5)
    ema = EMA(model, decay=0.0, warmup=0)
    for _ in range(3):
        with torch.no_grad():
            for param in model.parameters():
                param.add_(torch.randn_like(param) / 3)
        ema.update(model)
        for kept, trained in zip(ema.model.parameters(), model.parameters()):
            assert torch.equal(kept, trained)


def counting_model(losses):
    """A one-weight model whose weight is the round number, and a validation that reads ``losses``."""
    model = torch.nn.Linear(1, 1, bias=False).requires_grad_(False)

    def train_round(r):
        with torch.no_grad():
            model.weight.fill_(float(r))

    return model, train_round, lambda: losses[int(model.weight)]


def test_early_stopping_keeps_the_best_validated_weights_and_stops_on_a_plateau():
    losses = {2: 5.0, 4: 3.0, 6: 4.0, 8: 3.0, 10: 1.0}  # validated every 2 rounds; 8 ties 4, not better
    model, train_round, validate = counting_model(losses)
    stopped = early_stopping(train_round, validate, model, rounds=10, every=2, patience=2)
    assert (stopped.rounds, stopped.best_round, stopped.best_loss) == (8, 4, 3.0)
    assert float(model.weight) == 4.0 and stopped.history == [(2, 5.0), (4, 3.0), (6, 4.0), (8, 3.0)]


def test_early_stopping_validates_after_the_last_round_and_never_stops_with_patience_0():
    losses = {3: 2.0, 6: 3.0, 7: 4.0}
    model, train_round, validate = counting_model(losses)
    stopped = early_stopping(train_round, validate, model, rounds=7, every=3, patience=0)
    assert stopped.rounds == 7 and [r for r, _ in stopped.history] == [3, 6, 7]
    assert float(model.weight) == 3.0


@pytest.mark.parametrize("validate", [None, lambda: float("nan")])
def test_without_a_finite_validation_the_last_weights_stay(validate):
    model, train_round, _ = counting_model({})
    stopped = early_stopping(train_round, validate, model, rounds=5, patience=2)
    assert float(model.weight) == (5.0 if validate is None else 2.0)  # NaN never improves: stop after patience
    assert stopped.best_round == 0


@pytest.mark.parametrize("threads, expected", [(1, 1), (None, 2)])
def test_early_stopping_trains_at_one_thread_and_restores_the_callers_count(threads, expected):
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    seen = []
    try:
        early_stopping(lambda r: seen.append(torch.get_num_threads()), None, torch.nn.Linear(1, 1), rounds=2,
                       threads=threads)
        assert seen == [expected, expected]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
