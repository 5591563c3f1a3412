"""The GPU twins of the RBM's sampling and of the matrix product behind it (CUDA simulator
on every run; a real GPU with NUMBA_ENABLE_CUDASIM=0 pytest -m gpu)."""

import numpy as np
import pytest

from isingml.rbm import RBM
from isingml.rbm.kernels import sample_layer

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize(("trans_a", "trans_b"), [(False, False), (True, False), (False, True)])
def test_tiled_matmul_matches_numpy(trans_a, trans_b):
    from numba import cuda

    from isingml.cuda_linalg import add_row, matmul

    rng = np.random.default_rng(0)
    a = rng.normal(size=(33, 20) if trans_a else (20, 33))  # several tiles, partial ones
    b = rng.normal(size=(18, 33) if trans_b else (33, 18))
    got = matmul(cuda.to_device(a), cuda.to_device(b), trans_a, trans_b)
    add_row(got, cuda.to_device(np.arange(18.0)))
    expected = (a.T if trans_a else a) @ (b.T if trans_b else b) + np.arange(18.0)
    np.testing.assert_allclose(got.copy_to_host(), expected, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="do not fit"):
        matmul(cuda.to_device(a), cuda.to_device(a))


@pytest.mark.parametrize("spin", [False, True])
def test_layer_sampling_draws_the_cpu_samples(spin):
    from numba import cuda

    from isingml.rbm.kernels_cuda import sample_layer_cuda

    rng = np.random.default_rng(1)
    pre = rng.normal(size=(5, 13)).astype(np.float32)  # 13 units: a last block of one
    means, samples = np.empty_like(pre), np.empty_like(pre)
    sample_layer(pre, spin, 3, 1, 2, 0x60, means, samples)
    d_means, d_samples = cuda.device_array_like(pre), cuda.device_array_like(pre)
    sample_layer_cuda(cuda.to_device(pre), spin, 3, 1, 2, 0x60, d_means, d_samples)
    np.testing.assert_array_equal(d_samples.copy_to_host(), samples)
    np.testing.assert_allclose(d_means.copy_to_host(), means, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("units", ["binary", "spin"])
def test_gibbs_chains_on_the_gpu_follow_the_cpu(units):
    rng = np.random.default_rng(2)
    X = (rng.random((40, 12)) < 0.5).astype(np.float32)
    if units == "spin":
        X = 2 * X - 1
    rbm = RBM(n_hidden=6, units=units, n_epochs=2, seed=0).fit(X)
    cpu = rbm.gibbs(X[:5], steps=2, seed=4)
    gpu = rbm.gibbs(X[:5], steps=2, seed=4, backend="cuda")
    np.testing.assert_array_equal(gpu, cpu)  # the same draws (no uniform near a rounding)
    np.testing.assert_array_equal(rbm.sample(3, steps=1, seed=2, backend="cuda"),
                                  rbm.sample(3, steps=1, seed=2))  # fmt: skip
    with pytest.raises(ValueError, match="backend must be one of"):
        rbm.gibbs(X[:2], backend="tpu")
