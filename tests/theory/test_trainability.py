"""Trainability of mean-field-initialised networks (Schoenholz et al. 2017): a network
near the order-to-chaos boundary trains at a depth where deep-ordered and deep-chaotic
ones stay at chance, the result's bookkeeping, reproducibility and input checks."""

import json
import math

import numpy as np
import pytest

from isingml.theory.signal import MeanField
from isingml.theory.trainability import (
    TrainabilityResult,
    mean_field_network,
    trainability_data,
    trainability_scan,
)

# Deep ordered (xi_c ~ 1.2), critical (sigma_b2 = 0.05: about 1.761) and deep chaotic
# (xi_c ~ 7) tanh networks; at depth 64 only the critical one keeps a signal.
SIGMAS = (0.5, 1.76, 4.0)
DEPTHS = (4, 64)
NETWORK = {"width": 64, "samples": 2400, "epochs": 4, "progress": False}


@pytest.fixture(scope="module")
def scan() -> TrainabilityResult:
    return trainability_scan(sigma_w2s=SIGMAS, depths=DEPTHS, seed=0, **NETWORK)


def test_only_the_critical_network_trains_far_beyond_xi_c(scan):
    shallow, deep = scan.accuracy
    assert scan.chance == 0.5
    # Every held-out accuracy has a standard error of at most 0.5 / sqrt(600) ~ 0.02.
    assert deep[1] > 0.85  # critical: trains at depth 64 = 64 / 404 xi_c
    assert deep[0] < scan.chance + 0.1  # ordered: 64 = 54 xi_c, the signal is gone
    assert deep[2] < scan.chance + 0.1  # chaotic: 64 = 9 xi_c, inputs decorrelated
    assert shallow[2] > 0.8  # the chaotic one fails by depth, not by its sigma_w2
    np.testing.assert_array_equal(scan.trainable_depth()[1:], [64, 4])


def test_result_shapes_mean_field_and_strict_json(scan):
    assert scan.accuracy.shape == scan.train_loss.shape == scan.diverged.shape == (2, 3)
    np.testing.assert_array_equal(scan.depths, DEPTHS)
    np.testing.assert_allclose(scan.sigma_w2s, SIGMAS)
    expected = [MeanField("tanh", s, 0.05).xi_c for s in SIGMAS]
    np.testing.assert_allclose(scan.xi_c, expected, rtol=1e-12)
    assert 1.74 < scan.sigma_w2_critical < 1.78
    assert scan.samples == 2400 and np.isfinite(scan.train_loss).all()
    out = json.loads(json.dumps(scan.to_dict(), allow_nan=False))
    assert np.array(out["accuracy"]).shape == (2, 3)
    assert out["depths"] == list(DEPTHS) and out["task"] == "phase"
    assert out["threshold"] == pytest.approx(scan.threshold())
    assert len(out["depth_ratio"]) == 3


def _result(accuracy, depths=(4, 8, 16), sigmas=(1.0, 2.0, 3.0), xi_c=(2.0, math.inf, 4.0)):
    accuracy = np.array(accuracy, dtype=float)
    return TrainabilityResult(
        activation="tanh",
        sigma_b2=0.05,
        sigma_w2s=np.array(sigmas),
        depths=np.array(depths),
        accuracy=accuracy,
        train_loss=np.zeros_like(accuracy),
        diverged=np.zeros(accuracy.shape, dtype=bool),
        xi_c=np.array(xi_c),
        sigma_w2_critical=2.0,
        chance=0.5,
        task="phase",
        width=8,
        epochs=1,
        batch_size=4,
        learning_rate=0.01,
        samples=12,
        L=2,
        seed=0,
        seconds=0.0,
    )


def test_trainable_depth_is_the_deepest_depth_above_the_threshold():
    r = _result([[0.9, 0.9, 0.5], [0.6, 0.9, 0.8], [0.8, 0.9, 0.5]])
    assert r.threshold() == pytest.approx(0.7)  # halfway from 0.5 to the best, 0.9
    assert r.threshold(0.25) == pytest.approx(0.6)
    np.testing.assert_array_equal(r.trainable_depth(), [16, 16, 8])  # non-monotone column 0
    np.testing.assert_array_equal(r.depth_ratio(), [8.0, 0.0, 2.0])
    none = _result([[0.5, 0.9, 0.5], [0.5, 0.9, 0.5], [0.5, 0.9, 0.5]])
    assert np.isnan(none.trainable_depth()[0]) and np.isnan(none.depth_ratio()[0])
    with pytest.raises(ValueError, match="fraction"):
        r.threshold(1.0)


def test_to_dict_maps_infinities_to_none():
    out = _result(np.full((3, 3), 0.9)).to_dict()
    assert out["xi_c"] == [2.0, None, 4.0]
    assert out["depth_ratio"] == [8.0, 0.0, 4.0]
    json.dumps(out, allow_nan=False)


def test_the_same_seed_gives_the_same_scan_and_another_seed_another():
    kw = {
        "sigma_w2s": [1.0, 2.5],
        "depths": [1, 3],
        "width": 8,
        "samples": 120,
        "epochs": 1,
        "progress": False,
    }
    a = trainability_scan(seed=3, **kw)
    b = trainability_scan(seed=3, **kw)
    c = trainability_scan(seed=4, **kw)
    np.testing.assert_array_equal(a.accuracy, b.accuracy)
    np.testing.assert_array_equal(a.train_loss, b.train_loss)
    assert not np.array_equal(a.train_loss, c.train_loss)


def test_data_is_balanced_symmetric_and_labelled_by_phase_or_temperature():
    d = trainability_data("phase", samples=600, L=8, test_fraction=0.25, seed=1)
    assert d.x_train.shape == (450, 64) and d.x_test.shape == (150, 64)
    assert d.x_train.dtype == np.float32 and set(np.unique(d.x_train)) == {-1.0, 1.0}
    assert np.bincount(d.y_test).tolist() == [75, 75] and d.chance == 0.5
    m = d.x_train.mean(axis=1)
    ordered = m[d.y_train == 0]
    assert np.abs(ordered).mean() > 0.8 > np.abs(m[d.y_train == 1]).mean()
    # Global flips: each sign of the magnetization within 4 binomial sigmas of half.
    assert abs(np.sum(ordered > 0) - ordered.size / 2) < 4 * math.sqrt(ordered.size / 4)
    t = trainability_data("temperature", samples=600, seed=1)
    assert t.n_classes == 6 and np.bincount(t.y_test).tolist() == [25] * 6
    assert t.chance == pytest.approx(1 / 6)


def test_mean_field_network_draws_the_mean_field_initialisation():
    def weights(sigma_w2, sigma_b2):
        net = mean_field_network("tanh", 2, 400, 300, 2, sigma_w2, sigma_b2, seed=5)
        return [p.astype(float) for p in net.parameters()]

    w1, b1, w2, b2, w3, b3 = weights(1.0, 0.25)
    # Variances within 3 standard errors (relative error sqrt(2 / n)).
    assert w1.var() * 300 == pytest.approx(1.0, rel=3 * math.sqrt(2 / w1.size))
    assert w2.var() * 400 == pytest.approx(1.0, rel=3 * math.sqrt(2 / w2.size))
    assert b2.var() == pytest.approx(0.25, rel=3 * math.sqrt(2 / b2.size))
    assert w3.shape == (400, 2) and b3.shape == (2,)
    # Another sigma_w2 scales the same normals.
    scaled = weights(4.0, 1.0)
    np.testing.assert_allclose(scaled[0], 2 * w1, rtol=1e-6)
    np.testing.assert_allclose(scaled[1], 2 * b1, rtol=1e-6)


def test_a_diverging_loss_is_recorded_not_raised():
    r = trainability_scan(
        activation="relu",
        sigma_w2s=[4.0],
        depths=[12],
        width=16,
        samples=120,
        epochs=2,
        learning_rate=1.0,
        progress=False,
    )
    assert r.diverged[0, 0] and np.isnan(r.train_loss[0, 0])
    assert 0.0 <= r.accuracy[0, 0] <= 1.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"activation": "softsign"}, ValueError, "activation"),
        ({"sigma_w2s": [1.0, -2.0]}, ValueError, "sigma_w2s"),
        ({"sigma_w2s": [2.0, 1.0]}, ValueError, "sigma_w2s"),
        ({"sigma_w2s": []}, ValueError, "sigma_w2s"),
        ({"sigma_w2s": ["a"]}, TypeError, "sigma_w2s"),
        ({"depths": [4, 2.5]}, TypeError, "depths"),
        ({"depths": [0, 4]}, ValueError, "depths"),
        ({"sigma_b2": -0.1}, ValueError, "sigma_b2"),
        ({"sigma_b2": float("nan")}, ValueError, "sigma_b2"),
        ({"width": 0}, ValueError, "width"),
        ({"width": 8.0}, TypeError, "width"),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"learning_rate": 0.0}, ValueError, "learning_rate"),
        ({"samples": 6}, ValueError, "samples"),
        ({"task": "mnist"}, ValueError, "task"),
        ({"L": 7}, ValueError, "L"),
        ({"seed": -1}, ValueError, "seed"),
        ({"progress": "no"}, TypeError, "progress"),
    ],
)
def test_bad_input_is_refused_naming_the_argument(kwargs, error, match):
    args = {
        "sigma_w2s": [1.0],
        "depths": [1],
        "width": 4,
        "samples": 12,
        "epochs": 1,
        "progress": False,
        **kwargs,
    }
    with pytest.raises(error, match=match):
        trainability_scan(**args)
