import json
import math
import tomllib

import pytest
from hypothesis import given, settings, strategies as st

import gradcli
from gradcli.grading.grade import grade
from gradcli.grading.key import make_key
from gradcli.grading.toml import dumps
from gradcli.errors import InputError
from _helpers import run_cli

PROBLEMS = '''\
[[problem]]
id = "1a"
program = "(x+y)*z"
at = {x = -2, y = 5, z = -4}
marks = 4

[[problem]]
id = "1b"
program = """
q = w0*x0 + w1*x1 + w2
f = 1/(1+exp(-q))
"""
at = {w0 = 2, w1 = -3, w2 = -3, x0 = -1, x1 = -2}
ask = ["value", "d/dw0", "d/dq"]
marks = 3
'''


@pytest.fixture
def key(tmp_path):
    problems = tmp_path / "problems.toml"
    problems.write_text(PROBLEMS)
    path = tmp_path / "key.toml"
    r = run_cli("key", str(problems), "-o", str(path))
    assert r.code == 0, r
    return path


def test_key_fills_in_expect(key):
    data = tomllib.loads(key.read_text())
    one, two = data["problem"]
    assert one["expect"] == {"value": -12.0, "d/dx": -4.0, "d/dy": -4.0, "d/dz": 3.0}
    assert list(two["expect"]) == ["value", "d/dw0", "d/dq"]
    assert two["expect"]["d/dq"] == pytest.approx(0.19661193324148185)
    assert "ask" not in two
    assert two["program"] == "q = w0*x0 + w1*x1 + w2\nf = 1/(1+exp(-q))\n"


def test_a_correct_submission_scores_100_percent(key):
    r = run_cli("check", str(key))
    assert r.code == 0, r
    assert "7/7 marks (100%)" in r.out
    [result] = gradcli.check(key)
    assert result.score == 1.0 and result.passed


def _wrong(key, tmp_path, name="bob.toml"):
    text = key.read_text().replace('"d/dx" = -4.0', '"d/dx" = -3.0')
    text = text.replace("value = -12.0", "value = 12.0")
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_wrong_submission_scores_less_and_names_the_failing_items(key, tmp_path):
    bob = _wrong(key, tmp_path)
    [result] = gradcli.check(bob)
    assert result.score == pytest.approx(5 / 7)
    assert [(item.problem, item.item) for item in result.failed] == [("1a", "value"),
                                                                     ("1a", "d/dx")]
    r = run_cli("check", str(bob))
    assert r.code == 1
    assert "5/7 marks (71%)" in r.out
    assert "FAIL  1a  value  expected 12, got -12" in r.out


def test_many_files_and_the_json_report(key, tmp_path):
    bob = _wrong(key, tmp_path)
    broken = tmp_path / "broken.toml"
    broken.write_text("[[problem]\n")
    r = run_cli("check", str(key), str(bob), str(broken), "--format", "json")
    assert r.code == 2
    data = json.loads(r.out)
    assert data["passed"] is False
    files = {f["file"]: f for f in data["files"]}
    assert files[str(key)]["score"] == 1.0
    assert files[str(bob)]["earned"] == 5.0 and files[str(bob)]["possible"] == 7.0
    failing = [i["item"] for i in files[str(bob)]["items"] if not i["passed"]]
    assert failing == ["value", "d/dx"]
    assert "not valid TOML" in files[str(broken)]["error"]["message"]


def test_hidden_answers_in_check(tmp_path):
    path = tmp_path / "student.toml"
    path.write_text('[[problem]]\nprogram = "(x+y)*z*1.37"\nat = {x = -2, y = 5, z = -4}\n'
                    'expect = {value = -16, "d/dx" = -5.5}\n')
    for fmt in ("table", "json"):
        r = run_cli("check", str(path), "--hide-answers", "--format", fmt)
        assert r.code == 1
        assert "16.44" not in r.out and "5.48" not in r.out
        assert "d/dx" in r.out
    assert "16.44" in run_cli("check", str(path)).out


def test_tolerances_per_problem_and_on_the_command_line(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[[problem]]\nprogram = "x*1.001"\nat = {x = 1}\nexpect = {value = 1}\n'
                    "rtol = 0.01\n")
    assert grade(path.read_text(), "a").passed
    assert not grade(path.read_text(), "a", rtol=1e-6).passed


def test_a_broken_program_fails_its_items_and_the_file_goes_on(tmp_path):
    text = ('[[problem]]\nid = "p"\nprogram = "x*"\nexpect = {value = 1}\n\n'
            '[[problem]]\nid = "q"\nprogram = "x*2"\nat = {x = 1}\nexpect = {value = 2}\n')
    result = grade(text, "t")
    assert [(i.problem, i.passed) for i in result.items] == [("p", False), ("q", True)]
    assert result.status == 2
    assert "ends too early" in result.items[0].message


@pytest.mark.parametrize("text, message", [
    ("x = 1", "no problems"),
    ('[[problem]]\nid = "a"\n', "no program"),
    ('[[problem]]\nprogram = "x"\nexpect = {value = "one"}\n', "must be a number"),
    ('[[problem]]\nprogram = "x"\ncolour = 1\n', "unknown key"),
    ('[[problem]]\nid = "a"\nprogram = "x"\n[[problem]]\nid = "a"\nprogram = "x"\n', "twice"),
])
def test_schema_errors(text, message):
    result = grade(text, "s.toml")
    assert result.error is not None and message in result.error.message
    assert result.status == 2


def test_gradcheck_in_check_files(tmp_path):
    text = ('[[problem]]\nprogram = "relu(x)*y"\nat = {x = 0, y = 2}\nexpect = {value = 0}\n'
            "gradcheck = true\n")
    result = grade(text, "g")
    assert [i.item for i in result.items] == ["value", "gradcheck"]
    assert result.passed       # a kink is not a wrong gradient


def test_key_errors():
    with pytest.raises(InputError, match="names no input"):
        make_key('[[problem]]\nprogram = "x"\nat = {x = 1}\nask = ["d/dy"]\n', "k")


# ------------------------------------------------------------------ the TOML writer

keys = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=8)
scalars = st.one_of(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20),
                    st.booleans(), st.integers(-2**63, 2**63 - 1),
                    st.floats(allow_nan=False))
values = st.one_of(scalars, st.lists(scalars, max_size=3),
                   st.dictionaries(keys, scalars, max_size=3))
problems = st.lists(st.dictionaries(keys, values, max_size=5), max_size=3)


@settings(deadline=None, max_examples=100)
@given(st.dictionaries(keys.filter(lambda k: k != "problem"), scalars, max_size=3), problems)
def test_toml_writer_round_trips(top, problem_list):
    data = {**top, "problem": problem_list} if problem_list else dict(top)
    assert tomllib.loads(dumps(data)) == data


def test_toml_writer_special_floats_and_strings():
    data = {"problem": [{"id": 'a "quoted"\\ \n\t\x01 name', "expect": {"d/dx": math.inf,
                                                                       "value": -0.0}}]}
    back = tomllib.loads(dumps(data))
    assert back == data
    assert math.isnan(tomllib.loads(dumps({"problem": [{"v": math.nan}]}))["problem"][0]["v"])
