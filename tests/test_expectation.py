import json

import pytest

from gradcli.errors import InputError
from gradcli.checks.expect import parse_expectation
from gradcli.checks.results import close_enough
from _helpers import run_cli

POINT = ("x=-2", "y=5", "z=-4")


def test_pass_exits_0_and_prints_each_item():
    r = run_cli("(x+y)*z", *POINT, "--expect", "value=-12", "--expect", "d/dx=-4")
    assert r.code == 0, r
    assert "PASS  value" in r.out and "PASS  d/dx" in r.out
    assert "FAIL" not in r.out


def test_mismatch_prints_expected_got_error_and_tolerances():
    r = run_cli("(x+y)*z", *POINT, "--expect", "d/dx=-3", "--expect", "d/dz=3")
    assert r.code == 1
    assert "FAIL  d/dx  expected -3, got -4, error 1" in r.out
    assert "PASS  d/dz" in r.out
    assert "rtol 0.0001, atol 1e-08" in r.out


def test_named_intermediate_and_constant_expression():
    r = run_cli("q = x + y; f = q * z", *POINT, "--expect", "d/dq=-4", "--expect", "value=-24/2")
    assert r.code == 0, r


def test_atol_passes_an_answer_that_should_be_zero():
    # relu blocks the gradient: d/dx is exactly 0, and a claim of 1e-9 passes only by atol.
    assert run_cli("relu(x)", "x=-1", "--expect", "d/dx=1e-9").code == 0
    assert run_cli("relu(x)", "x=-1", "--expect", "d/dx=1e-9", "--atol", "1e-12").code == 1


def test_rtol_is_settable():
    assert run_cli("x*1.001", "x=1", "--expect", "value=1").code == 1
    assert run_cli("x*1.001", "x=1", "--expect", "value=1", "--rtol", "1e-2").code == 0


def test_quiet_prints_nothing():
    for claim, code in (("value=-12", 0), ("value=12", 1)):
        r = run_cli("(x+y)*z", *POINT, "--expect", claim, "--quiet")
        assert (r.code, r.out, r.err) == (code, "", "")


def test_unknown_name_is_bad_input():
    r = run_cli("(x+y)*z", *POINT, "--expect", "d/dw=1")
    assert r.code == 2
    assert "no input or named value 'w'" in r.err


@pytest.mark.parametrize("spec", ["dx=1", "value", "d/d=3", "d/dx=", "d/dx=abc"])
def test_malformed_expectations(spec):
    r = run_cli("x*y", "x=1", "y=2", "--expect", spec)
    assert r.code == 2, r
    assert "Traceback" not in r.err


def test_json_report():
    r = run_cli("(x+y)*z", *POINT, "--expect", "d/dx=-3", "--format", "json")
    data = json.loads(r.out)
    assert data["value"] == -12.0
    assert data["expect"]["passed"] is False
    assert data["expect"]["items"][0] == {"item": "d/dx", "expected": -3.0, "passed": False,
                                          "got": -4.0, "error": 1.0}


SECRET_PROGRAM = "(x+y)*z*1.37"
SECRETS = ("-16.44", "-5.48", "4.11", "16.44", "5.48", "4.11")   # value and gradients


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
@pytest.mark.parametrize("extra", [(), ("--gradcheck",)])
def test_hidden_answers_never_appear(fmt, extra):
    r = run_cli(SECRET_PROGRAM, *POINT, "--expect", "value=-16", "--expect", "d/dx=-5.5",
                "--expect", "d/dz=4", "--hide-answers", "--format", fmt, *extra)
    assert r.code == 1
    text = r.out + r.err
    for secret in SECRETS:
        assert secret not in text, (secret, text)
    assert "d/dx" in text


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_hidden_answers_in_batch(fmt):
    r = run_cli("batch", "-", *POINT, "--expect", "value=-16", "--hide-answers", "--format", fmt,
                stdin=SECRET_PROGRAM + "\n")
    assert r.code == 1
    for secret in SECRETS:
        assert secret not in r.out + r.err


def test_close_enough_rules():
    assert close_enough(0.0, 0.0, 1e-4, 0.0)
    assert close_enough(100.0, 100.009, 1e-4, 1e-8)
    assert not close_enough(100.0, 100.02, 1e-4, 1e-8)
    assert not close_enough(float("nan"), 1.0, 1, 1)


def test_parse_expectation():
    e = parse_expectation("d/dq = 1/4")
    assert (e.item, e.wrt, e.expected) == ("d/dq", "q", 0.25)
    with pytest.raises(InputError):
        parse_expectation("d/q=1")


def test_option_errors():
    assert run_cli("x", "x=1", "--hide-answers").code == 2
    assert run_cli("x", "x=1", "--expect", "value=1", "--rtol", "-1").code == 2
    assert run_cli("x", "x=1", "--expect", "value=1", "--atol", "inf").code == 2


def test_markdown_and_out_file(tmp_path):
    r = run_cli("x*2", "x=1", "--expect", "value=2", "--format", "markdown")
    assert r.out.startswith("```\nPASS  value") and r.out.endswith("```\n")
    path = tmp_path / "result.txt"
    r = run_cli("x*2", "x=1", "--expect", "value=3", "-o", str(path))
    assert r.code == 1 and r.out == ""
    assert "FAIL  value  expected 3, got 2" in path.read_text()


def test_python_api_expect():
    import gradcli

    result = gradcli.expect("q = x + y; f = q * z", {"value": -12, "d/dq": -4},
                            {"x": -2, "y": 5, "z": -4})
    assert result.passed
    assert [item.item for item in result.items] == ["value", "d/dq"]
    assert not gradcli.expect("x", ["value=2"], {"x": 1}).passed
