"""The primer's movie-ratings example: like / dislike / unseen, with planted genres.

Users like each genre with probability 1/2; a user rates a movie of a liked genre "like"
with probability ``1 - noise`` and a movie of another genre "like" with probability
``noise``. An RBM trained on fully rated users learns the genres in its hidden units and
fills in the unseen ratings of new users by clamped Gibbs sampling
(:meth:`isingml.rbm.RBM.impute`).
"""

from __future__ import annotations

import numpy as np

from isingml._validation import check_int
from isingml.errors import InputError
from isingml.random import STREAM_RATINGS_DATA, STREAM_RATINGS_UNSEEN, host_rng
from isingml.rbm.model import RBM

__all__ = ["imputation_experiment", "synthetic_ratings"]


def synthetic_ratings(
    n_users: int,
    n_genres: int = 3,
    movies_per_genre: int = 10,
    noise: float = 0.1,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Ratings with planted genre structure.

    Returns
    -------
    ratings : ndarray of float64, shape (n_users, n_genres * movies_per_genre)
        1 for like, 0 for dislike.
    genre : ndarray of int, shape (n_movies,)
        The genre of each movie.
    """
    n_users = check_int("n_users", n_users, minimum=1)
    n_genres = check_int("n_genres", n_genres, minimum=1)
    movies_per_genre = check_int("movies_per_genre", movies_per_genre, minimum=1)
    if not 0.0 <= noise <= 0.5:
        raise InputError(f"noise must be in [0, 0.5], got {noise}")
    rng = host_rng(seed, STREAM_RATINGS_DATA)
    genre = np.repeat(np.arange(n_genres), movies_per_genre)
    taste = rng.random((n_users, n_genres)) < 0.5
    p_like = np.where(taste[:, genre], 1.0 - noise, noise)
    return (rng.random(p_like.shape) < p_like).astype(np.float64), genre


def imputation_experiment(
    n_train: int = 2000,
    n_test: int = 500,
    unseen: float = 0.5,
    n_hidden: int = 8,
    seed: int = 0,
    **data_options: object,
) -> dict[str, float]:
    """Train on fully rated users, hide a fraction of new users' ratings, fill them in.

    Returns
    -------
    dict
        ``rbm_accuracy`` on the hidden ratings, ``popularity_accuracy`` of the baseline that
        predicts each movie's majority rating, ``oracle_accuracy`` (``1 - noise``, the best
        any method can do), and the counts.
    """
    n_train = check_int("n_train", n_train, minimum=1)
    n_test = check_int("n_test", n_test, minimum=1)
    if not 0.0 < unseen < 1.0:
        raise InputError(f"unseen must be a fraction in (0, 1), got {unseen}")
    ratings, _ = synthetic_ratings(n_train + n_test, seed=seed, **data_options)
    train, test = ratings[:n_train], ratings[n_train:]
    rbm = RBM(n_hidden=n_hidden, learning_rate=0.05, batch_size=20, n_epochs=30, k=1, seed=seed)
    rbm.fit(train)
    rng = host_rng(seed, STREAM_RATINGS_UNSEEN)
    hidden = rng.random(test.shape) < unseen
    filled, _ = rbm.impute(np.where(hidden, np.nan, test), seed=seed)
    popular = (train.mean(axis=0) > 0.5).astype(float)
    baseline = np.broadcast_to(popular, test.shape)
    noise = float(data_options.get("noise", 0.1))
    return {
        "rbm_accuracy": float(np.mean(filled[hidden] == test[hidden])),
        "popularity_accuracy": float(np.mean(baseline[hidden] == test[hidden])),
        "oracle_accuracy": 1.0 - noise,
        "hidden_ratings": int(hidden.sum()),
        "train_users": n_train,
        "test_users": n_test,
    }
