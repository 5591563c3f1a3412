"""The value grammar (parse_values, parse_ints and the temperature and size parsers built on
them), the generation plan and its plan.json."""

import json

import numpy as np
import pytest

from isingml import Engine
from isingml.data import parse_ints, parse_sizes, parse_temperatures, parse_values
from isingml.data.plan import GenerationPlan, write_plan_file


def test_values_are_pieces_and_numbers_in_the_order_written():
    np.testing.assert_array_equal(parse_values("1:2:3"), [1.0, 1.5, 2.0])
    np.testing.assert_array_equal(parse_values("1.0:2.0:3, 5,-1"), [1.0, 1.5, 2.0, 5.0, -1.0])
    np.testing.assert_array_equal(parse_values("3:1:3,0.5:0.5:1"), [3.0, 2.0, 1.0, 0.5])
    np.testing.assert_array_equal(parse_values(" 2.5 "), [2.5])
    assert parse_values("1,2").dtype == np.float64


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "loads must not be empty"),
        (",", "loads must not be empty"),
        ("1:2", "loads must be 'start:stop:count', a comma list, or a comma list of both"),
        ("1:2:3:4", "loads must be 'start:stop:count'"),
        ("a", "loads must be 'start:stop:count'"),
        ("1:2:1.5", "loads must be 'start:stop:count'"),
        ("1:2:0", "loads must have a count >= 1"),
        ("1,nan", "loads must be finite"),
        ("inf:1:2", "loads must be finite"),
    ],
)
def test_bad_values_name_the_argument(text, match):
    with pytest.raises(ValueError, match=match):
        parse_values(text, "loads")


def test_ints():
    assert parse_ints("16, 32,64") == (16, 32, 64)
    assert parse_ints("3,1,3") == (3, 1, 3)
    for text in ("", " , "):
        with pytest.raises(ValueError, match="widths must not be empty"):
            parse_ints(text, "widths")
    for text in ("1.5", "a,2", "1:3:3"):
        with pytest.raises(ValueError, match="widths must be a comma list of integers"):
            parse_ints(text, "widths")
    with pytest.raises(ValueError, match="values must be a string"):
        parse_ints(16)


def test_temperatures_and_sizes_are_built_on_the_grammar():
    text = "1.0:2.0:5,2.1:2.5:17"
    np.testing.assert_array_equal(parse_temperatures(text), parse_values(text))
    np.testing.assert_array_equal(parse_temperatures([1.0, 2.0]), [1.0, 2.0])
    with pytest.raises(ValueError, match="temperatures must be strictly increasing"):
        parse_temperatures("2.0,1.0")
    with pytest.raises(ValueError, match="temperatures must be finite and > 0"):
        parse_temperatures("0,1")
    with pytest.raises(ValueError, match="temperatures must have a count >= 1"):
        parse_temperatures("2.0:2.5:0")
    assert parse_sizes("32,16") == (16, 32)
    assert parse_sizes([8]) == (8,)
    with pytest.raises(ValueError, match="sizes must be a comma list of even integers"):
        parse_sizes("16,x")
    with pytest.raises(ValueError, match="sizes must be distinct"):
        parse_sizes("16,16")


def test_the_old_import_path_still_works():
    from isingml.data import generation

    assert generation.parse_temperatures is parse_temperatures
    assert generation.parse_sizes is parse_sizes
    assert generation.GenerationPlan is GenerationPlan


def _plan(**changes):
    fields = dict(
        sizes=(8,),
        temperatures=(2.0,),
        samples=4,
        chains=1,
        thermalize=5,
        interval=1,
        algorithm="metropolis",
        seed=1,
        J=1.0,
        h=0.0,
        compression="gzip",
    )
    return GenerationPlan(**(fields | changes))


def test_the_plan_json_leaves_out_backend_and_threads():
    plan = _plan(threads=1)
    assert json.loads(plan.to_json())["kernel"] == "multispin"
    assert "backend" not in plan.to_json() and "threads" not in plan.to_json()
    assert plan == _plan(threads=2) and plan.to_json() == _plan().to_json()
    assert plan.engine == Engine(threads=1)
    assert _plan(algorithm="wolff", kernel="byte").engine == Engine("wolff")


def test_plan_file_is_written_once_and_checked(tmp_path):
    plan = _plan()
    write_plan_file(tmp_path, plan)
    assert (tmp_path / "plan.json").read_text() == plan.to_json()
    write_plan_file(tmp_path, plan)  # the same plan: nothing to do
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
    with pytest.raises(ValueError, match="holds the shards of a run with other arguments"):
        write_plan_file(tmp_path, _plan(seed=2))
