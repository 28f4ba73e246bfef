"""Lowering to the flat graph: inputs, constants, names, --output, and the bindings' checks."""

from __future__ import annotations

import math

import pytest

import gradcli
from gradcli.errors import GradcliError, InputError, MathError
from gradcli.program.lower import lower
from gradcli.compute import parse_binding_value
from gradcli.program.bindings import check_bindings
from gradcli.lang.syntax import parse


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


# ------------------------------------------------------------------ bindings

def test_binding_an_unknown_name_suggests_the_input():
    error = error_of("alpha*beta", alpha=1, beta=2, alfa=1)
    assert error.message.startswith("the program has no input named 'alfa' (did you mean 'alpha'?)")
    assert "its inputs are: alpha, beta" in error.message


def test_binding_a_name_the_program_computes():
    error = error_of("q = x*y\nf = q + 1", x=1, y=1, q=3)
    assert error.message == "'q' is computed by the program (line 1), so it cannot be given a value"


def test_binding_a_constant():
    assert "'pi' is a constant" in error_of("x*2", x=1, pi=3).message


def test_all_missing_inputs_in_one_message():
    error = error_of("a*b + c*d", b=1)
    assert error.message.startswith("no value for the inputs a, c, d: give them in bindings, "
                                    "e.g. {'a': 1, 'c': 1, 'd': 1}")
    assert str(error) == error.message
    single = error_of("a*b", b=1)
    assert single.message.startswith("no value for the input a: give it")


def test_missing_input_that_looks_like_a_misspelt_assignment():
    error = error_of("total = x + 1\nf = totl * 2", x=1)
    assert "totl" in error.message and "'total'" in error.message


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, True, "2", None])
def test_non_finite_or_non_numeric_values(bad):
    error = error_of("x*y", x=1, y=bad)
    assert error.message.startswith("the value for 'y' must be a finite number")
    assert error.exit_code == 2


def test_check_bindings_converts_ints():
    graph = graph_of("x*y")
    assert check_bindings(graph, {"x": 1, "y": 2}) == {"x": 1.0, "y": 2.0}


@pytest.mark.parametrize("text, value", [("2", 2.0), ("-2", -2.0), ("pi/2", math.pi / 2),
                                         ("1/3", 1 / 3), ("2^-1", 0.5), ("math.e", math.e),
                                         ("sqrt(2)", math.sqrt(2)), ("1e-3", 1e-3)])
def test_binding_values_are_constant_expressions(text, value):
    assert parse_binding_value(text) == value


@pytest.mark.parametrize("text, exit_code", [("y", 2), ("1 +", 2), ("1/0", 3), ("1e999", 2),
                                             ("log(0)", 3), ("a = 1", 2), ("1; 2", 2)])
def test_bad_binding_values(text, exit_code):
    with pytest.raises(GradcliError) as info:
        parse_binding_value(text)
    assert info.value.exit_code == exit_code


def test_program_is_positional_only_so_any_input_name_works():
    assert gradcli.grad("program * 2", program=3).gradients == {"program": 2.0}
    assert gradcli.grad("x*y", {"x": 2}, y=5).value == 10.0
    with pytest.raises(InputError):
        gradcli.grad("x*y", {"x": 2}, x=3, y=1)


def test_a_default_that_fails_is_a_math_error():
    error = error_of("x = 1/0\ny = x")
    assert isinstance(error, MathError) and error.line_column == (1, 5)
