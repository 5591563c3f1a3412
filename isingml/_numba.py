"""Numba compilation settings shared by the kernels (one place, as the design asks).

``FASTMATH`` lets LLVM reassociate floating-point sums and fuse multiply-adds, which is
what vectorizes a reduction loop. It leaves NaN and infinity semantics alone (no ``nnan``
or ``ninf``). Kernels that promise bit-identical results across backends (the Ising and
Hopfield dynamics) do not use it.
"""

FASTMATH = {"reassoc", "contract"}
