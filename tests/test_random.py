"""Philox4x32-10 against the Random123 known-answer vectors and against randomgen."""

import numpy as np
import pytest

from isingml.random import (
    philox4x32,
    random_uint32,
    random_uniform,
    threshold_uint32,
    uint32_to_float32,
    uint32_to_float64,
    validate_seed,
)

# Random123 kat_vectors, philox4x32 with 10 rounds: counter, key, expected output.
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (
        (0xFFFFFFFF,) * 4,
        (0xFFFFFFFF, 0xFFFFFFFF),
        (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
    ),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KNOWN_ANSWERS)
def test_known_answer_vectors(counter, key, expected):
    words = [np.uint64(w) for w in (*counter, *key)]
    assert tuple(int(x) for x in philox4x32(*words)) == expected


def test_known_answer_through_public_helper():
    assert [f"{x:08x}" for x in random_uint32(4, seed=0)] == [
        "6627e8d5",
        "e169c58d",
        "bc57ac4c",
        "9b00dbd8",
    ]


@pytest.mark.parametrize(
    ("seed", "stream", "step", "tag"),
    [(0, 0, 0, 0), (5, 7, 0, 0), (123456789, 42, 3, 0x10), (2**32 - 1, 2**32 - 1, 2**40 + 9, 7)],
)
def test_matches_randomgen_bit_for_bit(seed, stream, step, tag):
    randomgen = pytest.importorskip("randomgen")
    n = 40_000
    # randomgen increments its 128-bit counter before each block, so its first block is that
    # of counter (c0 + 1, c1, c2, c3). Start it one below our first counter (index 0).
    counter = (step << 32) | (tag << 96)
    ref = randomgen.Philox(
        number=4, width=32, key=seed | (stream << 32), counter=(counter - 1) % 2**128
    )
    expected = ref.random_raw(n).astype(np.uint32)
    ours = random_uint32(n, seed=seed, stream=stream, step=step, tag=tag)
    np.testing.assert_array_equal(ours, expected)


def test_partial_blocks_are_prefixes():
    full = random_uint32(12, seed=3)
    np.testing.assert_array_equal(random_uint32(7, seed=3), full[:7])


def test_distinct_keys_and_tags_give_distinct_streams():
    a = random_uint32(64, seed=1)
    assert not np.array_equal(a, random_uint32(64, seed=2))
    assert not np.array_equal(a, random_uint32(64, seed=1, stream=1))
    assert not np.array_equal(a, random_uint32(64, seed=1, tag=1))
    assert not np.array_equal(a, random_uint32(64, seed=1, step=1))


def test_uniform_moments():
    # 10^6 uniforms: mean 1/2 with standard error sqrt(1/12/n); check within 4 errors.
    u = random_uniform(1_000_000, seed=11)
    assert u.min() >= 0.0 and u.max() < 1.0
    err = np.sqrt(1 / 12 / u.size)
    assert abs(u.mean() - 0.5) < 4 * err
    assert abs(u.var() - 1 / 12) < 4 * np.sqrt(1 / 180 / u.size)


def test_threshold_uint32_is_exact_at_the_ends():
    t = threshold_uint32(np.array([-0.1, 0.0, 0.5, 1.0, 2.0]))
    np.testing.assert_array_equal(t, [0, 0, 2**31, 2**32, 2**32])


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "1", True, None])
def test_bad_seed_is_refused(bad):
    with pytest.raises((TypeError, ValueError), match="seed"):
        validate_seed(bad)
    with pytest.raises((TypeError, ValueError), match="seed"):
        random_uint32(4, seed=bad)


@pytest.mark.parametrize(
    ("r", "f64", "f32"),
    [(0, 0.0, 0.0), (2**31, 0.5, 0.5), (2**32 - 1, 1 - 2.0**-32, 1 - 2.0**-24)],
)
def test_uint32_to_float_maps_into_the_unit_interval(r, f64, f32):
    x = np.uint64(r)
    assert uint32_to_float64(x) == f64
    assert uint32_to_float32(x) == np.float32(f32)
    assert uint32_to_float64(x) < 1.0 and uint32_to_float32(x) < np.float32(1.0)
