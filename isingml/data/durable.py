"""Files that survive a crash, and the lock of an output.

A file is written under a temporary name (:func:`tmp_name`), flushed to disk and renamed
over its final name (:func:`durable_replace`), with the directory synced, so that at any
moment the final name holds either nothing or the whole file. :func:`lock` stops two runs
writing the same output: ``OUT.lock`` holds the writer's process id, and a lock left by a
process that no longer runs is taken over.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from isingml._persistence import fsync_dir
from isingml.errors import ResourceError

__all__ = ["durable_replace", "fsync_dir", "lock", "tmp_name"]


def durable_replace(tmp: Path, final: Path) -> None:
    """Flush ``tmp`` to disk, rename it over ``final`` and sync the directory.

    Parameters
    ----------
    tmp : pathlib.Path
        A complete file, closed, in the directory of ``final``.
    final : pathlib.Path
        Its name once durable.
    """
    with open(tmp, "rb+") as f:
        os.fsync(f.fileno())
    os.replace(tmp, final)
    fsync_dir(final.parent)


def tmp_name(final: Path) -> Path:
    """The temporary name this process writes ``final`` under (beside it)."""
    return final.with_name(final.name + f".tmp{os.getpid()}")


@contextlib.contextmanager
def lock(path: Path) -> Iterator[None]:
    """Hold ``OUT.lock`` while writing ``OUT``.

    The lock appears atomically with the holder's pid in it (written to a private file,
    then hard-linked to the lock's name, which fails if the name exists). A lock whose
    process is gone is renamed aside (only one taker can win that rename) and taken anew.
    Liveness is checked with the pid on this host: runs started from several hosts on a
    shared file system must not target the same output at once.

    Parameters
    ----------
    path : pathlib.Path
        The output ``OUT``.

    Raises
    ------
    ResourceError
        Another live process holds the lock.
    """
    lock_file = path.with_name(path.name + ".lock")
    mine = path.with_name(f"{path.name}.lock.{os.getpid()}")
    mine.write_text(str(os.getpid()))
    try:
        for _ in range(10):
            try:
                os.link(mine, lock_file)
                break
            except FileExistsError:
                try:
                    pid = int(lock_file.read_text().strip())
                except (OSError, ValueError):
                    pid = 0
                if pid > 0 and _alive(pid):
                    raise ResourceError(
                        f"another run (pid {pid}) is writing {path}; wait for it, or remove "
                        f"{lock_file} if that process is gone"
                    ) from None
                aside = path.with_name(f"{path.name}.lock.stale.{os.getpid()}")
                with contextlib.suppress(FileNotFoundError):
                    os.rename(lock_file, aside)  # another taker may have been first
                    aside.unlink()
        else:  # pragma: no cover - lost the race ten times
            raise ResourceError(f"could not take the lock {lock_file}")
    finally:
        mine.unlink(missing_ok=True)
    try:
        yield
    finally:
        lock_file.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - exists, owned by someone else
        return True
    return True
