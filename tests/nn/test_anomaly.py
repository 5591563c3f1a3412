"""Anomaly detection by reconstruction loss; ROC curve and AUC against scikit-learn."""

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from isingml.nn import Autoencoder
from isingml.nn.anomaly import AnomalyDetector, roc_auc, roc_curve
from isingml.transition.experiments import anomaly_experiment


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_roc_and_auc_match_scikit_learn_with_ties(n):
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(n)
    scores = rng.integers(0, 6, n).astype(float)  # many ties
    labels = np.r_[0, 1, rng.integers(0, 2, n - 2)]
    assert roc_auc(scores, labels) == pytest.approx(metrics.roc_auc_score(labels, scores))
    fpr, tpr, thresholds = roc_curve(scores, labels)
    ref = metrics.roc_curve(labels, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref[0])
    np.testing.assert_allclose(tpr, ref[1])
    np.testing.assert_allclose(thresholds[1:], ref[2][1:])


def test_auc_extremes_and_bad_input():
    assert roc_auc([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == 1.0
    assert roc_auc([0.9, 0.8, 0.2, 0.1], [0, 0, 1, 1]) == 0.0
    assert roc_auc([0.5, 0.5, 0.5, 0.5], [0, 1, 0, 1]) == 0.5
    with pytest.raises(ValueError, match="both normal \\(0\\) and anomalous \\(1\\)"):
        roc_auc([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="labels must be 0"):
        roc_auc([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="same length"):
        roc_curve([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(ValueError, match="scores must be finite"):
        roc_auc([np.nan, 0.2], [0, 1])


def test_detector_threshold_flags_the_chosen_share_of_normal_data():
    rng = np.random.default_rng(0)
    normal = np.sign(rng.normal(size=(400, 16)) + 1.5)  # mostly +1
    model = Autoencoder(encoder_widths=(8,), latent_dim=1, n_epochs=5, batch_size=32, seed=0)
    detector = AnomalyDetector(autoencoder=model, quantile=0.9)
    with pytest.raises(NotFittedError, match="not fitted"):
        detector.predict(normal)
    with pytest.raises(NotFittedError):  # fit_threshold needs a trained autoencoder
        detector.fit_threshold(normal)
    assert detector.fit(normal) is detector
    assert not hasattr(model, "encoder_")  # fit trained a clone
    flagged = detector.predict(normal) == -1
    assert set(np.unique(detector.predict(normal))) <= {-1, 1}
    assert flagged.mean() == pytest.approx(0.1, abs=0.02)
    scores = detector.score_samples(normal)
    assert scores.shape == (400,)
    np.testing.assert_array_equal(flagged, -scores > detector.threshold_)
    np.testing.assert_array_equal(detector.decision_function(normal) < 0, flagged)
    # A trained autoencoder: fit_threshold uses it as it is.
    trained = detector.autoencoder_
    prefit = AnomalyDetector(autoencoder=trained, quantile=0.9).fit_threshold(normal)
    assert prefit.autoencoder_ is trained and prefit.threshold_ == detector.threshold_
    with pytest.raises(ValueError, match=r"quantile must be in \(0, 1\), got 1\.0"):
        AnomalyDetector(quantile=1.0).fit(normal)
    with pytest.raises(TypeError, match="must be an isingml Autoencoder"):
        AnomalyDetector(autoencoder=object()).fit(normal)


@pytest.mark.slow
def test_trained_on_ordered_spins_it_flags_disordered_ones(spin_dataset):
    """Done when: trained on T < 2.0 only, the detector separates T > 3.0 configurations
    with ROC AUC >= 0.99 (L = 32, held-out normal configurations)."""
    r = anomaly_experiment(spin_dataset, 32, normal_below=2.0, anomalous_above=3.0)
    assert r.auc >= 0.99
    assert r.n_train == 640 and r.n_normal_test == 80 and r.n_anomalous == 400
    assert r.detection_rate > 0.95 and r.false_alarm_rate < 0.1
    with pytest.raises(ValueError, match="normal_below: no temperature of"):
        anomaly_experiment(spin_dataset, 32, normal_below=0.5)
