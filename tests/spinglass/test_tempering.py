"""Parallel tempering against exact enumeration, reproducibility, and bad input."""

import numpy as np
import pytest

from isingml.ising.exact import finite_lattice_energy
from isingml.spinglass import (
    EdwardsAnderson,
    HopfieldGlass,
    SherringtonKirkpatrick,
    energy,
    geometric_ladder,
    parallel_tempering,
)
from isingml.spinglass.exact import enumerate_energies, exact_spin_glass

Z_MAX = 4.0  # standard errors


def _states(n):
    x = np.arange(2**n)[:, None]
    return np.where((x >> np.arange(n)) & 1, -1, 1)


@pytest.mark.parametrize(
    "model",
    [SherringtonKirkpatrick(10), EdwardsAnderson(4, 2, "gaussian"), EdwardsAnderson(2, 3, "pm")],
    ids=repr,
)
def test_enumeration_matches_the_energy_function(model):
    d = model.disorder(2, seed=5)
    assert np.allclose(enumerate_energies(d), energy(_states(model.n), d), atol=1e-12)


def test_exact_overlap_distribution_matches_the_double_sum():
    d = SherringtonKirkpatrick(7).disorder(0, seed=1)
    ex = exact_spin_glass(d, [0.4, 1.5])
    s = _states(7)
    E = energy(s, d)
    j = ((s @ s.T) + 7) // 2
    for k, T in enumerate([0.4, 1.5]):
        p = np.exp(-(E - E.min()) / T)
        p /= p.sum()
        direct = np.bincount(j.ravel(), weights=np.outer(p, p).ravel(), minlength=8)
        assert np.allclose(ex.overlap_probability[k], direct, atol=1e-14)
        assert ex.energy[k] == pytest.approx(p @ E / 7, rel=1e-12)


@pytest.mark.parametrize(
    ("model", "ladder"),
    [
        (SherringtonKirkpatrick(12), geometric_ladder(0.3, 1.5, 8)),
        (EdwardsAnderson(4, 2, "gaussian"), geometric_ladder(0.4, 2.0, 8)),
        (EdwardsAnderson(2, 3, "pm"), geometric_ladder(0.5, 2.5, 6)),
        (HopfieldGlass(12, 3), geometric_ladder(0.2, 1.2, 6)),
        (SherringtonKirkpatrick(12, "ferro"), geometric_ladder(0.4, 1.6, 6)),  # Curie-Weiss
    ],
    ids=lambda x: repr(x) if not isinstance(x, np.ndarray) else "",
)
def test_tempering_matches_enumeration(model, ladder):
    # One disorder sample: energy, <q^2>, Binder ratio and P(q) against the exact values,
    # errors from 32 bins of the run.
    ex = exact_spin_glass(model.disorder(5, seed=11), ladder)
    r = parallel_tempering(
        model, ladder, 40000, thermalize=2000, first_sample=5, seed=11, progress=False
    )
    for stats, exact in [(r.energy, ex.energy), (r.q2, ex.moment(2)), (r.binder, ex.binder)]:
        z = [(s.mean - e) / s.error for s, e in zip(stats, exact, strict=True)]
        assert np.max(np.abs(z)) < Z_MAX, z
    _, density = r.overlap_distribution(symmetric=False)
    assert np.abs(density * 2 / model.n - ex.overlap_probability).max() < 0.02
    assert np.all(r.best_energy >= ex.ground_state_energy - 1e-12)
    assert r.best_energy[0] == pytest.approx(ex.ground_state_energy, abs=1e-12)


def test_ferromagnetic_couplings_are_the_ising_model():
    # EA 2D with all couplings +1 is the Ising model: Kaufman's exact finite lattice.
    T = np.array([1.8, 2.1, 2.269, 2.5, 3.0])
    r = parallel_tempering(EdwardsAnderson(8, 2, "ferro"), T, 20000, seed=3, progress=False)
    z = [
        (s.mean - finite_lattice_energy(8, t)) / s.error for s, t in zip(r.energy, T, strict=True)
    ]
    assert np.max(np.abs(z)) < Z_MAX, z


def test_bits_do_not_depend_on_threads_batching_or_parallel_layout(monkeypatch):
    from isingml.spinglass import tempering

    model = SherringtonKirkpatrick(24, "pm")
    ladder = geometric_ladder(0.4, 1.6, 5)
    kwargs = dict(samples=3, seed=9, progress=False, thermalize=300)
    a = parallel_tempering(model, ladder, 600, threads=1, **kwargs)
    monkeypatch.setattr(tempering, "_DENSE_BATCH_BYTES", 8 * 24 * 24)  # one sample a batch
    monkeypatch.setattr(tempering, "_PER_SWEEP_WORK", 1)  # a parallel region per sweep
    b = parallel_tempering(model, ladder, 600, threads=2, **kwargs)
    for name in ("sums", "histograms", "exchanges", "trips", "flux", "best_energy"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    # Samples are the same whatever range they are run in.
    c = parallel_tempering(
        model, ladder, 600, first_sample=1, samples=2, seed=9, progress=False, thermalize=300
    )
    assert np.array_equal(a.histograms[1:], c.histograms)


def test_disorder_is_reproducible_and_has_the_stated_statistics():
    sk = SherringtonKirkpatrick(400)
    J = sk.disorder(0, seed=0).dense
    assert np.array_equal(J, sk.disorder(0, seed=0).dense)
    assert not np.array_equal(J, sk.disorder(1, seed=0).dense)
    assert np.allclose(J, J.T) and np.all(np.diag(J) == 0)
    off = J[np.triu_indices(400, 1)] * np.sqrt(400)
    assert abs(off.mean()) < 4 / np.sqrt(off.size)
    assert abs(off.var() - 1) < 4 * np.sqrt(2 / off.size)
    pm = SherringtonKirkpatrick(50, "pm").disorder(0).dense * np.sqrt(50)
    assert set(np.unique(pm)) == {-1.0, 0.0, 1.0}
    cw = SherringtonKirkpatrick(10, "ferro").disorder(0).dense
    assert np.allclose(cw, (np.ones((10, 10)) - np.eye(10)) / 10)
    ea = EdwardsAnderson(4, 3).disorder(0)
    i = 5
    for a in range(6):  # each bond appears from both ends with the same coupling
        j = ea.neighbors[i, a]
        back = np.flatnonzero(ea.neighbors[j] == i)
        assert np.any(np.isclose(ea.bonds[j, back], ea.bonds[i, a]))
    hop = HopfieldGlass(30, 4).disorder(2)
    x = hop.patterns.astype(float)
    assert np.allclose(hop.dense, (x.T @ x - 4 * np.eye(30)) / 30)


def test_exchange_and_round_trip_statistics_are_reported():
    r = parallel_tempering(
        SherringtonKirkpatrick(32),
        geometric_ladder(0.4, 1.6, 10),
        4000,
        samples=2,
        seed=1,
        progress=False,
    )
    assert r.acceptance.shape == (9,)
    assert np.all((r.acceptance > 0) & (r.acceptance <= 1))
    # Even pairs after even sweeps, odd after odd: each pair proposed sweeps / 2 times per
    # replica and sample.
    assert np.all(r.exchanges[:, :-1, 0] == 2 * 4000 // 2)
    assert r.round_trips > 0 and 0 < r.round_trip_time < 4000
    f = r.up_fraction
    assert f[0] == 1.0 and f[-1] == 0.0 and np.all(np.diff(f) <= 0.05)
    d = r.to_dict()
    assert d["round_trips"] == r.round_trips and len(d["binder"]) == 10


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(temperatures=[1.0, 0.5]), "ascending"),
        (dict(temperatures=[0.0, 1.0]), "positive"),
        (dict(sweeps=0), "sweeps"),
        (dict(replicas=3), "replicas"),
        (dict(bins=1), "bins"),
        (dict(sweeps=10, bins=32), "bins"),
        (dict(seed=-1), "seed"),
        (dict(interval=20, sweeps=10), "interval"),
    ],
)
def test_bad_input_is_refused_with_the_argument_named(kwargs, match):
    args = dict(temperatures=[0.5, 1.0], sweeps=100, progress=False) | kwargs
    with pytest.raises((ValueError, TypeError), match=match):
        parallel_tempering(SherringtonKirkpatrick(4), **args)


def test_bad_models_are_refused():
    with pytest.raises(ValueError, match="couplings"):
        SherringtonKirkpatrick(10, couplings="uniform")
    with pytest.raises(ValueError, match="dim"):
        EdwardsAnderson(4, dim=4)
    with pytest.raises(TypeError, match="n"):
        SherringtonKirkpatrick(2.5)
    with pytest.raises(TypeError, match="model"):
        parallel_tempering("SK", [1.0], 10)
    with pytest.raises(ValueError, match="replicas"):
        result = parallel_tempering(
            SherringtonKirkpatrick(4), [1.0], 64, replicas=1, progress=False
        )
        _ = result.q2


def test_results_save_load_and_pool(tmp_path):
    from isingml.spinglass import TemperingResult

    model, ladder = SherringtonKirkpatrick(16), [0.5, 1.0, 1.5]
    kwargs = dict(seed=4, progress=False, thermalize=100)
    whole = parallel_tempering(model, ladder, 200, samples=4, **kwargs)
    parts = [
        parallel_tempering(model, ladder, 200, samples=2, first_sample=f, **kwargs) for f in (0, 2)
    ]
    pooled = TemperingResult.combine(parts)
    for name in ("samples", "sums", "histograms", "exchanges", "trips", "best_spins"):
        assert np.array_equal(getattr(pooled, name), getattr(whole, name)), name
    path = parts[1].save(tmp_path / "run.npz")
    loaded = TemperingResult.load(path)
    assert loaded.to_dict() == parts[1].to_dict()
    assert np.array_equal(loaded.histograms, parts[1].histograms)
    with pytest.raises(ValueError, match="share disorder samples"):
        TemperingResult.combine([parts[0], parts[0]])
    other = parallel_tempering(
        model, ladder, 200, samples=2, first_sample=2, seed=5, progress=False, thermalize=100
    )
    with pytest.raises(ValueError, match="seed"):
        TemperingResult.combine([parts[0], other])
    np.savez(tmp_path / "other.npz", x=np.zeros(2))
    with pytest.raises(ValueError, match="cannot read a TemperingResult"):
        TemperingResult.load(tmp_path / "other.npz")
