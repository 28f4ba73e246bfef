"""--gradcheck writes its report only in the formats that show checks; a view format is refused."""

import pytest

from _helpers import run_cli


@pytest.mark.parametrize("fmt", ["dot", "mermaid", "tree", "latex", "python"])
@pytest.mark.parametrize("program", [("(x+y)*z", "x=-2", "y=5", "z=-4"), ("sum(w*2)", "w=[1,2]")])
def test_gradcheck_with_a_view_format_is_refused(fmt, program):
    result = run_cli(*program, "--gradcheck", "--format", fmt)
    assert result.code == 2 and result.out == ""
    assert f"--gradcheck and --format {fmt} cannot be used together" in result.err


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "markdown"])
def test_gradcheck_still_works_with_the_formats_that_show_checks(fmt):
    result = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--gradcheck", "--format", fmt)
    assert result.code == 0, (fmt, result.err)
    assert "good" in result.out
