"""The CUDA twins of convolution and pooling against the CPU kernels (CUDA simulator on
every run; NUMBA_ENABLE_CUDASIM=0 pytest -m gpu on a GPU)."""

import numpy as np
import pytest

from isingml.nn.conv import _pool_backward, _pool_forward, conv2d_backward, conv2d_forward

pytestmark = pytest.mark.gpu


@pytest.mark.parametrize(("stride", "pad"), [((1, 1), (0, 0)), ((2, 1), (1, 2))])
def test_conv2d_forward_and_backward_match_the_cpu(stride, pad):
    from numba import cuda

    from isingml.nn.conv_cuda import conv2d_backward_cuda, conv2d_forward_cuda

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 2, 6, 5))
    w = rng.normal(size=(3, 2, 3, 2))
    b = rng.normal(size=3)
    y = conv2d_forward(x, w, b, *stride, *pad)
    d_y = conv2d_forward_cuda(
        cuda.to_device(x), cuda.to_device(w), cuda.to_device(b), *stride, *pad
    )
    np.testing.assert_allclose(d_y.copy_to_host(), y, rtol=1e-12, atol=1e-12)
    g = rng.normal(size=y.shape)
    dx, dw, db = conv2d_backward(x, w, g, *stride, *pad)
    d_dx, d_dw, d_db = conv2d_backward_cuda(
        cuda.to_device(x), cuda.to_device(w), cuda.to_device(g), *stride, *pad
    )
    for got, want in ((d_dx, dx), (d_dw, dw), (d_db, db)):
        np.testing.assert_allclose(got.copy_to_host(), want, rtol=1e-12, atol=1e-12)
    _, _, none = conv2d_backward_cuda(
        cuda.to_device(x), cuda.to_device(w), cuda.to_device(g), *stride, *pad, input_grad=False
    )[::-1]
    assert none is None


@pytest.mark.parametrize("use_max", [True, False])
@pytest.mark.parametrize(("size", "stride"), [((2, 2), (2, 2)), ((3, 2), (1, 2))])
def test_pooling_matches_the_cpu_bit_for_bit(use_max, size, stride):
    from numba import cuda

    from isingml.nn.conv_cuda import pool2d_backward_cuda, pool2d_forward_cuda

    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 6, 7)).astype(np.float32)
    y, arg = _pool_forward(x, *size, *stride, use_max)
    d_y, d_arg = pool2d_forward_cuda(cuda.to_device(x), *size, *stride, use_max)
    np.testing.assert_array_equal(d_y.copy_to_host(), y)
    if use_max:
        np.testing.assert_array_equal(d_arg.copy_to_host(), arg)
    g = rng.normal(size=y.shape).astype(np.float32)
    dx = _pool_backward(x.shape, g, arg, *size, *stride, use_max)
    d_dx = pool2d_backward_cuda(x.shape, cuda.to_device(g), d_arg, *size, *stride, use_max)
    np.testing.assert_array_equal(d_dx.copy_to_host(), dx)  # overlapping windows included
