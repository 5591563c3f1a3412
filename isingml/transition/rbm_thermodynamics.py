"""Learning Ising thermodynamics with RBMs (after Torlai and Melko, PRB 94, 165134, 2016).

One RBM per temperature is trained on spin configurations from an isingml dataset; its
samples (independent chains) are then measured like Monte Carlo data: energy, |m|, heat
capacity and susceptibility per spin, next to the training data's values and the exact
ones (enumeration for L <= 4, Kaufman's finite lattice for the energy and heat capacity
otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from isingml._progress import progress_bar
from isingml.data import open_dataset
from isingml.ising.exact import (
    enumerate_lattice,
    finite_lattice_energy,
    finite_lattice_heat_capacity,
)
from isingml.ising.observables import thermodynamics
from isingml.rbm.model import RBM

__all__ = ["OBSERVABLES", "IsingRBMResult", "learn_ising", "spin_observables"]

#: What is compared, per spin.
OBSERVABLES = ("energy_per_spin", "abs_magnetization", "heat_capacity", "susceptibility")


def spin_observables(spins: np.ndarray, T: float) -> dict[str, tuple[float, float]]:
    """Mean and error of :data:`OBSERVABLES` from ``(n, L, L)`` +/-1 configurations (J = 1)."""
    s = np.asarray(spins, dtype=np.float64)
    L = s.shape[1]
    bonds = (s * np.roll(s, 1, axis=1)).sum(axis=(1, 2)) + (s * np.roll(s, 1, axis=2)).sum(
        axis=(1, 2)
    )
    stats = thermodynamics(-bonds / (L * L), s.mean(axis=(1, 2)), 1.0 / T, L * L)
    return {name: (stats[name].mean, stats[name].error) for name in OBSERVABLES}


@dataclass
class IsingRBMResult:
    """Per temperature: the data's, the RBM samples' and the exact observables."""

    L: int
    temperatures: np.ndarray
    data: dict[str, np.ndarray] = field(default_factory=dict)
    data_error: dict[str, np.ndarray] = field(default_factory=dict)
    rbm: dict[str, np.ndarray] = field(default_factory=dict)
    rbm_error: dict[str, np.ndarray] = field(default_factory=dict)
    exact: dict[str, np.ndarray] = field(default_factory=dict)
    log_likelihood: np.ndarray | None = None
    models: list[RBM] = field(default_factory=list)


def _exact(L: int, temperatures: np.ndarray) -> dict[str, np.ndarray]:
    if L <= 4:
        r = enumerate_lattice(L, temperatures)
        return {
            "energy_per_spin": np.asarray(r.energy),
            "abs_magnetization": np.asarray(r.abs_magnetization),
            "heat_capacity": np.asarray(r.heat_capacity),
            "susceptibility": np.asarray(r.susceptibility),
        }
    nan = np.full(temperatures.size, np.nan)
    return {
        "energy_per_spin": np.array([finite_lattice_energy(L, t) for t in temperatures]),
        "abs_magnetization": nan,
        "heat_capacity": np.array([finite_lattice_heat_capacity(L, t) for t in temperatures]),
        "susceptibility": nan.copy(),
    }


def learn_ising(
    dataset: str,
    size: int,
    temperatures: list[float] | None = None,
    n_hidden: int | None = None,
    n_samples: int = 10000,
    steps: int = 500,
    seed: int = 0,
    progress: bool = False,
    **rbm_options: object,
) -> IsingRBMResult:
    """Train one spin-unit RBM per temperature on a dataset and measure its samples.

    Parameters
    ----------
    dataset : path
        An isingml dataset (:func:`isingml.data.generate`).
    size : int
        Lattice side L (a size in the dataset).
    temperatures : list of float, optional
        Temperatures to use (default: all of the dataset's).
    n_hidden : int, optional
        Hidden units (default: L * L, as Torlai and Melko).
    n_samples : int
        Independent RBM chains sampled per temperature.
    steps : int
        Gibbs steps per chain.
    seed : int
        Seed of training and sampling.
    progress : bool
        Show a progress bar over temperatures.
    **rbm_options
        Passed to :class:`~isingml.rbm.RBM` (defaults here: ``learning_rate=0.05``,
        ``batch_size=64``, ``n_epochs=60``, ``method="cd"``, ``k=5``).

    Returns
    -------
    IsingRBMResult
    """
    # CD-k by default: below T_c, persistent chains get stuck in one of the two ordered
    # states and the learned model can lose the other; chains restarted at the data see
    # both.
    options = {
        "learning_rate": 0.05,
        "batch_size": 64,
        "n_epochs": 60,
        "method": "cd",
        "k": 5,
        "track": (),
    }
    options |= rbm_options
    with open_dataset(dataset) as ds:
        temps = np.asarray(ds.temperatures if temperatures is None else temperatures, float)
        configs = [ds.spins(size, [float(t)]) for t in temps]
    result = IsingRBMResult(L=size, temperatures=temps, exact=_exact(size, temps))
    rows_data, rows_rbm, lls = [], [], []
    for T, spins in progress_bar(list(zip(temps, configs, strict=True)), progress=progress):
        x = spins.reshape(len(spins), -1)
        hidden = size * size if n_hidden is None else n_hidden
        model = RBM(n_hidden=hidden, units="spin", seed=seed, **options).fit(x)
        samples = model.sample(n_samples, steps=steps, seed=seed + 1)
        rows_data.append(spin_observables(spins, T))
        rows_rbm.append(spin_observables(samples.reshape(-1, size, size), T))
        lls.append(model.log_likelihood(x) if min(model.n_hidden, size * size) <= 20 else np.nan)
        result.models.append(model)
    for name in OBSERVABLES:
        result.data[name] = np.array([r[name][0] for r in rows_data])
        result.data_error[name] = np.array([r[name][1] for r in rows_data])
        result.rbm[name] = np.array([r[name][0] for r in rows_rbm])
        result.rbm_error[name] = np.array([r[name][1] for r in rows_rbm])
    result.log_likelihood = np.array(lls)
    return result
