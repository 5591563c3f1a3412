"""The Sequential model: training on real data, reproducibility, persistence, bad input."""

import numpy as np
import pytest

from isingml.nn import (
    SGD,
    Adam,
    Dense,
    Flatten,
    ReLU,
    Sequential,
    Sigmoid,
    schedule,
)


@pytest.fixture(scope="module")
def digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    return train_test_split(
        d.data / 16.0, d.target, test_size=0.2, random_state=0, stratify=d.target
    )


def test_mlp_reaches_97_percent_on_held_out_digits(digits):
    x_train, x_test, y_train, y_test = digits
    model = Sequential(
        [Dense(128), ReLU(), Dense(10)], loss="cross_entropy", optimizer=Adam(1e-3), seed=0
    )
    history = model.fit(x_train, y_train, epochs=40, batch_size=32)
    assert model.evaluate(x_test, y_test)["accuracy"] >= 0.97
    assert history["loss"][-1] < history["loss"][0]
    probabilities = model.predict(x_test)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-6)


def test_the_appendix_regime_mse_relu_sgd_learns(digits):
    x_train, x_test, y_train, y_test = digits
    onehot = np.eye(10)[y_train]
    model = Sequential(
        [Dense(100, init="he"), ReLU(), Dense(10)], loss="mse", optimizer=SGD(0.5), seed=1
    )
    model.fit(x_train, onehot, epochs=30, batch_size=64)
    assert model.evaluate(x_test, np.eye(10)[y_test])["accuracy"] > 0.9


def test_same_seed_same_weights_and_save_load_round_trip(tmp_path, digits):
    x_train, x_test, y_train, _ = digits

    def make(seed):
        return Sequential([Flatten(), Dense(16), Sigmoid(), Dense(10)], "cross_entropy",
                          SGD(0.1, momentum=0.9), seed=seed)  # fmt: skip

    a, b, c = make(3), make(3), make(4)
    for m in (a, b, c):
        m.fit(x_train[:200], y_train[:200], epochs=2, batch_size=16)
    np.testing.assert_array_equal(a.predict(x_test), b.predict(x_test))
    assert not np.array_equal(a.predict(x_test), c.predict(x_test))
    loaded = Sequential.load(a.save(tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.predict(x_test), a.predict(x_test))
    with pytest.raises(ValueError, match="cannot read a Sequential model"):
        Sequential.load(__file__)


def test_early_stopping_restores_the_best_weights(digits):
    x_train, x_test, y_train, y_test = digits
    model = Sequential([Dense(64), ReLU(), Dense(10)], "cross_entropy", Adam(0.05), seed=2)
    history = model.fit(x_train, y_train, epochs=60, batch_size=32,
                        validation_data=(x_test, y_test), patience=3)  # fmt: skip
    assert len(history["val_loss"]) < 60
    assert model.evaluate(x_test, y_test)["loss"] == pytest.approx(min(history["val_loss"]))


def test_schedules():
    assert [schedule("step", gamma=0.5, every=2)(e) for e in range(5)] == [1, 1, 0.5, 0.5, 0.25]
    assert schedule("exponential", gamma=0.9)(2) == pytest.approx(0.81)
    cosine = schedule("cosine", epochs=4)
    assert cosine(0) == 1.0 and cosine(2) == pytest.approx(0.5) and cosine(4) == pytest.approx(0)
    with pytest.raises(ValueError, match="kind must be"):
        schedule("linear")


def test_a_diverging_loss_stops_with_a_message_and_finite_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)) * 100
    y = rng.normal(size=(64, 1)) * 100
    model = Sequential([Dense(32, init="normal"), ReLU(), Dense(1)], "mse", SGD(10.0), seed=0)
    with pytest.raises(RuntimeError, match="the loss diverged"):
        model.fit(x, y, epochs=50, batch_size=8)
    assert all(np.isfinite(p).all() for p in model.parameters())


@pytest.mark.parametrize(
    ("call", "exc", "match"),
    [
        (lambda m: m.fit(np.ones((4, 3)), np.array([0, 1, 2, 3]), batch_size=0),
         ValueError, "batch_size must be"),
        (lambda m: m.fit(np.ones((4, 3)), np.array([0, 1, 2, 9])), ValueError,
         r"labels must be integers in \[0, 4\)"),
        (lambda m: m.fit(np.full((4, 3), np.nan), np.zeros(4, int)), ValueError,
         "x must be finite"),
        (lambda m: m.fit(np.ones((4, 3)), np.zeros(3, int)), ValueError, "same length"),
        (lambda m: m.predict(np.ones((2, 5))), ValueError, r"built for \(3,\)"),
    ],
)  # fmt: skip
def test_bad_input(call, exc, match):
    model = Sequential([Dense(4)], "cross_entropy", input_shape=(3,))
    with pytest.raises(exc, match=match):
        call(model)


def test_shape_mismatch_names_the_layers_and_shapes():
    with pytest.raises(ValueError, match=r"Dense after the input: .*shape \(3, 4\)"):
        Sequential([Dense(4)], input_shape=(3, 4))
    with pytest.raises(ValueError, match=r"Dense after ReLU \(output \(2, 5\)\)"):
        Sequential([ReLU(), Dense(4)], input_shape=(2, 5))
    model = Sequential([Flatten(), Dense(4)], input_shape=(3, 4))
    assert model.layers[1].output_shape == (4,)


@pytest.mark.parametrize("batch_size", ["all", 16, 1])
def test_the_primer_s_three_regimes_all_learn(digits, batch_size):
    # Plain gradient descent (the whole set per update), minibatch SGD, per-sample SGD.
    x_train, _, y_train, _ = digits
    x, y = x_train[:300], y_train[:300]
    size = len(x) if batch_size == "all" else batch_size
    rate = {"all": 0.5, 16: 0.1, 1: 0.01}[batch_size]
    model = Sequential([Dense(32), ReLU(), Dense(10)], "cross_entropy", SGD(rate), seed=0)
    history = model.fit(x, y, epochs=30 if batch_size == "all" else 5, batch_size=size)
    assert history["loss"][-1] < 0.5 * history["loss"][0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_adam_follows_kingma_and_ba(dtype):
    """Three in-place steps on two arrays against the textbook formulas."""
    rng = np.random.default_rng(0)
    params = [rng.normal(size=(5, 3)).astype(dtype), rng.normal(size=4).astype(dtype)]
    expected = [p.astype(np.float64) for p in params]
    m = [np.zeros_like(p) for p in expected]
    v = [np.zeros_like(p) for p in expected]
    adam = Adam(0.01, beta1=0.8, beta2=0.95, eps=1e-6)
    for t in range(1, 4):
        grads = [rng.normal(size=p.shape).astype(dtype) for p in params]
        for i, g in enumerate(grads):
            m[i] = 0.8 * m[i] + 0.2 * g
            v[i] = 0.95 * v[i] + 0.05 * g.astype(np.float64) ** 2
            m_hat, v_hat = m[i] / (1 - 0.8**t), v[i] / (1 - 0.95**t)
            expected[i] -= 0.01 * m_hat / (np.sqrt(v_hat) + 1e-6)
        adam.step(params, grads)
    for p, e in zip(params, expected, strict=True):
        np.testing.assert_allclose(p, e, rtol=1e-5 if dtype == np.float32 else 1e-12)
