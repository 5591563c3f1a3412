"""Files that survive a crash, the disk space they need, and the lock of an output.

A file is written under a temporary name (:func:`tmp_name`), created exclusively (never
through a symbolic link) by :func:`new_file`, which also reserves its disk space ahead of
the writes (:meth:`NewFile.reserve`); it is then flushed to disk and renamed over its final
name (:func:`durable_replace`), with the directory synced, so that at any moment the final
name holds either nothing or the whole file.

The space is reserved because HDF5 cannot recover from a write that fails: a full disk met
inside HDF5 leaves its objects half closed (and the process can crash on them later). A
reservation that cannot be had is refused here, before HDF5 writes, as one
:class:`~isingml.errors.ResourceError` naming the file and the space it needs.

:func:`lock` stops two runs writing the same output: ``OUT.lock`` is held with
``flock`` (released by the kernel when its holder ends, however it ends) and holds the
holder's process id for the message.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import functools
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from isingml._persistence import fsync_dir
from isingml._resources import format_bytes
from isingml.errors import InputError, ResourceError

__all__ = [
    "DiskFullError",
    "NewFile",
    "disk_full_error",
    "disk_full_named",
    "durable_replace",
    "fsync_dir",
    "is_tmp_name",
    "lock",
    "new_file",
    "remove_own_file",
    "tmp_name",
]

_OPEN_NEW = os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_FALLOC_FL_KEEP_SIZE = 1
_TMP_SUFFIX = re.compile(r"\.tmp[0-9]+")


def durable_replace(tmp: Path, final: Path) -> None:
    """Flush ``tmp`` to disk, rename it over ``final`` and sync the directory.

    Parameters
    ----------
    tmp : pathlib.Path
        A complete file, closed, in the directory of ``final``.
    final : pathlib.Path
        Its name once durable.
    """
    fd = os.open(tmp, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, final)
    fsync_dir(final.parent)


def tmp_name(final: Path) -> Path:
    """The temporary name this process writes ``final`` under (beside it)."""
    return final.with_name(final.name + f".tmp{os.getpid()}")


def is_tmp_name(name: str, final_name: str) -> bool:
    """Whether ``name`` is a temporary name (:func:`tmp_name`) of ``final_name``."""
    rest = name.removeprefix(final_name)
    return rest != name and _TMP_SUFFIX.fullmatch(rest) is not None


def remove_own_file(path: Path) -> bool:
    """Remove ``path`` if it is a regular file (never following a link); say whether it was.

    Anything else there (a symbolic link, a directory) is left alone.
    """
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        path.unlink()
    except FileNotFoundError:
        return False
    return True


class DiskFullError(ResourceError, OSError):
    """The disk (or the quota) is full: a :class:`~isingml.errors.ResourceError` that is
    also the :class:`OSError` it comes from (``errno`` ``ENOSPC`` or ``EDQUOT``)."""

    def __init__(self, message: str, code: int = errno.ENOSPC) -> None:
        super().__init__(message)
        self.errno = code
        self.strerror = os.strerror(code)

    def __str__(self) -> str:
        return str(self.args[0])

    def __reduce__(self) -> tuple:
        return (type(self), (self.args[0], self.errno))


def disk_full_error(
    what: str, directory: Path, needed: int | None = None, code: int = errno.ENOSPC
) -> DiskFullError:
    """One line: ``what`` does not fit on the disk of ``directory``, with the free space."""
    try:
        free = format_bytes(shutil.disk_usage(directory).free)
    except OSError:  # pragma: no cover - the directory went away
        free = "?"
    more = f"it needs {format_bytes(needed)} more, and " if needed is not None else ""
    return DiskFullError(f"{what}: {os.strerror(code)}: {more}{free} is free in {directory}", code)


@contextlib.contextmanager
def disk_full_named(what: str, directory: Path, needed: int | None = None) -> Iterator[None]:
    """Turn a full disk (``ENOSPC``, ``EDQUOT``) met in the block into one
    :class:`DiskFullError` naming ``what``; other errors pass unchanged."""
    try:
        yield
    except DiskFullError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise disk_full_error(what, directory, needed, exc.errno) from exc


@functools.cache
def _libc_fallocate() -> Callable[..., int]:
    call = ctypes.CDLL(None, use_errno=True).fallocate
    call.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_longlong, ctypes.c_longlong]
    call.restype = ctypes.c_int
    return call


def _fallocate(fd: int, offset: int, length: int) -> None:
    # Reserve blocks without changing the file's size (FALLOC_FL_KEEP_SIZE); a later
    # truncation to the same size gives back what was not written.
    try:
        call = _libc_fallocate()
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP)) from None
    if call(fd, _FALLOC_FL_KEEP_SIZE, offset, length) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


class NewFile:
    """A file created exclusively by :func:`new_file`, with its reservation of disk space.

    Attributes
    ----------
    path : pathlib.Path
        Its name.
    fd : int
        A descriptor of it, open for as long as the ``with`` block runs.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self.fd = fd

    def same_file(self) -> None:
        """Check that :attr:`path` still names the file created (nobody swapped it)."""
        mine = os.fstat(self.fd)
        try:
            there = os.lstat(self.path)
        except FileNotFoundError:
            there = None
        if there is None or (there.st_dev, there.st_ino) != (mine.st_dev, mine.st_ino):
            raise ResourceError(f"{self.path} was replaced by another file while being written")

    def reserve(self, length: int, what: str | None = None) -> None:
        """Make sure ``length`` more bytes can be written past the file's current end.

        Parameters
        ----------
        length : int
            Bytes.
        what : str, optional
            What is written, for the message (default: the file's name).

        Raises
        ------
        DiskFullError
            The disk cannot hold them.
        """
        if length <= 0:
            return
        offset = os.fstat(self.fd).st_size
        try:
            _fallocate(self.fd, offset, length)
            return
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise disk_full_error(
                    what or str(self.path), self.path.parent, length, exc.errno
                ) from None
            # The file system cannot reserve: the free space is the best estimate left.
        if shutil.disk_usage(self.path.parent).free < length:
            raise disk_full_error(what or str(self.path), self.path.parent, length)

    def release(self) -> None:
        """Give back the reserved space that was not written (the size stays)."""
        os.ftruncate(self.fd, os.fstat(self.fd).st_size)


@contextlib.contextmanager
def new_file(path: Path) -> Iterator[NewFile]:
    """Create ``path`` exclusively (``O_CREAT | O_EXCL | O_NOFOLLOW``) for the block.

    On a normal exit the unused reservation is given back and the file stays; if the block
    raises (a full disk, Ctrl-C), the file is removed, since only this run created it.

    Parameters
    ----------
    path : pathlib.Path
        A name that does not exist (a link there is refused, not followed).

    Yields
    ------
    NewFile
    """
    fd = os.open(path, _OPEN_NEW, 0o644)
    target = NewFile(path, fd)
    try:
        yield target
        target.release()
    except BaseException:
        with contextlib.suppress(OSError):
            if (os.fstat(fd).st_ino, os.fstat(fd).st_dev) == (
                os.lstat(path).st_ino,
                os.lstat(path).st_dev,
            ):
                path.unlink()
        raise
    finally:
        os.close(fd)


@contextlib.contextmanager
def lock(path: Path) -> Iterator[None]:
    """Hold ``OUT.lock`` while writing ``OUT``.

    The lock is an exclusive ``flock`` on ``OUT.lock`` (opened without following a link),
    which the kernel releases when the holding process ends, however it ends: a lock file
    left by a finished run holds nobody's lock and is simply taken. The file holds the
    holder's pid, for the message of a refused run. ``flock`` locks are reliable on local
    file systems; runs started from several hosts on a shared file system must not target
    the same output at once.

    Parameters
    ----------
    path : pathlib.Path
        The output ``OUT``.

    Raises
    ------
    ResourceError
        Another process holds the lock.
    """
    lock_file = path.with_name(path.name + ".lock")
    fd = _take_lock(path, lock_file)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        with contextlib.suppress(OSError):
            lock_file.unlink()  # while still held: a waiting run opens a fresh file
        os.close(fd)


def _take_lock(path: Path, lock_file: Path) -> int:
    for _ in range(100):
        try:
            fd = os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise InputError(
                    f"out: {lock_file} is a symbolic link, not a lock this run can use; remove it",
                    argument="out",
                ) from None
            raise
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            raise ResourceError(
                f"another run (pid {holder}) is writing {path}; wait for it to finish"
            ) from None
        except BaseException:
            os.close(fd)
            raise
        # The file may have been removed by the holder that just released it: then the
        # lock taken is on a name nobody else sees, and the current file must be taken.
        mine = os.fstat(fd)
        try:
            there = os.lstat(lock_file)
        except FileNotFoundError:
            there = None
        if there is not None and (there.st_dev, there.st_ino) == (mine.st_dev, mine.st_ino):
            return fd
        os.close(fd)
    raise ResourceError(f"could not take the lock {lock_file}")  # pragma: no cover
