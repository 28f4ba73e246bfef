"""gradcli's Python API (gradcli/api.py): grad, expect, gradcheck, verify, batch and check take
a program as a string (positional only, so any input name works as a keyword) and bindings as a
dict or keywords; arrays, a seed and an upstream gradient too; and they return results as data."""

import json

import numpy as np
import pytest
from _helpers import run_cli

import gradcli
from gradcli.errors import InputError


def test_python_api_expect():
    result = gradcli.expect("q = x + y; f = q * z", {"value": -12, "d/dq": -4},
                            {"x": -2, "y": 5, "z": -4})
    assert result.passed
    assert [item.item for item in result.items] == ["value", "d/dq"]
    assert not gradcli.expect("x", ["value=2"], {"x": 1}).passed


@pytest.mark.parametrize("program", [None, 3, b"x*2", ["x"]])
def test_api_refuses_a_program_that_is_not_a_string(program):
    for call in (lambda: gradcli.grad(program), lambda: gradcli.verify(program),
                 lambda: gradcli.gradcheck(program), lambda: gradcli.expect(program, {})):
        with pytest.raises(gradcli.InputError, match="must be a string") as caught:
            call()
        assert caught.value.exit_code == 2


def test_program_is_positional_only_so_any_input_name_works():
    assert gradcli.grad("program * 2", program=3).gradients == {"program": 2.0}
    assert gradcli.grad("x*y", {"x": 2}, y=5).value == 10.0
    with pytest.raises(InputError):
        gradcli.grad("x*y", {"x": 2}, x=3, y=1)


def test_the_python_api_takes_arrays_seed_and_upstream():
    result = gradcli.grad("W @ x", W=np.eye(2), x=[1.0, 2.0], upstream=np.array([3.0, 4.0]))
    assert result.value.tolist() == [1.0, 2.0]
    assert result.gradients["x"].tolist() == [3.0, 4.0]
    a = gradcli.grad("sum(randn(3) * x)", x=1.0, seed=1)
    np.random.seed(1)
    assert float(a.value) == pytest.approx(np.sum(np.random.randn(3)))


def test_array_program_gives_a_scalar_input_a_float_gradient():
    result = gradcli.grad("sum(x*w)*a", x=[1, 2], w=[1, 1], a=2.0)
    assert type(result.gradients["a"]) is float and result.gradients["a"] == 3.0
    assert isinstance(result.gradients["x"], np.ndarray)
    assert result.gradients["x"].tolist() == [2.0, 2.0]
    assert json.loads(run_cli("sum(x*w)*a", "x=[1,2]", "w=[1,1]", "a=2",
                              "--format", "json").out)["gradients"]["a"] == 3.0


def test_python_api_batch():
    records = list(gradcli.batch("x*y\n\nx/0*y", {"x": 1, "y": 2}, gradcheck=True,
                                 expectations={"value": 2}))
    assert [(r.number, r.status) for r in records] == [(1, 0), (3, 3)]
    assert records[0].gradcheck.passed and records[0].expect.passed
