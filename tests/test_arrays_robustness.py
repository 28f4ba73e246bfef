"""No traceback for any array program: random token soups exit 0, 2 or 3, never 70."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcli.cli import main

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
