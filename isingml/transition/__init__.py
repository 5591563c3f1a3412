"""The studies of the phase transition, on isingml datasets.

The learning machines below this layer take arrays or iterables of batches; the studies
here open dataset files (through :mod:`isingml.data`'s reader), train the machines and
read the critical point off what they learned:

* :mod:`~isingml.transition.latents`: T_c from an autoencoder's latent (Binder ratio,
  susceptibility peak, bootstrap errors) and finite-size scaling;
* :mod:`~isingml.transition.discovery`: one one-neuron autoencoder per lattice size;
* :mod:`~isingml.transition.pipeline`: generate, train, estimate (``isingml pipeline``);
* :mod:`~isingml.transition.classifier`: Carrasquilla and Melko's supervised classifier;
* :mod:`~isingml.transition.experiments`: anomaly detection and denoising on spins;
* :mod:`~isingml.transition.rbm_thermodynamics`: RBMs that learn the Ising distribution,
  their samples' thermodynamics against the exact values.
"""

from isingml.transition.classifier import (
    PhaseClassifierResult,
    crossing_temperature,
    phase_classifier,
)
from isingml.transition.discovery import (
    PHASE_AUTOENCODER,
    PhaseAnalysis,
    SizeAnalysis,
    TrainingRun,
    discover_transition,
    latent_of_dataset,
    train_on_dataset,
)
from isingml.transition.experiments import (
    AnomalyResult,
    DenoisingResult,
    anomaly_experiment,
    denoising_experiment,
)
from isingml.transition.latents import (
    BINDER_CRITICAL,
    CriticalTemperature,
    LatentCurves,
    ScalingFit,
    critical_temperature,
    estimate_all,
    finite_size_scaling,
    latent_curves,
    odd_latent,
)
from isingml.transition.pipeline import (
    PIPELINE_SIZES,
    PIPELINE_TEMPERATURES,
    PipelineResult,
    discover_critical_point,
    pipeline_dataset,
)
from isingml.transition.rbm_thermodynamics import IsingRBMResult, learn_ising, spin_observables

__all__ = [
    "BINDER_CRITICAL",
    "PHASE_AUTOENCODER",
    "PIPELINE_SIZES",
    "PIPELINE_TEMPERATURES",
    "AnomalyResult",
    "CriticalTemperature",
    "DenoisingResult",
    "IsingRBMResult",
    "LatentCurves",
    "PhaseAnalysis",
    "PhaseClassifierResult",
    "PipelineResult",
    "ScalingFit",
    "SizeAnalysis",
    "TrainingRun",
    "anomaly_experiment",
    "critical_temperature",
    "crossing_temperature",
    "denoising_experiment",
    "discover_critical_point",
    "discover_transition",
    "estimate_all",
    "finite_size_scaling",
    "latent_curves",
    "latent_of_dataset",
    "learn_ising",
    "odd_latent",
    "phase_classifier",
    "pipeline_dataset",
    "spin_observables",
    "train_on_dataset",
]
