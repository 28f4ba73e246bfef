"""gradcli: see backpropagation, node by node.

    >>> import gradcli
    >>> result = gradcli.grad("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    >>> result.value, result.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})

Errors are gradcli.GradcliError exceptions carrying a message, a source span and an
exit code. Heavy modules are imported on first use, so `import gradcli` stays cheap.
"""

from __future__ import annotations

from gradcli.errors import (CheckFailed, ExitStatus, GradcliError, InputError, MathError,
                            MissingProgram)

__all__ = ["grad", "GradcliError", "InputError", "MathError", "CheckFailed", "MissingProgram",
           "ExitStatus"]


def grad(program: str, /, bindings: dict[str, float] | None = None, *, output: str | None = None,
         filename: str | None = None, seed: int = 0, upstream="ones", **values: float):
    """Differentiate a program: its output with respect to every input and intermediate.

    `program` is positional-only, so an input may be called anything: bindings come as
    a dict or as keywords (`grad("x*y", x=2, y=3)`). Returns a Report with `.value`,
    `.gradients` (input name -> ∂output/∂input), `.nodes` and `.warnings`.

    Arrays (lists or numpy arrays) make an array program: `seed` seeds its random arrays
    and `upstream` ("ones", "randn" or an array) starts the reverse sweep of an array output.
    """
    from gradcli.report import compute

    merged = dict(bindings or {})
    for name, value in values.items():
        if name in merged:
            raise InputError(f"{name!r} is given twice")
        merged[name] = value
    return compute(program, merged, output=output, filename=filename, seed=seed,
                   upstream=upstream)
