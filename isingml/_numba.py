"""Numba compilation settings shared by the kernels (one place, as the design asks).

``FASTMATH`` lets LLVM reassociate floating-point sums and fuse multiply-adds, which is
what vectorizes a reduction loop. It leaves NaN and infinity semantics alone (no ``nnan``
or ``ninf``). Kernels that promise bit-identical results across backends (the Ising and
Hopfield dynamics) do not use it.
"""

FASTMATH = {"reassoc", "contract"}


class numba_threads:
    """Context manager: Numba's thread count for a block (``None``: leave it as it is).

    Parameters
    ----------
    threads : int or None
        Threads for the kernels called inside the block (at least 1; more than Numba
        started with are capped).
    """

    def __init__(self, threads: int | None) -> None:
        from isingml._validation import check_int

        if threads is not None:
            threads = check_int("threads", threads, minimum=1)
        self.threads = threads

    def __enter__(self) -> None:
        import numba

        self.previous = numba.get_num_threads()
        if self.threads is not None:
            numba.set_num_threads(min(self.threads, numba.config.NUMBA_NUM_THREADS))

    def __exit__(self, *exc: object) -> None:
        import numba

        numba.set_num_threads(self.previous)
