"""The unsupervised discovery of the critical point, end to end (the primer's Fig. 14).

:func:`discover_critical_point` generates (or reuses) a dataset of Wolff-sampled spin
configurations at several lattice sizes, trains one one-neuron autoencoder per size,
reads T_c off each latent and extrapolates over the sizes: the study that ``isingml
pipeline`` runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from isingml._validation import check_int
from isingml.data.generation import generate, parse_sizes, parse_temperatures
from isingml.errors import InputError
from isingml.transition.discovery import PhaseAnalysis, discover_transition
from isingml.transition.latents import MIN_TEMPERATURES

__all__ = [
    "PIPELINE_SIZES",
    "PIPELINE_TEMPERATURES",
    "PipelineResult",
    "discover_critical_point",
    "pipeline_dataset",
]

#: The pipeline's lattice sides.
PIPELINE_SIZES = (16, 32, 64)

#: The pipeline's temperatures: 26 from 1.0 to 3.5, every 0.025 from 2.1 to 2.5 where the
#: Binder ratio of L = 64 falls through its critical value.
PIPELINE_TEMPERATURES = "1.0:2.0:5,2.1:2.5:17,2.6:3.5:4"

#: Sampling of the pipeline's dataset: Wolff clusters decorrelate fast near T_c.
PIPELINE_SAMPLING = {"thermalize": 200, "interval": 2, "engine": "wolff"}


@dataclass
class PipelineResult:
    """What :func:`discover_critical_point` found.

    Attributes
    ----------
    dataset : Path
        The dataset file (``OUT_DIR/ising.h5``).
    analysis : PhaseAnalysis
        The per-size latents, T_c estimates and finite-size-scaling fits.
    generation_seconds : float
        Wall time spent generating (or completing) the dataset.
    """

    dataset: Path
    analysis: PhaseAnalysis
    generation_seconds: float


def pipeline_dataset(out_dir: str | os.PathLike) -> Path:
    """The dataset file of a pipeline run in ``out_dir``."""
    return Path(out_dir) / "ising.h5"


def discover_critical_point(
    out_dir: str | os.PathLike,
    sizes: Sequence[int] | str = PIPELINE_SIZES,
    temperatures: Sequence[float] | str = PIPELINE_TEMPERATURES,
    samples: int = 1000,
    epochs: int = 5,
    n_bootstrap: int = 200,
    seed: int = 1,
    progress: bool = False,
    report: Callable[[str], None] | None = None,
) -> PipelineResult:
    """Generate spins, train one-neuron autoencoders and estimate T_c by finite-size scaling.

    The dataset ``OUT_DIR/ising.h5`` is reused (and completed, bit for bit, if a previous
    run was interrupted) when it exists with the same plan.

    Parameters
    ----------
    out_dir : path
        Folder for the dataset (created if missing).
    sizes : sequence of int or str
        Lattice sides (even, >= 2), e.g. ``(16, 32, 64)`` or ``"16,32,64"``.
    temperatures : sequence of float or str
        At least 5, bracketing T_c; the grammar of :func:`isingml.data.parse_temperatures`.
    samples : int
        Configurations per (size, temperature).
    epochs : int
        Training epochs per size.
    n_bootstrap : int
        Bootstrap replicas of each T_c estimate, >= 2.
    seed : int
        Seeds the dataset and the training.
    progress : bool
        Progress bars.
    report : callable, optional
        Called with a line of progress text (e.g. ``print``).

    Returns
    -------
    PipelineResult

    Raises
    ------
    ValueError
        For a bad argument, before any work starts.
    """
    sizes = parse_sizes(sizes)
    temperatures = parse_temperatures(temperatures)
    if len(temperatures) < MIN_TEMPERATURES:
        raise InputError(
            f"temperatures must hold >= {MIN_TEMPERATURES} values spanning T_c to locate "
            f"the transition, got {len(temperatures)}"
        )
    samples = check_int("samples", samples, minimum=1)
    epochs = check_int("epochs", epochs, minimum=1)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, minimum=2)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = pipeline_dataset(out)
    if report is not None:
        report(
            f"dataset {data}: L = {', '.join(map(str, sizes))}, "
            f"{len(temperatures)} temperatures, {samples} configurations each"
        )
    start = time.perf_counter()
    generate(
        data,
        sizes,
        temperatures,
        samples,
        seed=seed,
        resume=data.exists(),
        progress=progress,
        **PIPELINE_SAMPLING,
    )
    seconds = time.perf_counter() - start
    if report is not None:
        report(f"    ready in {seconds:.0f} s")
        report("training one-neuron autoencoders (linear encoder, 64-unit decoder), one per size")
    analysis = discover_transition(
        data, None, None, epochs=epochs, n_bootstrap=n_bootstrap, seed=seed, report=report
    )
    return PipelineResult(data, analysis, seconds)
