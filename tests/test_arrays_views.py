"""Every view and command on array programs: each either works (exit 0) or refuses in one
sentence (exit 2), never an internal error (70) or a traceback. Registry-driven over RENDERERS,
SUBCOMMANDS and the one-liner's modes, so a new renderer or command is covered at once; the
wording of each refusal; and random array programs in every view.

What works on arrays is tested with each feature: test_render_arrays.py, test_render_dot.py,
test_render_tree.py, test_render_explain.py, test_expect.py, test_gradcheck.py, test_verify.py,
test_batch.py and test_grading.py."""

from __future__ import annotations

import json

import pytest
from _helpers import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.cli import main
from gradcli.cli.commands import COMMANDS as SUBCOMMANDS
from gradcli.render import FORMATS as RENDERERS

# (arguments after the program) for each kind of array program: a file with array literals,
# one with random arrays and an array output, one-liners with array bindings.
PROGRAMS = {
    "neuron": ("-f", "neuron.py"),
    "matmul": ("-f", "matmul.py"),
    "reduced": ("sum(relu(w * x))", "w=[1,-2,3]", "x=[0,1,2]"),
    "elementwise": ("w*2", "w=[1,2,3]"),
}

MODES = {
    "explain": ("--explain",),
    "forward": ("--mode", "forward", "--wrt", "w"),
    "forward-W": ("--mode", "forward", "--wrt", "W"),
    "exact": ("--exact",),
    "gradcheck": ("--gradcheck",),
    "expect-value": ("--expect", "value=2"),
    "expect-array": ("--expect", "value=[2,4,6]"),
    "hide-answers": ("--expect", "value=1", "--hide-answers"),
    "upstream-randn": ("--upstream", "randn"),
    "wrt": ("--wrt", "w"),
    "all": ("--all",),
    "output": ("--output", "dot"),
    "at-file": ("--at-file", "points.csv"),
    "at-file-json": ("--at-file", "points.csv", "--format", "json"),
    "hessian": ("--hessian",),
    "hvp": ("--hvp", "w=1"),
    "order-2": ("--order", "2", "--wrt", "w"),
    "gradcheck-order-2": ("--gradcheck", "--order", "2"),
}

# Per subcommand, invocations on array programs (files are written by the fixture).
SUBCOMMAND_CASES = {
    "batch": [("batch", "lines.txt", "w=[1,2]", "y=3"), ("batch", "lines.txt", "w=[1,2]", "y=3", "--format", "json"),
              ("batch", "lines.txt", "w=[1,2]", "y=3", "--format", "csv"),
              ("batch", "lines.txt", "w=[1,2]", "y=3", "--expect", "value=5"),
              ("batch", "lines.txt", "w=[1,2]", "y=3", "--gradcheck")],
    "check": [("check", "answers.toml"), ("check", "answers.toml", "--format", "json")],
    # gen draws numbers: array points are refused in one sentence.
    "gen": [("gen", "problems.toml", "--roster", "roster.csv", "--seed", "1", "-o", "out")],
    "diff": [("diff", "-f", "neuron.py"), ("diff", "sum(w*2)"), ("diff", "-f", "matmul.py")],
    "graph": [("graph", "-f", "neuron.py"), ("graph", "-f", "matmul.py", "--format", "mermaid"),
              ("graph", "-f", "matmul.py", "--upstream", "randn"),
              ("graph", "sum(w*x)", "w=[1,2]", "x=[3,4]", "-o", "picture.mmd")],
    "key": [("key", "problems.toml")],
    "plot": [("plot", "-f", "neuron.py", "--wrt", "x=-1:1"), ("plot", "sum(w*x)", "w=[1,2]",
                                                              "--wrt", "x=0:1")],
    "practice": [("practice", "--help")],   # it draws its own scalar circuits: no program given
    "verify": [("verify", "neuron_backprop.py"), ("verify", "neuron.py"),
               ("verify", "matmul.py")],
}


def assert_clean(status, out, err, argv, records=False):
    assert status in (0, 1, 2), f"{argv}: exit {status}\n{err}"
    assert "Traceback" not in out + err, argv
    assert "internal error" not in out + err, argv
    if status == 2 and not records:    # batch and check report bad lines in their records
        # One refusal: a sentence, not an empty or a multi-paragraph complaint.
        assert err.startswith("error: ") and err.strip(), argv


# ------------------------------------------------------------------ registry-driven

@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("fmt", RENDERERS)
def test_every_renderer_on_every_array_program(capsys, array_folder, fmt, program):
    argv = [*PROGRAMS[program], "--format", fmt]
    status, out, err = run(argv, capsys)
    assert_clean(status, out, err, argv)
    assert status in (0, 2)
    if status == 0:
        assert out.strip()


@pytest.mark.parametrize("program", PROGRAMS)
@pytest.mark.parametrize("mode", MODES)
def test_every_mode_on_every_array_program(capsys, array_folder, mode, program):
    argv = [*PROGRAMS[program], *MODES[mode]]
    status, out, err = run(argv, capsys)
    assert_clean(status, out, err, argv, records="--at-file" in argv)


@pytest.mark.parametrize("fmt", RENDERERS)
@pytest.mark.parametrize("mode", ["explain", "forward", "exact"])
def test_modes_with_every_format_on_arrays(capsys, array_folder, fmt, mode):
    argv = [*PROGRAMS["neuron"], *MODES[mode], "--format", fmt]
    status, out, err = run(argv, capsys)
    assert_clean(status, out, err, argv)


def test_every_subcommand_has_array_cases():
    assert set(SUBCOMMAND_CASES) == set(SUBCOMMANDS)


@pytest.mark.parametrize("argv", [case for cases in SUBCOMMAND_CASES.values() for case in cases],
                         ids=lambda argv: " ".join(argv))
def test_every_subcommand_on_array_programs(capsys, array_folder, argv):
    status, out, err = run(argv, capsys)
    assert_clean(status, out, err, argv, records=argv[0] in ("batch", "check"))


# ------------------------------------------------------------------ what refuses, and how

REFUSALS = [
    (("-f", "neuron.py", "--exact"),
     "--exact works on scalar programs only; this program uses arrays (w = [2,-3,-3] at line 1)"),
    (("x", "x=[1,2]", "--exact"),
     "--exact works on scalar programs only; this program uses arrays (the value given for x "
     "is an array)"),
    (("-f", "matmul.py", "--mode", "forward", "--wrt", "W"),
     "--mode forward works on scalar programs only; this program uses arrays "
     "(W = np.random.randn(5, 10) at line 2)"),
    (("-f", "neuron.py", "--format", "latex"),
     "--format latex works on scalar programs only; this program uses arrays "
     "(w = [2,-3,-3] at line 1)"),
    (("-f", "matmul.py", "--format", "python"),
     "--format python works on scalar programs only; this program uses arrays "
     "(W = np.random.randn(5, 10) at line 2)"),
    (("diff", "-f", "neuron.py"),
     "gradcli diff works on scalar programs only; this program uses arrays "
     "(w = [2,-3,-3] at line 1)"),
    (("diff", "sum(w*2)"),
     "gradcli diff works on scalar programs only; this program uses arrays "
     "(sum(w*2) at line 1)"),
]


@pytest.mark.parametrize("argv, message", REFUSALS, ids=lambda v: " ".join(v) if
                         isinstance(v, tuple) else None)
def test_refusals_name_the_combination(capsys, array_folder, argv, message):
    status, out, err = run(argv, capsys)
    assert status == 2 and out == ""
    assert err == f"error: {message}\n"


def test_a_long_array_literal_is_shortened_in_the_refusal(capsys):
    status, _, err = run(["w = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nf = sum(w)", "--exact"], capsys)
    assert status == 2
    assert "(w = [...] at line 1)" in err


def test_refusal_in_json_is_an_error_object(capsys, array_folder):
    status, out, _ = run(["-f", "neuron.py", "--format", "latex", "--exact"], capsys)
    assert status == 2
    status, out, _ = run(["-f", "neuron.py", "--mode", "forward", "--wrt", "w",
                          "--format", "json"], capsys)
    assert status == 2
    assert json.loads(out)["error"]["message"].startswith("--mode forward works on scalar")


# ------------------------------------------------------------------ random array programs

TOKENS = ["A", "v", "s", "[1, 2]", "[[1, 2], [3, 4]]", "@", "*", "+", "-", "/", "**", ".T",
          ".shape", "[0]", "[-1]", "[0, 1]", "[1:]", "[:, 0]", "sum(", "mean(", "max(", "min(",
          "exp(", "log(", "np.dot(", "reshape(", "transpose(", "zeros(", "ones(", "randn(",
          "np.random.randn(", ")", ",", "axis=0", "axis=1", "keepdims=True", "*A.shape", "(2, 2)",
          ".dot(", ".sum(", ".reshape(", "4", "0", "2", "(", "[", "]", "\n", ";", "=", "q = "]


@settings(deadline=None, max_examples=300,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=12))
def test_array_programs_never_crash(capsys, tmp_path, tokens):
    program = tmp_path / "program.py"
    program.write_text(" ".join(tokens))
    status = main(["-f", str(program), "A=[[1, 2], [3, 4]]", "v=[1, -1]", "s=3", "--format", "json"])
    out, err = capsys.readouterr()
    assert status in (0, 2, 3), (program.read_text(), err)
    assert "Traceback" not in err


VIEW_ARGS = [("--format", fmt) for fmt in RENDERERS] + [
    ("--explain",), ("--exact",), ("--mode", "forward", "--wrt", "A")]


@settings(deadline=None, max_examples=60,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=10))
def test_random_array_programs_in_every_view(capsys, tmp_path, tokens):
    # The token soups of test_array_programs_never_crash, through every renderer and mode.
    program = tmp_path / "program.py"
    program.write_text(" ".join(tokens))
    for view in VIEW_ARGS:
        argv = ["-f", str(program), "A=[[1, 2], [3, 4]]", "v=[1, -1]", "s=3", *view]
        status, out, err = run(argv, capsys)
        assert status in (0, 2, 3), (program.read_text(), view, err)
        assert "Traceback" not in out + err
