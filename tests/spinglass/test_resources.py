"""Sizes that cannot fit in memory are refused up front, in one line, before any work."""

import pytest

from isingml.errors import ResourceError
from isingml.spinglass import (
    EdwardsAnderson,
    HopfieldGlass,
    SherringtonKirkpatrick,
    geometric_ladder,
    hopfield_state_census,
    parallel_tempering,
    tune_ladder,
)
from isingml.spinglass.tempering import _tempering_bytes

NEEDS = "needs .* of memory, and .* is available"


@pytest.mark.parametrize(
    "model",
    [SherringtonKirkpatrick(1_000_000), HopfieldGlass(1_000_000, 1000)],
    ids=repr,
)
def test_parallel_tempering_of_a_huge_dense_model_is_refused(model):
    with pytest.raises(ResourceError, match=f"parallel tempering of 1 samples .*{NEEDS}"):
        parallel_tempering(model, [0.5, 1.0], 10, bins=2, progress=False)
    with pytest.raises(ResourceError, match=NEEDS):
        tune_ladder(model, 0.5, 1.0, count=4, sweeps=10)


def test_too_many_samples_are_refused(monkeypatch):
    monkeypatch.setattr("isingml._resources.available_memory", lambda: 2**34)
    with pytest.raises(ResourceError, match=f"1000000000 samples x 2 replicas .*{NEEDS}"):
        parallel_tempering(
            SherringtonKirkpatrick(16), [0.5, 1.0], 10, samples=10**9, bins=2, progress=False
        )


@pytest.mark.parametrize("dim", [2, 3])
def test_a_huge_edwards_anderson_lattice_is_refused_at_construction(dim):
    with pytest.raises(ResourceError, match=rf"EdwardsAnderson\(L=1000000, dim={dim}\).*{NEEDS}"):
        EdwardsAnderson(1_000_000, dim)


def test_a_huge_ladder_and_a_huge_hopfield_census_are_refused():
    with pytest.raises(ResourceError, match=f"ladder of 1000000000000 temperatures {NEEDS}"):
        geometric_ladder(0.5, 1.0, 10**12)
    with pytest.raises(ResourceError, match=f"census of 1000000 units .*{NEEDS}"):
        hopfield_state_census(1_000_000, [0.1], progress=False)


@pytest.mark.parametrize(
    "model",
    [SherringtonKirkpatrick(64), HopfieldGlass(64, 8), EdwardsAnderson(8, 3, "gaussian")],
    ids=repr,
)
def test_the_estimate_covers_the_couplings_walkers_and_results(model):
    samples, replicas, K, bins, n = 3, 2, 5, 4, model.n
    couplings = 8 * n * n if model.dense else 8 * n * 6
    results = samples * (8 * K * bins * 6 + 8 * K * (n + 1))
    walkers = replicas * K * n * (9 if model.dense else 1)
    assert _tempering_bytes(model, samples, replicas, K, bins) >= couplings + results + walkers


@pytest.mark.parametrize(
    ("model", "what"),
    [
        (SherringtonKirkpatrick(1_000_000), r"SherringtonKirkpatrick\(1000000.*couplings of"),
        (HopfieldGlass(1_000_000, 10), r"HopfieldGlass\(1000000, patterns=10\): the patterns"),
    ],
)
def test_drawing_one_huge_dense_sample_is_refused(model, what):
    with pytest.raises(ResourceError, match=f"{what} .*{NEEDS}"):
        model.disorder(0)
