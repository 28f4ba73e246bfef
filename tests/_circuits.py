"""The note's circuits, shared by the renderer tests."""

CIRCUITS = {
    "add_mul": ("(x+y)*z", {"x": -2.0, "y": 5.0, "z": -4.0}),
    "neuron": ("1/(1+exp(-(w0*x0+w1*x1+w2)))",
               {"w0": 2.0, "x0": -1.0, "w1": -3.0, "x1": -2.0, "w2": -3.0}),
    "gates": ("2*(x*y+max(z,w))", {"x": 3.0, "y": -4.0, "z": 2.0, "w": -1.0}),
    "staged": ("sigy = sigmoid(y)\nnum = x + sigy\nsigx = sigmoid(x)\nxpy = x + y\n"
               "xpysqr = xpy**2\nden = sigx + xpysqr\ninvden = 1.0 / den\nf = num * invden\n",
               {"x": 3.0, "y": -4.0}),
}


def report(name):
    from gradcli.compute import compute

    program, bindings = CIRCUITS[name]
    return compute(program, bindings)


def run(argv, capsys):
    """gradcli's main() in-process: (exit status, stdout, stderr)."""
    from gradcli.cli import main

    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err
