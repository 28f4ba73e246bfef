"""The Python API: gradcli's commands as functions returning data.

    >>> import gradcli
    >>> result = gradcli.grad("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    >>> result.value, result.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})

Errors are gradcli.GradcliError exceptions carrying a message, a source span and an exit code.
"""

from __future__ import annotations

import os

from gradcli.checks.expect import evaluate, expectations_from
from gradcli.checks.gradcheck import gradcheck as run_gradcheck
from gradcli.checks.verify import verify as run_verify
from gradcli.checks.why import SMALL
from gradcli.checks.why import why as find_why
from gradcli.cli.io import class_files, read_document
from gradcli.compute import compute
from gradcli.errors import GradcliError, InputError
from gradcli.grading.grade import KeyFolder, grade_files, load_problems
from gradcli.program.bindings import reword_missing
from gradcli.program.scalar_only import refuse_arrays
from gradcli.records.lines import batch as run_batch
from gradcli.render import display  # noqa: F401  (results show themselves: see gradcli/display.py)


def _program(program, what: str = "the program") -> str:
    """Refuse a non-string program up front, as a GradcliError rather than an AttributeError
    from deep inside the parser."""
    if not isinstance(program, str):
        raise InputError(f"{what} must be a string of gradcli code, not "
                         f"{type(program).__name__}")
    return program


class _bindings_hint:
    """A missing input is given in `bindings` here, not on the command line."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, GradcliError):
            reword_missing(error, "in bindings",
                           lambda names: "{" + ", ".join(f"{n!r}: 1" for n in names) + "}")
        return False


def grad(program: str, /, bindings: dict[str, float] | None = None, *, output: str | None = None,
         filename: str | None = None, seed: int = 0, upstream="ones", **values: float):
    """Differentiate a program: its output with respect to every input and intermediate.

    `program` is positional-only, so an input may be called anything: bindings come as
    a dict or as keywords (`grad("x*y", x=2, y=3)`). Returns a Report with `.value`,
    `.gradients` (input name -> ∂output/∂input), `.nodes` and `.warnings`.

    Arrays (lists or numpy arrays) make an array program: `seed` seeds its random arrays
    and `upstream` ("ones", "randn" or an array) starts the reverse sweep of an array output.
    """
    merged = dict(bindings or {})
    for name, value in values.items():
        if name in merged:
            raise InputError(f"{name!r} is given twice")
        merged[name] = value
    with _bindings_hint():
        return compute(_program(program), merged, output=output, filename=filename, seed=seed,
                       upstream=upstream)


def batch(lines, /, bindings: dict[str, float] | None = None, **options):
    """Records for every program line of `lines` (a string, a file, any iterable of lines), lazily.

    Each Record has .number (its 1-based physical line), .program, .value, .gradients,
    .report, .error, .expect, .gradcheck and .status (0 fine, 1 a check failed, else the
    error's exit code). Options: expectations=
    {"value": -12, "d/dx": -4}, rtol=, atol=, gradcheck=True, step=, hide_answers=.
    """
    return run_batch(lines, bindings, **options)


def check(*paths, problems=None, **options):
    """Grade answer files (TOML) or folders of them; returns one FileResult per file
    (.score, .passed, .failed, .student, .error for a file that could not be read).

    `problems`: the path of the TA's problem file, or of the folder of per-student keys
    `gradcli gen` writes; programs, points, marks and tolerances then come from it and only
    the answers from each file. Options: hide_answers=, gradcheck=, rtol=, atol=."""
    if problems is None:
        key = None
    elif os.path.isdir(problems):
        key = KeyFolder(str(problems))
    else:
        key = load_problems(*read_document(problems, "a TOML file of problems"))

    def sources():
        for path in class_files(paths, (".toml",), "answers", skip=[problems]):
            try:
                yield read_document(path, "a TOML file of answers")
            except GradcliError as error:
                yield error, str(path)

    return grade_files(sources(), problems=key, **options)


def verify(source: str, /, bindings: dict[str, float] | None = None, *,
           filename: str | None = None, seed: int = 0):
    """Check a forward pass followed by a hand-written backward pass; returns a VerifyResult
    (.ok, .findings with line numbers and messages, .gradients). `seed` seeds the random
    arrays of a program with arrays, as np.random.seed(seed) would."""
    with _bindings_hint():
        return run_verify(_program(source, "the source"), bindings, filename=filename, seed=seed)


def expect(program: str, /, claims, bindings: dict[str, float] | None = None, **tolerances):
    """Compare claimed answers ({"value": -12, "d/dx": -4}) with gradcli's; returns an ExpectResult."""
    with _bindings_hint():
        return evaluate(compute(_program(program), bindings), expectations_from(claims),
                        **tolerances)


def why(program: str, /, bindings: dict[str, float] | None = None, *, small: float = SMALL):
    """Why each gradient of an input or named value that is 0, or below `small` of the
    largest, is so; returns a WhyResult (.quiet: each such gradient and its reasons)."""
    if not 0 <= small < float("inf"):
        raise InputError("small must be a finite number >= 0, like 1e-6")
    with _bindings_hint():
        report = compute(_program(program), bindings)
    if report.domain != "scalar":
        raise refuse_arrays("why", report)
    return find_why(report, small)


def gradcheck(program: str, /, bindings: dict[str, float] | None = None, *, step: float = 1e-5,
              seed: int = 0):
    """Analytic gradients against centered differences; returns a GradcheckResult (.passed)."""
    with _bindings_hint():
        return run_gradcheck(compute(_program(program), bindings), step, seed=seed)
