"""Up-front checks of what a run will need: memory and disk space, refused in one line.

A run that cannot fit should say so before any work starts, with how much it needs and how
much there is, rather than end in a ``MemoryError`` traceback, a hang or a full disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from isingml.errors import ResourceError

__all__ = ["available_memory", "check_disk", "check_memory", "format_bytes"]


def format_bytes(n: float) -> str:
    """``n`` bytes in binary units: ``"1.5 GiB"``."""
    n = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024.0 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024.0
    raise AssertionError("unreachable")  # pragma: no cover


def available_memory() -> int:
    """Bytes of memory this process may still use: the smaller of the system's available
    memory (``MemAvailable``) and a cgroup limit, where those can be read; otherwise the
    physical memory."""
    candidates: list[int] = []
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    candidates.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        pass
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        try:
            limit = Path(limit_file).read_text().strip()
            if limit != "max" and int(limit) < 1 << 60:
                used = int(Path(usage_file).read_text().strip())
                candidates.append(max(0, int(limit) - used))
            break
        except (OSError, ValueError):
            continue
    if not candidates:
        try:
            candidates.append(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
        except (OSError, ValueError, AttributeError):  # pragma: no cover - not POSIX
            return 1 << 62
    return min(candidates)


def check_memory(what: str, needed: float) -> None:
    """Refuse a run whose arrays would not fit in memory.

    Parameters
    ----------
    what : str
        What needs the memory, for the message (``"--size 65536: the lattice and its
        random numbers"``).
    needed : float
        Bytes.

    Raises
    ------
    ResourceError
        When ``needed`` exceeds :func:`available_memory`.
    """
    have = available_memory()
    if needed > have:
        raise ResourceError(
            f"{what} needs {format_bytes(needed)} of memory, and {format_bytes(have)} is available"
        )


def check_disk(path: str | os.PathLike, what: str, needed: float) -> None:
    """Refuse a run whose files would not fit on the disk that holds ``path``.

    Parameters
    ----------
    path : path
        A file or directory on the file system to be written (the nearest existing
        parent is asked).
    what : str
        What needs the space, for the message.
    needed : float
        Bytes.

    Raises
    ------
    ResourceError
        When ``needed`` exceeds the free space there.
    """
    p = Path(path).absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    try:
        free = shutil.disk_usage(p).free
    except OSError:  # pragma: no cover - nothing to ask: the writes will say
        return
    if needed > free:
        raise ResourceError(
            f"{what} needs {format_bytes(needed)} of disk space in {p}, and "
            f"{format_bytes(free)} is free"
        )
