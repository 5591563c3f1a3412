"""The RBM's training loop: one loop, a swappable update step, one training-state object,
divergence reported with the learning rate (the GPU's step: test_rbm_cuda.py)."""

import ast
import warnings
from pathlib import Path

import numpy as np
import pytest

import isingml.rbm
from isingml.rbm import RBM
from isingml.rbm.training import TrainingDiverged, TrainingState, UpdateStep

RBM_DIR = Path(isingml.rbm.__file__).parent


def data(units="binary", n=40, n_visible=6, seed=0):
    X = (np.random.default_rng(seed).random((n, n_visible)) < 0.5).astype(np.float64)
    return 2 * X - 1 if units == "spin" else X


@pytest.mark.parametrize(("method", "k"), [("cd", 2), ("pcd", 1), ("pcd", 3), ("exact", 1)])
def test_the_training_state_is_one_object_the_model_owns(method, k):
    X = data()
    rbm = RBM(
        n_hidden=4, method=method, k=k, n_epochs=2, batch_size=8, momentum=0.5, n_chains=5, seed=1
    ).fit(X)
    state = rbm.training_state_
    assert isinstance(state, TrainingState)
    assert rbm.chains_ is state.chains and state.chains.shape == (5, 6)
    assert state.chain_hidden.shape == (5, 4)
    assert rbm.n_updates_ == state.n_updates == 10  # 2 epochs of 5 minibatches
    # Draw 0 starts the chains; each CD/PCD update takes k + 1 draws, exact ones none.
    assert state.draw == 1 + (0 if method == "exact" else 10 * (k + 1))
    for vel, param in zip(
        state.velocity,
        (rbm.components_, rbm.intercept_visible_, rbm.intercept_hidden_),
        strict=True,
    ):
        assert vel.shape == param.shape and vel.dtype == param.dtype
        assert np.abs(vel).sum() > 0  # momentum buffers in use
    rbm.partial_fit(X[:8])
    assert rbm.n_updates_ == 11 and rbm.training_state_ is state  # continued, not replaced
    assert not hasattr(RBM(), "chains_") and not hasattr(RBM(), "n_updates_")


def test_the_cpu_step_follows_the_protocol():
    rbm = RBM(n_hidden=3, n_epochs=0).fit(data())
    step = rbm._make_step(data())
    assert isinstance(step, UpdateStep)
    before = rbm.components_.copy()
    step.step(np.arange(8), 1.0)
    step.sync_to_host()
    assert rbm.n_updates_ == 1 and not np.array_equal(rbm.components_, before)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_same_seed_same_bits_and_save_load_keeps_the_state(units, tmp_path):
    X = data(units)
    options = dict(n_hidden=4, units=units, n_epochs=3, batch_size=8, momentum=0.5, seed=7)
    a, b = RBM(**options).fit(X), RBM(**options).fit(X)
    for name in ("components_", "intercept_visible_", "intercept_hidden_", "chains_"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.history_ == b.history_
    loaded = RBM.load(a.save(tmp_path / "a.npz"))
    sa, sl = a.training_state_, loaded.training_state_
    assert (sl.draw, sl.n_updates) == (sa.draw, sa.n_updates)
    np.testing.assert_array_equal(sl.chain_hidden, sa.chain_hidden)
    for va, vl in zip(sa.velocity, sl.velocity, strict=True):
        np.testing.assert_array_equal(vl, va)
    a.partial_fit(X[:8])
    loaded.partial_fit(X[:8])
    np.testing.assert_array_equal(loaded.components_, a.components_)
    np.testing.assert_array_equal(loaded.chains_, a.chains_)


def test_a_file_with_a_wrong_momentum_buffer_is_refused(tmp_path):
    from isingml._persistence import load_arrays, save_arrays

    path = RBM(n_hidden=3, n_epochs=1).fit(data()).save(tmp_path / "m.npz")
    meta, arrays, version = load_arrays(path, "RBM")
    arrays["velocity_weights"] = np.zeros((2, 2), dtype=np.float32)
    save_arrays(tmp_path / "bad.npz", "RBM", version, meta, arrays)  # well formed, inconsistent
    with pytest.raises(ValueError, match="velocity_weights has shape"):
        RBM.load(tmp_path / "bad.npz")


@pytest.mark.parametrize("method", ["cd", "pcd", "exact"])
def test_divergence_names_the_epoch_and_the_learning_rate(method):
    # The schedule's factor makes the step overflow float32 in the third epoch.
    rbm = RBM(
        n_hidden=3,
        method=method,
        n_epochs=4,
        batch_size=8,
        learning_rate=0.05,
        schedule=lambda epoch: 1.0 if epoch < 2 else 1e300,
        seed=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reported as an error, not as overflow warnings
        with pytest.raises(TrainingDiverged, match=r"epoch 3 of 4.*learning_rate=0\.05") as e:
            rbm.fit(data())
    assert isinstance(e.value, RuntimeError)
    assert e.value.learning_rate == 0.05 and e.value.where == "epoch 3 of 4"
    assert "components_" in e.value.names
    assert rbm.history_["epoch"] == [1, 2]  # the epochs before


def test_divergence_in_partial_fit():
    rbm = RBM(n_hidden=3, learning_rate=1e300)
    with pytest.raises(TrainingDiverged, match=r"update 1 \(partial_fit\).*1e\+300"):
        rbm.partial_fit(data()[:8])


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield node.module


@pytest.mark.parametrize("name", ["training.py", "training_cuda.py"])
def test_the_steps_know_no_model(name):
    # The GPU step and the protocol import no model and read no one else's private state:
    # every private attribute they touch is their own (self._...).
    tree = ast.parse((RBM_DIR / name).read_text())
    assert not any(m and m.startswith("isingml.rbm.model") for m in _imports(tree))
    foreign = [
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr.startswith("_")
        and not node.attr.startswith("__")
        and not (isinstance(node.value, ast.Name) and node.value.id == "self")
    ]
    assert foreign == []
