"""The samplers' time grids."""

import pytest

from paretodiff.generative import samplers
from paretodiff.generative.grids import full_chain, timesteps


def test_time_grids():
    assert timesteps(1000, 4, "uniform") == [999, 666, 334, 1]
    quad = timesteps(1000, 5, "quadratic")
    assert quad == [999, 562, 250, 63, 1] and quad[0] - quad[1] > quad[-2] - quad[-1]
    assert timesteps(1000, 5000) == list(range(999, 0, -1)) == full_chain(1000)
    assert timesteps(1000, 1) == [999] and len(timesteps(1000, 999)) == 999
    with pytest.raises(ValueError, match="time grid"):
        timesteps(1000, 10, "cosine")


def test_a_samplers_grid_ends_at_the_clean_end():
    assert samplers.grid(samplers.SAMPLERS["ddim"], 1000, 4) == [999, 666, 334, 1, 0]
    assert samplers.grid(samplers.SAMPLERS["ddpm"], 10, 3) == list(range(9, -1, -1))  # the full chain, whatever the steps
