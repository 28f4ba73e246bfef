"""engine/arrays: array programs end to end through gradcli.compute.compute and the command
line. The note's two examples, spellings of the matrix product, indexing, shapes, broadcasting,
reductions, random arrays (--seed) and the upstream gradient (--upstream), bad bindings, and
shape errors (exit 2, with a caret at the operator)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _helpers import MATMUL, NEURON, run

from gradcli.compute import compute
from gradcli.errors import InputError, MathError


def test_the_notes_sigmoid_neuron():
    report = compute(NEURON)
    assert report.value == pytest.approx(0.7310585786300049)
    # The note's backward pass: ddot = (1 - f) * f; dx = [w0 ddot, w1 ddot]; dw = [x0 ddot, x1 ddot, ddot]
    f = report.value
    ddot = (1 - f) * f
    assert np.allclose(report.gradients["w"], [-1 * ddot, -2 * ddot, ddot])
    assert np.allclose(report.gradients["x"], [2 * ddot, -3 * ddot])
    assert report.gradients["w"].round(2).tolist() == [-0.2, -0.39, 0.2]
    assert report.gradients["x"].round(2).tolist() == [0.39, -0.59]
    assert report.gradient("dot") == pytest.approx(ddot)


def test_the_notes_matrix_multiply_with_the_notes_random_arrays():
    report = compute(MATMUL, seed=7, upstream="randn")
    np.random.seed(7)
    W = np.random.randn(5, 10)
    X = np.random.randn(10, 3)
    D = W.dot(X)
    dD = np.random.randn(*D.shape)
    assert report.value.shape == (5, 3)
    assert np.array_equal(report.value, D)
    assert np.array_equal(report.upstream, dD)
    assert np.allclose(report.gradients["W"], dD.dot(X.T))
    assert np.allclose(report.gradients["X"], W.T.dot(dD))
    assert report.gradients["W"].shape == (5, 10) and report.gradients["X"].shape == (10, 3)
    D_node = report.graph.output
    assert report.dimension_analysis(D_node) == [
        "dW = dD @ X.T : (5, 3) @ (3, 10) -> (5, 10)",
        "dX = W.T @ dD : (10, 5) @ (5, 3) -> (10, 3)"]


def test_the_default_upstream_is_ones():
    report = compute(MATMUL)
    X = report.values[report.graph.inputs["X"]]
    assert np.allclose(report.gradients["W"], np.ones((5, 3)) @ X.T)
    assert report.upstream_source == "ones"


@pytest.mark.parametrize("form", ["W @ X", "np.dot(W, X)", "W.dot(X)", "np.matmul(W, X)",
                                  "dot(W, X)"])
def test_spellings_of_the_matrix_product(form):
    W = [[1.0, 2.0], [3.0, 4.0]]
    X = [[5.0], [6.0]]
    report = compute(form, {"W": W, "X": X})
    assert report.value.tolist() == [[17.0], [39.0]]
    assert report.gradients["W"].tolist() == [[5.0, 6.0], [5.0, 6.0]]
    assert report.gradients["X"].tolist() == [[4.0], [6.0]]


def test_random_arrays_are_drawn_in_statement_order_from_one_seeded_generator():
    program = "a = randn(2)\nb = np.random.randn(3, 1) * 2\nc = np.random.rand(2)\nsum(a) + sum(b) + sum(c)"
    report = compute(program, seed=123)
    np.random.seed(123)
    a = np.random.randn(2)
    b = np.random.randn(3, 1) * 2
    c = np.random.rand(2)
    values = {name: report.values[node] for name, node in report.graph.inputs.items()}
    assert np.array_equal(values["a"], a) and np.array_equal(values["b"], b)
    assert np.array_equal(values["c"], c)
    assert compute(program, seed=124).value != report.value


def test_a_binding_replaces_a_random_default_without_shifting_the_later_draws():
    program = "a = randn(2)\nb = randn(2)\nsum(a * b)"
    report = compute(program, {"a": [1.0, 1.0]}, seed=5)
    np.random.seed(5)
    np.random.randn(2)
    assert np.array_equal(report.values[report.graph.inputs["b"]], np.random.randn(2))


def test_shape_and_unpacking_in_calls():
    program = "W = ones((2, 3))\nZ = zeros(W.shape) + randn(*W.shape) + W\nsum(Z * Z)"
    report = compute(program)
    assert report.gradients["W"].shape == (2, 3)
    report = compute("x = [1, 2, 3]\ny = reshape(x, (3, 1)) * ones(x.shape[0])\nsum(y)")
    assert report.gradients["x"].tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("expr,value,grad", [
    ("w[0]", 1.0, [1, 0, 0]),
    ("w[-1]", 3.0, [0, 0, 1]),
    ("sum(w[1:3])", 5.0, [0, 1, 1]),
    ("sum(w[:2])", 3.0, [1, 1, 0]),
    ("sum(w[1:])", 5.0, [0, 1, 1]),
])
def test_indexing_vectors(expr, value, grad):
    report = compute(expr, {"w": [1.0, 2.0, 3.0]})
    assert float(report.value) == value
    assert report.gradients["w"].tolist() == grad


def test_indexing_matrices():
    report = compute("A[0, 1] * A[1, 0] + sum(A[1])", {"A": [[1, 2], [3, 4]]})
    assert float(report.value) == 2 * 3 + 7
    assert report.gradients["A"].tolist() == [[0, 3], [3, 1]]


def test_transpose_sum_mean_reshape():
    A = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert compute("A.T", {"A": A}).value.shape == (3, 2)
    assert compute("transpose(A)", {"A": A}).value.tolist() == np.transpose(A).tolist()
    assert compute("A.transpose()", {"A": A}).value.shape == (3, 2)
    report = compute("sum(A, axis=0)", {"A": A})
    assert report.value.tolist() == [5.0, 7.0, 9.0]
    assert report.gradients["A"].tolist() == [[1, 1, 1], [1, 1, 1]]
    report = compute("A.mean(axis=1, keepdims=1)", {"A": A})
    assert report.value.tolist() == [[2.0], [5.0]]
    assert np.allclose(report.gradients["A"], np.full((2, 3), 1 / 3))
    report = compute("A.reshape(3, 2)[2, 1] * 10", {"A": A})
    assert float(report.value) == 60.0
    assert report.gradients["A"].tolist() == [[0, 0, 0], [0, 0, 10]]


def test_max_min_reduce_with_one_argument_and_are_elementwise_with_more():
    A = [[1.0, 5.0], [5.0, 2.0]]
    report = compute("max(A)", {"A": A})
    assert float(report.value) == 5.0
    assert report.gradients["A"].tolist() == [[0, 1], [0, 0]]       # ties: the first
    report = compute("A.min(axis=1)", {"A": A})
    assert report.value.tolist() == [1.0, 2.0]
    assert report.gradients["A"].tolist() == [[1, 0], [0, 1]]
    report = compute("max(A, 2)", {"A": A})
    assert report.value.tolist() == [[2.0, 5.0], [5.0, 2.0]]
    assert report.gradients["A"].tolist() == [[0, 1], [1, 1]]        # A[1,1] ties 2: A is first


def test_broadcasting_sums_gradients_over_the_broadcast_axes():
    report = compute("sum(A * b + c)", {"A": np.ones((2, 3)), "b": [1.0, 2.0, 3.0], "c": 4.0})
    assert report.gradients["b"].tolist() == [2.0, 2.0, 2.0]
    assert report.gradients["A"].tolist() == [[1, 2, 3], [1, 2, 3]]
    assert type(report.gradients["c"]) is float and report.gradients["c"] == 6.0


def test_every_scalar_function_broadcasts():
    report = compute("sum(sigmoid(x) + tanh(x) * relu(x) + exp(x))", {"x": [-1.0, 2.0]})
    s = 1 / (1 + np.exp(-np.array([-1.0, 2.0])))
    expected = s * (1 - s) + np.array([0.0, (1 - np.tanh(2) ** 2) * 2 + np.tanh(2)]) \
        + np.exp([-1.0, 2.0])
    assert np.allclose(report.gradients["x"], expected)


def test_array_literals_with_computed_items():
    report = compute("v = [x, 2 * x, x * y]\nsum(v * v)", {"x": 3.0, "y": 2.0})
    assert report.graph.ops[report.graph.inputs["x"]].name == "input"
    assert float(report.value) == 9 + 36 + 36
    assert float(report.gradients["x"]) == pytest.approx(2 * 3 + 2 * 6 * 2 + 2 * 6 * 2)
    report = compute("M = [[a, 1], [2, a]]\nsum(M @ M)", {"a": 2.0})
    assert float(report.value) == float(np.sum(np.array([[2, 1], [2, 2]]) @ [[2, 1], [2, 2]]))


def test_scalar_nodes_keep_their_local_derivatives_and_array_nodes_do_not():
    report = compute(NEURON)
    graph = report.graph
    node = next(i for i in range(len(graph.ops)) if report.nodes[i].text == "w[0] * x[0]")
    s = graph.arg_start[node]
    assert [float(v) for v in report.local[s:s + 2]] == [-1.0, 2.0]
    report = compute(MATMUL)
    s = report.graph.arg_start[report.graph.output]
    assert report.local[s:s + 2] == [None, None]


# ------------------------------------------------------------------ errors

def error_of(program, bindings=None, **kw):
    with pytest.raises((InputError, MathError)) as info:
        compute(program, bindings, **kw)
    return info.value


def test_matmul_shape_error_names_both_shapes_and_points_at_the_operator():
    error = error_of("W = np.random.randn(5, 10)\nX = np.random.randn(3, 10)\nD = W @ X")
    assert error.message == "W @ X: (5, 10) @ (3, 10): inner dimensions 10 and 3 differ"
    assert error.exit_code == 2
    assert error.span.start == error.source.index("@") and error.span.end == error.span.start + 1
    error = error_of("W.dot(X)", {"W": np.ones((5, 10)), "X": np.ones((3, 10))})
    assert error.message == "W.dot(X): (5, 10) @ (3, 10): inner dimensions 10 and 3 differ"
    assert error.source[error.span.start:error.span.end] == "dot"


def test_broadcast_error():
    error = error_of("a * b", {"a": [1, 2, 3], "b": [1, 2]})
    assert error.message.startswith("a * b: (3,) * (2,): shapes do not broadcast")
    assert "3 and 2" in error.message
    assert error.exit_code == 2 and error.span.start == 2


@pytest.mark.parametrize("program,bindings,fragment", [
    ("x[3]", {"x": [1, 2, 3]}, "index 3 is out of bounds"),
    ("x[1.5]", {"x": [1, 2, 3]}, "must be a whole number"),
    ("x[y]", {"x": [1, 2, 3], "y": 1}, "not a value of the program"),
    ("sum(x, axis=2)", {"x": [1, 2]}, "axis 2 is out of bounds"),
    ("sum(x, axes=0)", {"x": [1, 2]}, "takes no keyword axes="),
    ("reshape(x, 4)", {"x": [1, 2, 3]}, "cannot reshape"),
    ("x.shape", {"x": [1, 2]}, "not an array"),
    ("x.foo", {"x": [1, 2]}, "no attribute .foo"),
    ("x.summ()", {"x": [1, 2]}, "did you mean 'sum'"),
    ("[[1, 2], [3]]", None, "same shape"),
    ("[]", None, "empty"),
    ("x @ x", {"x": 2.0}, "1-D or 2-D"),
    ("zeros(-1)", None, "whole number >= 0"),
    ("np.random.exp(1)", None, "np.random.exp"),
    ("randn(*x)", {"x": [1, 2]}, "not a value of the program"),
    ("randn(*2)", None, "tuple of sizes"),
    ("(1, 2)", None, "only accepted as a shape"),
])
def test_bad_array_programs_are_input_errors_with_a_span(program, bindings, fragment):
    error = error_of(program, bindings)
    assert fragment in error.message
    assert error.exit_code == 2
    assert error.span is not None


def test_domain_errors_name_the_entry():
    error = error_of("sum(log(x))", {"x": [1.0, -2.0]})
    assert isinstance(error, MathError) and error.exit_code == 3
    assert error.message.startswith("log(-2) at entry [1]: log is defined only for positive")


def test_bad_bindings():
    assert "rectangular" in error_of("sum(x)", {"x": [[1, 2], [3]]}).message
    assert "finite" in error_of("sum(x)", {"x": [1, float("nan")]}).message
    assert "no input named 'y'" in error_of("sum(x)", {"x": [1.0], "y": [1.0]}).message
    assert "no value for the input x" in error_of("sum(x) + y", {"y": [1.0]}).message


def test_upstream_checks():
    assert "shape (2,)" in error_of("x * 2", {"x": [1, 2, 3]},
                                    upstream=(np.ones(2), "up.npy")).message
    assert "this output is a number" in error_of("sum(x)", {"x": [1, 2]}, upstream="randn").message
    assert "this output is a number" in error_of("x * 2", {"x": 1}, upstream="randn").message
    report = compute("x * 2", {"x": [1.0, 2.0]}, upstream=(np.array([3.0, -1.0]), "up.csv"))
    assert report.gradients["x"].tolist() == [6.0, -2.0]
    assert report.upstream_source == "up.csv"


def test_replaying_the_forward_sweep_with_new_inputs():
    """What --gradcheck on arrays replays: the same graph with perturbed inputs, and no new
    random draws."""
    from gradcli.engine.arrays.sweep import replay as forward

    report = compute(MATMUL)
    graph = report.graph
    W = report.values[graph.inputs["W"]] + 0.5
    values = forward(graph, {"W": W})
    assert np.allclose(values[graph.output], W @ report.values[graph.inputs["X"]])
    again = forward(graph)
    assert np.array_equal(again[graph.output], report.value)


def test_a_programs_own_seed_reseeds_the_generator():
    program = "np.random.seed(4)\nW = np.random.randn(2, 2)\nsum(W)"
    report = compute(program, seed=99)
    np.random.seed(4)
    assert np.array_equal(report.values[report.graph.inputs["W"]], np.random.randn(2, 2))
    assert report.program_seed == 4


def test_np_array_and_keepdims_true():
    report = compute("v = np.array([x, 2 * x])\nsum(v, axis=0, keepdims=True)", {"x": 3.0})
    assert report.value.tolist() == [9.0]
    assert float(report.gradients["x"]) == 3.0


def test_reductions_take_one_axis():
    error = error_of("max(A, axis=(0, 1))", {"A": [[1, 2], [3, 4]]})
    assert "one axis" in error.message and error.exit_code == 2
    error = error_of("max(A, 3, axis=1)", {"A": [[1, 2], [3, 4]]})
    assert "element-wise" in error.message


def test_shape_is_taken_of_a_name():
    error = error_of("zeros((x * 2).shape)", {"x": [1, 2]})
    assert "take .shape of a name" in error.message
    assert compute("sum(zeros(x.shape) + x.size + x.ndim * x)", {"x": [1, 2]}).value == 2 * 2 + 3
    assert compute("x.shape[0] * x[-1]", {"x": [1, 5]}).value == 10


def test_deeply_nested_array_literals_do_not_recurse():
    report = compute(f"sum({'[' * 60}x{']' * 60})", {"x": 2.0})
    assert report.value == 2.0 and float(report.gradients["x"]) == 1.0
    report = compute(f"sum({'[' * 30}1{']' * 30} * x)", {"x": 2.0})
    assert report.value == 2.0
    # numpy stops at 64 dimensions: a clean input error, not a recursion error.
    depth = 3000
    error = error_of(f"sum({'[' * depth}x{']' * depth})", {"x": 2.0})
    assert "dimensions" in error.message and error.exit_code == 2


def test_the_objective_is_what_the_reverse_sweep_differentiates():
    """The objective, sum(upstream * output), is what the reverse sweep differentiates: its
    central differences at sampled entries match the gradients."""
    from gradcli.engine.arrays.sweep import objective

    report = compute("tanh(W @ x + b)",
                     {"W": np.arange(6.0).reshape(2, 3) / 10, "x": [1.0, -1.0, 0.5],
                      "b": [0.1, -0.2]}, upstream="randn", seed=3)
    graph = report.graph
    rng = np.random.RandomState(0)
    for name in ("W", "x", "b"):
        base = report.values[graph.inputs[name]]
        for _ in range(3):
            entry = tuple(rng.randint(n) for n in base.shape)
            h = 1e-6
            plus, minus = base.copy(), base.copy()
            plus[entry] += h
            minus[entry] -= h
            numeric = (objective(graph, report.upstream, {name: plus})
                       - objective(graph, report.upstream, {name: minus})) / (2 * h)
            assert numeric == pytest.approx(report.gradients[name][entry], rel=1e-6, abs=1e-9)


# The note's whole matrix block, backward pass included, as the note prints it.
NOTE_MATRIX_BLOCK = (Path(__file__).parent / "data" / "note_matrix.py").read_text()


def test_the_notes_whole_matrix_block_runs_and_its_backward_pass_agrees():
    """How `gradcli verify` can check the block: its own dW, dX against the reverse sweep
    started from its own dD, all from one seeded generator."""
    whole = compute(NOTE_MATRIX_BLOCK, seed=0)
    dD = whole.value_of("dD")
    forward = compute(NOTE_MATRIX_BLOCK, output="D", seed=0, upstream=(dD, "dD"))
    assert np.allclose(forward.gradients["W"], whole.value_of("dW"))
    assert np.allclose(forward.gradients["X"], whole.value_of("dX"))
    np.random.seed(0)
    W, X = np.random.randn(5, 10), np.random.randn(10, 3)
    assert np.array_equal(whole.value_of("dD"), np.random.randn(5, 3))
    assert np.array_equal(forward.value, W.dot(X))


def test_the_notes_whole_neuron_block_with_its_backward_pass():
    block = NEURON + """
# backward pass through the neuron (backpropagation)
ddot = (1 - f) * f # gradient on dot variable, using the sigmoid gradient derivation
dx = [w[0] * ddot, w[1] * ddot] # backprop into x
dw = [x[0] * ddot, x[1] * ddot, 1.0 * ddot] # backprop into w
# we're done! we have the gradients on the inputs to the circuit
"""
    whole = compute(block)
    forward = compute(block, output="f")
    assert np.allclose(whole.value_of("dx"), forward.gradients["x"])
    assert np.allclose(whole.value_of("dw"), forward.gradients["w"])


def test_array_functions_are_recognised_before_their_arguments_are_counted():
    error = error_of("sum(x, axis=0)")
    assert error.message.startswith("no value for the input x")
    report = compute("sum(x, axis=0)", {"x": [[1.0, 2.0], [3.0, 4.0]]})
    assert report.value.tolist() == [4.0, 6.0]


# ------------------------------------------------------------------ on the command line

def test_upstream_from_a_file(capsys, tmp_path):
    (tmp_path / "up.csv").write_text("2,3\n")
    status, out, _ = run(["x * x", "x=[1,2]", "--upstream", str(tmp_path / "up.csv"),
                          "--format", "json"], capsys)
    data = json.loads(out)
    assert status == 0 and data["gradients"]["x"] == [4.0, 12.0]
    assert data["upstream"] == str(tmp_path / "up.csv")


def test_upstream_on_a_scalar_output_is_an_error(capsys):
    status, _, err = run(["x * y", "x=1", "y=2", "--upstream", "randn"], capsys)
    assert status == 2 and "this output is a number" in err


def test_shape_error_exit_code_message_and_caret(capsys, tmp_path):
    (tmp_path / "bad.py").write_text("W = np.random.randn(5, 10)\nX = np.random.randn(3, 10)\n"
                                     "D = W @ X\n")
    status, out, err = run(["-f", str(tmp_path / "bad.py")], capsys)
    assert status == 2 and out == ""
    assert "W @ X: (5, 10) @ (3, 10): inner dimensions 10 and 3 differ" in err
    assert "    D = W @ X\n          ^\n" in err or err.rstrip().endswith("D = W @ X\n          ^")
    status, out, _ = run(["-f", str(tmp_path / "bad.py"), "--format", "json"], capsys)
    assert status == 2
    assert json.loads(out)["error"]["message"].startswith("W @ X: (5, 10) @ (3, 10)")


def test_the_seed_changes_the_arrays(capsys, array_folder):
    _, a, _ = run(["-f", "matmul.py", "--format", "json", "--seed", "1"], capsys)
    _, b, _ = run(["-f", "matmul.py", "--format", "json", "--seed", "1"], capsys)
    _, c, _ = run(["-f", "matmul.py", "--format", "json", "--seed", "2"], capsys)
    assert a == b and a != c
    status, _, err = run(["-f", "matmul.py", "--seed", "-1"], capsys)
    assert status == 2
