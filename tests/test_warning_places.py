"""Warnings and gradcheck rows name nodes the way the table shows them, so each is findable."""

from _helpers import run


def test_warnings_name_the_node_as_the_table_shows_it(capsys):
    status, out, _ = run(["relu(x)+max(x,y)+sqrt(z)", "x=0", "y=0", "z=0", "--color", "never"],
                         capsys)
    assert status == 0
    warnings = [line for line in out.splitlines() if line.startswith("!")]
    assert "(node #" not in out
    assert any(line.endswith("(at z).") for line in warnings)          # an input, by name
    assert any(line.endswith("(at relu(x)).") for line in warnings)    # by its text
    rows = [line.split("  ")[0] for line in out.splitlines()]
    for place in ("z", "relu(x)", "max(x, y)", "sqrt(z)"):
        assert place in rows


def test_a_long_node_is_named_by_the_id_the_table_prints(capsys):
    program = "q = x*y; f = relu(q + x*x*x*x*x + y*y*y*y*y)"
    status, out, _ = run([program, "x=0", "y=0", "--color", "never"], capsys)
    warning = next(line for line in out.splitlines() if line.startswith("! relu"))
    assert warning.endswith("(at f).")                                  # named: its name
    status, out, _ = run(["relu(x*x*x*x*x + y*y*y*y*y + x)", "x=0", "y=0", "--color", "never"],
                         capsys)
    warning = next(line for line in out.splitlines() if line.startswith("! relu"))
    place = warning.rsplit("(at ", 1)[1].rstrip(").")
    assert place.startswith("#")
    assert any(line.startswith(place + " ") for line in out.splitlines())


def test_markdown_warnings_use_the_same_places(capsys):
    status, out, _ = run(["relu(x)", "x=0", "--format", "markdown"], capsys)
    assert "(at relu(x))" in out and "(node #" not in out


def test_gradcheck_rows_show_the_text_beside_a_bare_id(capsys):
    status, out, _ = run(["1/(1+exp(-(w0*x0+w1*x1+w2)))", "w0=2", "x0=-1", "w1=-3", "x1=-2",
                          "w2=-3", "--gradcheck"], capsys)
    assert status == 0
    labels = [line.split("  ")[0] for line in out.splitlines()]
    assert "#10 w0*x0+w1*x1+w2" in labels
    assert not any(label.strip().startswith("#") and " " not in label.strip()
                   for label in labels)
