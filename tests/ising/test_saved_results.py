"""Simulation and scan results that can be kept: save, load, and a pandas frame."""

import math
import sys
import warnings

import numpy as np
import pytest

from isingml import Engine, IsingModel, ScanResult, SimulationResult, simulate, temperature_scan
from isingml._persistence import load_arrays, save_arrays
from isingml.errors import InputError, ResourceError
from isingml.ising.results import _record


def _quiet(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # short runs: unreliable errors
        return function(*args, **kwargs)


@pytest.fixture(scope="module")
def result():
    return _quiet(simulate, 8, 2.3, 200, thermalize=20, interval=2, seed=3, progress=False)


@pytest.fixture(scope="module")
def wolff_result():
    return _quiet(simulate, 8, 2.5, 60, thermalize=10, engine="wolff", seed=5, progress=False)


@pytest.fixture(scope="module")
def scan():
    results = _quiet(temperature_scan, 8, [2.0, 3.0], 100, thermalize=10, seed=2, progress=False)
    return ScanResult(results)


_SETTINGS = (
    "L",
    "T",
    "J",
    "h",
    "algorithm",
    "seed",
    "stream",
    "sweeps",
    "thermalize",
    "interval",
    "flips_per_ns",
    "updates_per_measurement",
    "sweeps_per_measurement",
    "elapsed",
    "reliable",
    "reliability_note",
)


def _same_floats(a, b):
    assert set(a) == set(b)
    for key in a:
        assert a[key] == b[key] or (math.isnan(a[key]) and math.isnan(b[key])), key


def assert_same_result(loaded, original):
    """Equal series, settings, observables, engine and final model state."""
    assert isinstance(loaded, SimulationResult)
    for name in _SETTINGS:
        assert getattr(loaded, name) == getattr(original, name), name
    np.testing.assert_array_equal(loaded.energy, original.energy)
    np.testing.assert_array_equal(loaded.magnetization, original.magnetization)
    assert loaded.energy.dtype == loaded.magnetization.dtype == np.float64
    assert list(loaded.observables) == list(original.observables)
    for name, stats in original.observables.items():
        got = loaded.observables[name]
        assert (got.mean, got.error, got.n) == (stats.mean, stats.error, stats.n), name
        assert got.tau_int == stats.tau_int or math.isnan(got.tau_int) == math.isnan(stats.tau_int)
    _same_floats(loaded.tau_int, original.tau_int)
    _same_floats(loaded.error_uncertainty, original.error_uncertainty)
    assert loaded.engine == original.engine
    model, saved = loaded.model, original.model
    np.testing.assert_array_equal(model.spins, saved.spins)
    assert (model.L, model.beta, model.J, model.h, model.seed, model.stream) == (
        saved.L,
        saved.beta,
        saved.J,
        saved.h,
        saved.seed,
        saved.stream,
    )
    assert (model.step, model.flipped_by_clusters) == (saved.step, saved.flipped_by_clusters)
    assert loaded.to_dict() == original.to_dict()


@pytest.mark.parametrize("suffix", [".h5", ".npz"])
def test_a_result_round_trips(result, wolff_result, tmp_path, suffix):
    for name, r in (("metropolis", result), ("wolff", wolff_result)):
        path = r.save(tmp_path / f"{name}{suffix}")
        assert path == tmp_path / f"{name}{suffix}"
        assert_same_result(SimulationResult.load(path), r)


def test_the_loaded_model_continues_the_same_chain(result, tmp_path):
    loaded = SimulationResult.load(result.save(tmp_path / "r.npz"))
    twin = result.model.copy()
    loaded.model.update(7, loaded.engine)
    twin.update(7, result.engine)
    np.testing.assert_array_equal(loaded.model.spins, twin.spins)
    assert loaded.model.step == twin.step


def test_a_name_without_suffix_gets_npz(result, tmp_path):
    path = result.save(tmp_path / "run")
    assert path.name == "run.npz"
    assert_same_result(SimulationResult.load(path), result)


@pytest.mark.parametrize("suffix", [".h5", ".npz"])
def test_a_scan_round_trips_in_one_file(scan, tmp_path, suffix):
    path = scan.save(tmp_path / f"scan{suffix}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"scan{suffix}"]
    loaded = ScanResult.load(path)
    assert len(loaded) == len(scan) == 2
    np.testing.assert_array_equal(loaded.temperatures, [2.0, 3.0])
    for got, expected in zip(loaded, scan, strict=True):
        assert_same_result(got, expected)
    assert [r.stream for r in loaded] == [0, 1]
    assert loaded.to_dict() == scan.to_dict()


def test_a_scan_is_a_sequence_of_results(scan):
    assert scan[1] is scan.results[1] and list(scan) == scan.results
    assert scan.to_dict()["temperatures"] == [2.0, 3.0]
    with pytest.raises(InputError, match="at least one"):
        ScanResult([])
    with pytest.raises(TypeError, match=r"results\[1\] must be a SimulationResult"):
        ScanResult([scan[0], "x"])
    with pytest.raises(TypeError, match="results must be a list"):
        ScanResult(scan[0])


def _damage(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("suffix", [".h5", ".npz"])
def test_a_damaged_or_foreign_file_is_one_input_error_naming_it(result, scan, tmp_path, suffix):
    damaged = result.save(tmp_path / f"damaged{suffix}")
    _damage(damaged)
    truncated = result.save(tmp_path / f"truncated{suffix}")
    truncated.write_bytes(truncated.read_bytes()[:100])
    model = IsingModel(4, 2.0).save(tmp_path / f"model{suffix}")
    scan_file = scan.save(tmp_path / f"scan{suffix}")
    text = tmp_path / f"text{suffix}"
    text.write_text("not a result")
    for path in (damaged, truncated, model, scan_file, text):
        with pytest.raises(InputError, match=str(path)):
            SimulationResult.load(path)
    for path in (damaged, model, text):
        with pytest.raises(InputError, match=str(path)):
            ScanResult.load(path)


def _without(key):
    def mutate(meta, arrays):
        del meta[key]

    return mutate


def _set(key, value):
    def mutate(meta, arrays):
        meta[key] = value

    return mutate


def _shorter_energy(meta, arrays):
    arrays["energy"] = arrays["energy"][:-1]


def _integer_energy(meta, arrays):
    arrays["energy"] = arrays["energy"].astype(np.int64)


def _no_spins(meta, arrays):
    del arrays["spins"]


def _bad_spins(meta, arrays):
    arrays["spins"] = np.zeros((8, 8), dtype=np.int8)


def _one_observable_less(meta, arrays):
    del meta["observables"]["binder"]


def _bad_step(meta, arrays):
    meta["model"]["step"] = -1


@pytest.mark.parametrize(
    "mutate",
    [
        _without("observables"),
        _without("sweeps"),
        _without("model"),
        _set("L", "8"),
        _set("reliable", 1),
        _set("sweeps", True),
        _set("algorithm", "glauber"),
        _set("observables", {"energy_per_spin": [1.0]}),
        _set("engine", {"algorithm": "wolff"}),
        _set(
            "engine",
            {"algorithm": "wolff", "kernel": "multispin", "backend": "cpu", "threads": None},
        ),
        _shorter_energy,
        _integer_energy,
        _no_spins,
        _bad_spins,
        _one_observable_less,
        _bad_step,
    ],
)
def test_a_sound_file_with_a_bad_description_is_refused_naming_it(result, tmp_path, mutate):
    meta, arrays = _record(result, "")
    mutate(meta, arrays)
    path = save_arrays(tmp_path / "bad.npz", "SimulationResult", 1, meta, arrays)
    with pytest.raises(InputError, match=rf"^{path}: not a valid saved SimulationResult \("):
        SimulationResult.load(path)


def test_a_scan_file_whose_arrays_do_not_match_is_refused(scan, tmp_path):
    path = scan.save(tmp_path / "scan.npz")
    meta, arrays, _ = load_arrays(path, "ScanResult")
    del arrays["spins_1"]
    bad = save_arrays(tmp_path / "bad.npz", "ScanResult", 1, meta, arrays)
    with pytest.raises(InputError, match=rf"^{bad}: not a valid saved ScanResult"):
        ScanResult.load(bad)
    empty = save_arrays(tmp_path / "empty.npz", "ScanResult", 1, {"results": []}, {})
    with pytest.raises(InputError, match=rf"^{empty}: not a valid saved ScanResult"):
        ScanResult.load(empty)


def test_a_gpu_engine_is_read_as_its_cpu_twin_where_there_is_no_gpu(result, tmp_path, monkeypatch):
    meta, arrays = _record(result, "")
    meta["engine"] = {"algorithm": "metropolis", "kernel": "multispin", "backend": "cuda"}
    meta["engine"]["threads"] = 10**6  # more than any machine has
    path = save_arrays(tmp_path / "gpu.npz", "SimulationResult", 1, meta, arrays)

    def no_gpu():
        raise ResourceError("needs an NVIDIA GPU")

    monkeypatch.setattr("isingml.ising.engine.require_cuda", no_gpu)
    assert SimulationResult.load(path).engine == Engine("metropolis", "multispin", "cpu")


def test_a_result_without_engine_round_trips(result, tmp_path):
    from dataclasses import replace

    bare = replace(result, engine=None)
    assert SimulationResult.load(bare.save(tmp_path / "r.h5")).engine is None


def test_to_frame_holds_the_series(result, scan):
    pd = pytest.importorskip("pandas")
    frame = result.to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["energy", "magnetization"]
    assert frame.index.name == "measurement" and len(frame) == result.energy.size
    np.testing.assert_array_equal(frame["energy"].to_numpy(), result.energy)
    np.testing.assert_array_equal(frame["magnetization"].to_numpy(), result.magnetization)
    long = scan.to_frame()
    assert list(long.columns) == ["L", "T", "measurement", "energy", "magnetization"]
    assert len(long) == sum(r.energy.size for r in scan)
    hot = long[long["T"] == 3.0]
    np.testing.assert_array_equal(hot["energy"].to_numpy(), scan[1].energy)
    np.testing.assert_array_equal(hot["measurement"].to_numpy(), np.arange(scan[1].energy.size))


def test_to_frame_without_pandas_says_how_to_install_it(result, scan, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # import pandas now fails
    for owner in (result, scan):
        with pytest.raises(ImportError, match="pip install pandas"):
            owner.to_frame()
