"""checks/expect and --expect: claims about the value and the gradients, checked with rtol and
atol; PASS and FAIL lines that show each claim as typed, with enough digits to tell it from the
result (the one-liner, batch and check alike); --quiet and --hide-answers; claims about arrays;
and the JSON, CSV and Markdown reports."""

import json

import pytest
from _helpers import run, run_cli

from gradcli.checks.expect import parse_expectation
from gradcli.checks.results import claim_texts, close_enough
from gradcli.errors import InputError

POINT = ("x=-2", "y=5", "z=-4")


def test_pass_exits_0_and_prints_each_item():
    r = run_cli("(x+y)*z", *POINT, "--expect", "value=-12", "--expect", "d/dx=-4")
    assert r.code == 0, r
    assert "PASS  value" in r.out and "PASS  d/dx" in r.out
    assert "FAIL" not in r.out


def test_mismatch_prints_the_answer_the_correct_value_and_the_accepted_interval():
    r = run_cli("(x+y)*z", *POINT, "--expect", "d/dx=-3", "--expect", "d/dz=3")
    assert r.code == 1
    assert "FAIL  d/dx  answered -3, correct -4, accepted [-4.0004, -3.9996]" in r.out
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
    assert data["expect"]["items"][0] == {"item": "d/dx", "answer": -3.0, "passed": False,
                                          "correct": -4.0, "accepted": [-4.0004, -3.9996],
                                          "error": 1.0, "diagnosis": []}


# ------------------------------------------------------------------ --hide-answers

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


# ------------------------------------------------------------------ tolerances, parsing and options

def test_close_enough_rules():
    assert close_enough(0.0, 0.0, 1e-4, 0.0)
    assert close_enough(100.0, 100.009, 1e-4, 1e-8)
    assert not close_enough(100.0, 100.02, 1e-4, 1e-8)
    assert not close_enough(float("nan"), 1.0, 1, 1)


def test_parse_expectation():
    e = parse_expectation("d/dq = 1/4")
    assert (e.item, e.wrt, e.answer) == ("d/dq", "q", 0.25)
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
    assert "FAIL  value  answered 3, correct 2" in path.read_text()


# ------------------------------------------------------------------ the claim as typed

@pytest.mark.parametrize("point, claim, shown", [
    ("x=1", "1.00011", "answered 1.00011, correct 1, accepted [0.9999, 1.0001]"),
    ("x=1000", "1000.2", "answered 1000.2, correct 1000, accepted [999.9, 1000.1]"),
    ("x=1.00011", "1", "answered 1, correct 1.0001, accepted [1.0001, 1.0002]"),
    ("x=1", "1/3", "answered 1/3, correct 1, accepted [0.9999, 1.0001]"),
])
def test_the_one_liner_tells_the_answer_and_the_correct_value_apart(point, claim, shown):
    result = run_cli("x", point, "--expect", f"value={claim}")
    assert result.code == 1
    assert f"FAIL  value  {shown}" in result.out


def test_batch_shows_the_same():
    result = run_cli("batch", "-", "x=1000", "--expect", "value=1000.2", stdin="x\n")
    assert result.code == 1
    assert "FAIL value (answered 1000.2, correct 1000)" in " ".join(result.out.split())


def test_check_shows_the_same(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[[problem]]\nid = "1a"\nprogram = "x"\nat = {x = 1000.0002}\n'
                    "expect = {value = 1000}\n")
    result = run_cli("check", str(path), "--rtol", "0", "--atol", "0")
    assert result.code == 1
    assert "FAIL  1a  value  answered 1000, correct 1000.0002, accepted [1000.0002, 1000.0002]" \
        in result.out


def test_claim_texts():
    # A passing item keeps the usual precision; a failing one gets digits until it differs.
    assert claim_texts(0.1, 0.1000001, 4, True) == ("0.1", "0.1")
    assert claim_texts(0.1, 0.1000001, 4, False) == ("0.1", "0.1000001")
    assert claim_texts(-12.0, -12.0, 4, True, "-3*4") == ("-3*4", "-12")
    assert claim_texts(float("inf"), 1.0, 4, False) == ("inf", "1")
    assert claim_texts(1e20, 1e20 * (1 + 1e-15), 4, False)[1] == "1.000000000000001e+20"


def test_an_untyped_claim_is_exact_when_it_fails_and_rounded_when_it_passes():
    assert claim_texts(0.006692850924284856, 0.006692850924284856, 6, True) == \
        ("0.00669285", "0.00669285")
    assert claim_texts(1.00011, 1.0, 4, False) == ("1.00011", "1")


# ------------------------------------------------------------------ claims about arrays

def test_expect_array_claims(capsys):
    status, out, _ = run(["w*2", "w=[1,2,3]", "--expect", "value=[2,4,6]",
                          "--expect", "d/dw=[2,2,2]"], capsys)
    assert status == 0 and out.count("PASS") == 2
    status, out, _ = run(["w*2", "w=[1,2,3]", "--expect", "d/dw=[2,2,2.5]"], capsys)
    assert status == 1 and "FAIL  d/dw" in out
    status, out, _ = run(["w*2", "w=[1,2,3]", "--expect", "value=[2,4]"], capsys)
    assert status == 1 and "answered (2,) [2 4], correct (3,) [2 4 6], the shapes differ" in out


def test_expect_array_claims_in_csv_and_hidden_json(capsys):
    status, out, _ = run(["w*2", "w=[1,2,3]", "--expect", "value=[2,4,6]",
                          "--format", "csv"], capsys)
    assert status == 0
    assert out.splitlines()[1] == 'expect,value,"[2.0, 4.0, 6.0]","[2.0, 4.0, 6.0]",0.0,pass,'
    status, out, _ = run(["w*2", "w=[1,2,3]", "--expect", "value=[2,4,6]",
                          "--hide-answers", "--format", "json"], capsys)
    assert status == 0
    assert json.loads(out)["expect"]["items"] == [
        {"item": "value", "answer": [2.0, 4.0, 6.0], "passed": True}]


def test_expect_a_number_on_an_array_result_is_bad_input(capsys):
    status, _, err = run(["w*2", "w=[1,2,3]", "--expect", "value=2"], capsys)
    assert status == 2
    assert "gives an array of the shape (3,) here, and the claim is one number" in err


def test_expect_scalar_result_of_an_array_program(capsys, array_folder):
    status, out, _ = run(["-f", "neuron.py", "--expect", "value=0.7311",
                          "--expect", "d/dx=[0.3932,-0.5898]", "--format", "json"], capsys)
    assert status == 0
    items = json.loads(out)["expect"]["items"]
    assert items[1]["answer"] == [0.3932, -0.5898]
    assert items[1]["correct"] == pytest.approx([0.39322, -0.58984], abs=1e-5)


def test_claims_about_arrays_are_refused_with_a_reason():
    r = run_cli("w=[1,2]; sum(w*w)", "--expect", "d/dw=3")
    assert r.code == 2
    assert "an array of the shape (2,)" in r.err


def test_a_hand_rounded_claim_gets_a_hint():
    r = run_cli("sigmoid(x)", "x=-5", "--expect", "value=0.00669", "--expect", "d/dx=1/150")
    assert r.code == 1
    assert "FAIL  value  answered 0.00669, correct 0.006693, accepted [0.0066922, 0.0066935] " \
           "(looks rounded to 3 significant figures: give 4 or more, or a larger --rtol)" in r.out
    assert "FAIL  d/dx   answered 1/150, correct 0.006648, accepted [0.0066474, 0.0066487]\n" \
        in r.out                      # a fraction is no hand-rounded decimal
    data = json.loads(run_cli("sigmoid(x)", "x=-5", "--expect", "value=0.00669", "--format",
                              "json").out)
    assert data["expect"]["items"][0]["hint"].startswith("looks rounded to 3")
