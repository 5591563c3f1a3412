"""Choosing where kernels run: ``backend="cpu"`` (Numba on the host) or ``"cuda"``.

CUDA support is imported only when asked for, so the package imports and every CPU
feature works without a GPU or numba-cuda. Under Numba's CUDA simulator
(``NUMBA_ENABLE_CUDASIM=1``) the CUDA kernels run, slowly, on the CPU: that is how every
CI run checks them against their CPU twins.
"""

from __future__ import annotations

from types import ModuleType

from isingml.errors import InputError, ResourceError

__all__ = ["BACKENDS", "check_backend", "require_cuda", "simulated"]

BACKENDS = ("cpu", "cuda")


def check_backend(backend: object) -> str:
    """``backend`` if it is one of :data:`BACKENDS`; a clear ``ValueError`` otherwise."""
    if backend not in BACKENDS:
        raise InputError(f"backend must be one of {BACKENDS}, got {backend!r}")
    return str(backend)


def simulated() -> bool:
    """Whether CUDA kernels run under Numba's simulator, where every GPU thread is a Python
    thread: launch shapes (never results) are then chosen small."""
    import numba

    return bool(numba.config.ENABLE_CUDASIM)


def require_cuda() -> ModuleType:
    """``numba.cuda``, when a GPU (or the CUDA simulator) can run kernels.

    Raises
    ------
    ResourceError
        Naming what is missing: numba's CUDA support, or a usable GPU and driver.
    """
    try:
        from numba import cuda
    except ImportError as exc:  # pragma: no cover - numba without its CUDA target
        raise ResourceError(
            f"backend='cuda' needs numba's CUDA support (pip install 'isingml[cuda]'): {exc}"
        ) from None
    try:
        available = cuda.is_available()
    except Exception as exc:  # pragma: no cover - a broken driver raises here
        available, reason = False, str(exc)
    else:
        reason = "no CUDA GPU and driver were found"
    if not available:
        raise ResourceError(
            f"backend='cuda' needs an NVIDIA GPU with a working driver: {reason} "
            "(use backend='cpu', or NUMBA_ENABLE_CUDASIM=1 to simulate one)"
        )
    return cuda
