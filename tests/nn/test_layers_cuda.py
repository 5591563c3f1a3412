"""The Dense layer's CUDA twin against the CPU layer (CUDA simulator on every run)."""

import numpy as np
import pytest

from isingml.nn import Dense

pytestmark = pytest.mark.gpu


def test_dense_forward_and_backward_match_the_cpu_layer():
    from numba import cuda

    from isingml.nn.layers_cuda import dense_backward_cuda, dense_forward_cuda

    rng = np.random.default_rng(0)
    layer = Dense(18)
    layer.dtype = np.float64
    layer.build((20,), rng)
    layer.params["b"] = rng.normal(size=18)
    x = rng.normal(size=(17, 20))
    y = layer.forward(x, training=True)
    g = rng.normal(size=y.shape)
    dx = layer.backward(g)
    W, b = cuda.to_device(layer.params["W"]), cuda.to_device(layer.params["b"])
    d_x = cuda.to_device(x)
    np.testing.assert_allclose(dense_forward_cuda(d_x, W, b).copy_to_host(), y, rtol=1e-12)
    dw, db, d_dx = dense_backward_cuda(d_x, W, cuda.to_device(g))
    np.testing.assert_allclose(dw.copy_to_host(), layer.grads["W"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(db.copy_to_host(), layer.grads["b"], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(d_dx.copy_to_host(), dx, rtol=1e-12, atol=1e-12)
