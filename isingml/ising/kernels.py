"""Which checkerboard kernel runs a Metropolis or heat-bath sweep.

``"byte"`` (:mod:`isingml.ising.metropolis`: one int8 per spin, one 32-bit random number per
site) and ``"multispin"`` (:mod:`isingml.ising.multispin`: 64 spins per word, random bits
drawn only until every flip is decided) are two different, equally exact chains; the same
seed and kernel give the same bits on any number of threads and on either backend.
``"auto"`` picks ``"multispin"``, measured faster at every size from L = 16 (0.19 vs 0.17
flips/ns) to L = 1024 (3.0 vs 1.45 flips/ns on one thread of the 2-core test machine).
The choice depends on nothing else, so a dataset's bits do not depend on the machine.
"""

from __future__ import annotations

from isingml._validation import check_choice

__all__ = ["KERNELS", "resolve_kernel"]

KERNELS = ("auto", "byte", "multispin")


def resolve_kernel(kernel: str, algorithm: str) -> str:
    """``"byte"`` or ``"multispin"`` for a checkerboard algorithm (``"byte"`` otherwise)."""
    check_choice("kernel", kernel, KERNELS)
    if algorithm not in ("metropolis", "heatbath"):
        return "byte"  # cluster updates have one implementation
    return "multispin" if kernel == "auto" else kernel
