"""Matplotlib figures used by the CLI and notebooks, one module per area.

matplotlib is imported inside each function, never at module level, so importing
:mod:`isingml` stays cheap and the caller keeps control of the backend. Every public
function of the area modules is importable from here (``from isingml.plotting import
plot_latent``).
"""

from isingml.plotting.autoencoder import *  # noqa: F403
from isingml.plotting.autoencoder import __all__ as _autoencoder
from isingml.plotting.data import *  # noqa: F403
from isingml.plotting.data import __all__ as _data
from isingml.plotting.hopfield import *  # noqa: F403
from isingml.plotting.hopfield import __all__ as _hopfield
from isingml.plotting.ising import *  # noqa: F403
from isingml.plotting.ising import __all__ as _ising
from isingml.plotting.nn import *  # noqa: F403
from isingml.plotting.nn import __all__ as _nn
from isingml.plotting.rbm import *  # noqa: F403
from isingml.plotting.rbm import __all__ as _rbm
from isingml.plotting.spinglass import *  # noqa: F403
from isingml.plotting.spinglass import __all__ as _spinglass
from isingml.plotting.theory import *  # noqa: F403
from isingml.plotting.theory import __all__ as _theory
from isingml.plotting.trainability import *  # noqa: F403
from isingml.plotting.trainability import __all__ as _trainability

__all__ = sorted(
    [
        *_autoencoder,
        *_data,
        *_hopfield,
        *_ising,
        *_nn,
        *_rbm,
        *_spinglass,
        *_theory,
        *_trainability,
    ]
)
