"""``generate`` on a real Dask cluster: a scheduler and a worker started as their own
processes in another working directory (not a LocalCluster), a relative ``--out``, the same
bits as one process; and the check that every worker sees the output's directory."""

import os
import shutil
import socket
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

from isingml.cli import main
from isingml.data import generate, verify
from isingml.data.generation import _check_workers_see
from isingml.errors import ResourceError

pytest.importorskip("dask.distributed")

ARGS = ["--sizes", "8", "--temperatures", "2.0,2.5", "--samples", "20", "--seed", "3"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _dask(*args, cwd, prefix=()):
    dask = shutil.which("dask", path=os.path.dirname(sys.executable)) or "dask"
    return subprocess.Popen(
        [*prefix, dask, *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_for_workers(address, n=1, timeout=60):
    from dask.distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=timeout)


@pytest.fixture
def cluster(tmp_path):
    """A scheduler and one worker, started in their own directory; yields the address and a
    function that starts more workers (with a command prefix, e.g. another namespace)."""
    home = tmp_path / "cluster"
    home.mkdir()
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_dask("scheduler", "--port", str(port), "--dashboard-address", ":0", cwd=home)]

    def add_worker(prefix=()):
        procs.append(
            _dask("worker", address, "--nthreads", "1", "--no-dashboard", cwd=home, prefix=prefix)
        )

    try:
        deadline = time.monotonic() + 60
        while True:  # the scheduler listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield address, add_worker
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_an_external_scheduler_and_a_relative_out_give_the_same_bits(
    tmp_path, cluster, monkeypatch
):
    address, add_worker = cluster
    add_worker()
    _wait_for_workers(address)
    run = tmp_path / "run"
    run.mkdir()
    monkeypatch.chdir(run)  # neither the scheduler's nor the worker's directory
    assert main(["generate", *ARGS, "--out", "rel.h5", "--scheduler", address, "--quiet"]) == 0
    assert sorted(p.name for p in run.iterdir()) == ["rel.h5"]  # no rel.h5.parts left
    reference = generate(
        tmp_path / "one.h5", "8", "2.0,2.5", 20, seed=3, progress=False
    )  # one process
    with h5py.File(run / "rel.h5", "r") as a, h5py.File(reference, "r") as b:
        for name in b["L8"]:
            np.testing.assert_array_equal(a["L8"][name][...], b["L8"][name][...])
    assert verify(run / "rel.h5").ok


class _Workers:
    """A stand-in for a Dask client: ``run`` calls the function as each worker would."""

    def __init__(self, sees: dict):
        self.sees = sees

    def run(self, function, *args):
        return {worker: function(*args) if ok else "blind" for worker, ok in self.sees.items()}


def test_a_worker_that_cannot_see_the_output_is_one_clear_error(tmp_path):
    parts = tmp_path / "d.h5.parts"
    parts.mkdir()
    (parts / "plan.json").write_text("{}")
    _check_workers_see(_Workers({"tcp://a:1": True, "tcp://b:2": True}), str(parts), "{}")
    with pytest.raises(ResourceError, match=r"Dask worker tcp://b:2 cannot write the shards"):
        _check_workers_see(_Workers({"tcp://a:1": True, "tcp://b:2": False}), str(parts), "{}")
    with pytest.raises(ResourceError, match=r"holds another run's plan\.json"):
        _check_workers_see(_Workers({"tcp://a:1": True}), str(parts), '{"seed": 1}')
    with pytest.raises(ResourceError, match="no workers"):
        _check_workers_see(_Workers({}), str(parts), "{}")


def test_a_real_worker_on_another_file_system_is_refused(tmp_path, cluster, monkeypatch, capsys):
    # The worker runs in its own mount namespace with an empty tmpfs over the output's
    # directory: the same path, another file system.
    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("a private mount namespace needs root and unshare")
    address, add_worker = cluster
    run = tmp_path / "run"
    run.mkdir()
    hide = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
            f'mount -t tmpfs tmpfs "{run}" && exec "$0" "$@"']  # fmt: skip
    add_worker(prefix=hide)
    _wait_for_workers(address)
    monkeypatch.chdir(run)
    argv = ["generate", *ARGS, "--out", "rel.h5", "--scheduler", address, "--quiet"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot write the shards" in err and "shared" in err, err
    assert not (run / "rel.h5").exists()
