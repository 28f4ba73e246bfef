"""program/lower and program/graph: lowering a program to the flat SSA graph. Inputs come first,
in order of appearance; constants are const nodes; assigned constant expressions are inputs
with defaults; a name labels its node; --output picks a named value; and the errors found
while lowering (names assigned twice, used before assignment, unknown functions, wrong
argument counts) name both lines."""

from __future__ import annotations

import math

import pytest

import gradcli
from gradcli.errors import GradcliError, InputError, MathError
from gradcli.lang.syntax import parse
from gradcli.program.lower import lower


def graph_of(source: str, output: str | None = None):
    return lower(parse(source), source, None, output)


def ops(graph) -> list[str]:
    return [op.name for op in graph.ops]


def error_of(source: str, **bindings) -> GradcliError:
    with pytest.raises(GradcliError) as info:
        gradcli.grad(source, **bindings)
    return info.value


def test_inputs_first_in_order_of_appearance():
    graph = graph_of("z*(y+x) + 2*x")
    assert list(graph.inputs) == ["z", "y", "x"]
    assert [graph.inputs[n] for n in ("z", "y", "x")] == [0, 1, 2]
    assert ops(graph)[:3] == ["input"] * 3
    assert "input" not in ops(graph)[3:]


def test_every_argument_comes_before_its_node_and_output_is_last():
    graph = graph_of("a = x*y\nb = exp(a) + a\nc = b / (1 + x)")
    for node in range(len(graph)):
        assert all(arg < node for arg in graph.args(node))
    assert graph.output == len(graph) - 1
    assert graph.names[graph.output] == "c"


def test_constants_are_const_nodes_not_inputs():
    graph = graph_of("2*x + pi")
    assert list(graph.inputs) == ["x"]
    consts = [i for i, op in enumerate(ops(graph)) if op == "const"]
    assert [graph.leaf_values[i] for i in consts] == [2.0, math.pi]
    assert all(not graph.requires_grad[i] for i in consts)
    result = gradcli.grad("2*x + pi", x=1)
    assert list(result.gradients) == ["x"]
    assert [n.grad for n in result.nodes if n.op == "const"] == [None, None]


@pytest.mark.parametrize("source, defaults", [
    ("x = 3\ny = -4\nf = x*y", {"x": 3.0, "y": -4.0}),
    ("t = pi/2\nf = sin(t)", {"t": math.pi / 2}),
    ("x = 3\nf = x*w", {"x": 3.0, "w": None}),
    ("c = exp(1) + math.pi\nf = c*c", {"c": math.e + math.pi}),
])
def test_assigned_constant_expressions_are_inputs_with_defaults(source, defaults):
    graph = graph_of(source)
    assert graph.defaults == defaults
    for name in defaults:
        assert graph.ops[graph.inputs[name]].name == "input"


def test_defaults_are_used_and_bindings_override_them():
    assert gradcli.grad("x = 3\ny = -4\nf = x*y").value == -12.0
    result = gradcli.grad("x = 3\ny = -4\nf = x*y", x=2)
    assert (result.value, result.gradients) == (-8.0, {"x": -4.0, "y": 2.0})


def test_a_name_labels_its_node():
    graph = graph_of("q = x + y\nf = q * z")
    assert graph.names[graph.output] == "f"
    q = graph.names.index("q")
    assert graph.ops[q].name == "add"


def test_aliasing_a_name_gives_the_alias_its_own_node():
    graph = graph_of("q = x + y\nr = q\nf = r * 2")
    r = graph.names.index("r")
    assert graph.ops[r].name == "id"
    result = gradcli.grad("q = x + y\nr = q\nf = r * 2", x=1, y=2)
    assert result.gradient("r") == 2.0 and result.gradient("q") == 2.0


def test_reassignment_names_both_lines():
    error = error_of("x = 1\ny = x\nx = 2")
    assert isinstance(error, InputError)
    assert "'x' is assigned twice (lines 1 and 3)" in error.message
    assert error.line_column == (3, 1)


def test_use_before_assignment_names_both_lines():
    error = error_of("y = z + 1\nz = 2")
    assert "'z' is used on line 1 before it is assigned on line 2" in error.message
    assert error.line_column == (1, 5)


def test_use_in_its_own_definition():
    error = error_of("y = y + 1")
    assert "'y' is used in its own definition on line 1" in error.message


@pytest.mark.parametrize("name", ["pi", "e"])
def test_assigning_a_constant(name):
    error = error_of(f"x = 1\n{name} = 3\ny = x")
    assert f"'{name}' is a constant and cannot be assigned" in error.message
    assert error.line_column == (2, 1)


@pytest.mark.parametrize("name", ["math", "np", "numpy"])
def test_assigning_a_module_name(name):
    assert "names a module" in error_of(f"{name} = 3").message


def test_calling_an_assigned_name_names_both_lines():
    error = error_of("exp = 2\n\ny = exp(exp)")
    assert "'exp' is assigned on line 1 and called as a function on line 3" in error.message
    assert error.line_column == (3, 5)


def test_a_variable_may_share_a_function_name():
    # The note names a variable `dot`; `exp` as a plain input works too.
    result = gradcli.grad("dot = w0*x0 + w1\nf = 1.0 / (1 + math.exp(-dot))", w0=2, x0=-1, w1=-3)
    assert math.isclose(result.value, 1 / (1 + math.exp(5)), rel_tol=1e-15)
    assert gradcli.grad("exp * 2", exp=3).gradients == {"exp": 2.0}
    assert gradcli.grad("sin + sin(x)", sin=1, x=0).value == 1.0


def test_unknown_function_with_did_you_mean():
    error = error_of("sigmod(x)", x=1)
    assert error.message == "unknown function 'sigmod' (did you mean 'sigmoid'?)"
    assert error.render().endswith("    sigmod(x)\n    ^^^^^^")


def test_wrong_argument_count():
    assert error_of("exp(x, x)", x=1).message == "exp takes 1 argument, not 2"
    assert error_of("max()").message == "max takes 1 or more arguments, not 0"
    assert error_of("pow(x)", x=1).message == "pow takes 2 arguments, not 1"


def test_empty_program():
    for source in ("", "\n\n", "# just a comment\n", "import math"):
        assert "empty" in error_of(source).message


# ------------------------------------------------------------------ --output

def test_output_picks_a_named_value():
    result = gradcli.grad("q = x*y\nf = q + 1", x=2, y=3, output="q")
    assert (result.value, result.gradients) == (6.0, {"x": 3.0, "y": 2.0})
    assert result.graph.names[result.output] == "q"
    assert len(result.nodes) == 3            # the nodes after q cannot feed it


def test_output_may_be_an_input():
    result = gradcli.grad("x = 3\ny = x*2", output="x")
    assert (result.value, result.gradients) == (3.0, {"x": 1.0})


def test_output_unknown_name_with_did_you_mean():
    error = error_of("q = x*y\nf = q + 1", x=2, y=3, output="qq")
    assert error.message == "--output: the program has no name 'qq' (did you mean 'q'?)"


def test_a_default_that_fails_is_a_math_error():
    error = error_of("x = 1/0\ny = x")
    assert isinstance(error, MathError) and error.line_column == (1, 5)
