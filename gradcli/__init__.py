"""gradcli: see backpropagation, node by node.

    >>> import gradcli
    >>> result = gradcli.grad("(x+y)*z", {"x": -2, "y": 5, "z": -4})
    >>> result.value, result.gradients
    (-12.0, {'x': -4.0, 'y': -4.0, 'z': 3.0})

Errors are gradcli.GradcliError exceptions carrying a message, a source span and an
exit code. The API's functions (gradcli/api.py) are loaded on first use, so
`import gradcli` stays cheap.
"""

from __future__ import annotations

from gradcli.errors import (
    CheckFailed,
    ExitStatus,
    GradcliError,
    InputError,
    MathError,
    MissingProgram,
)
from gradcli.lazy import load

# The public functions, loaded on first use.
API = {name: f"gradcli.api:{name}"
       for name in ("grad", "batch", "check", "verify", "expect", "gradcheck", "why")}

__all__ = [*API, "GradcliError", "InputError", "MathError", "CheckFailed", "MissingProgram",
           "ExitStatus"]


def __getattr__(name: str):
    if name in API:
        return load(API[name])
    if name == "__version__":
        return _version()
    raise AttributeError(f"module 'gradcli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(API) | {"__version__"})


def _version() -> str:
    """The installed distribution's version (read on first use: the metadata costs start-up)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("gradcli")
    except PackageNotFoundError:
        return "unknown"
