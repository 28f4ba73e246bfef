"""Random smooth expressions and their Hessians by SymPy at 30 digits: the reference the
second-order engine is tested against (test_second_order.py).

SymPy takes about 15 s for all of them, too long for every test run, so the references are
kept in tests/data/sympy_hessians.json; the test checks that the file holds exactly the
expressions this module makes, and recomputes a sample of them with SymPy itself. After
changing the generator, rewrite the file:

    .venv/bin/python tests/_sympy_hessians.py
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

CACHE = Path(__file__).resolve().parent / "data" / "sympy_hessians.json"
COUNT = 320
SEED = 13
NAMES = ("x", "y", "z")
UNARY = ("sin", "cos", "tanh", "exp", "sigmoid", "atan", "softplus", "log1p2", "sqrt1p2", "sq",
         "cube", "neg")


def _expression(rng: random.Random, depth: int) -> str:
    """A gradcli expression that is smooth and defined everywhere (logs, roots and quotients of
    1 + u², never of u)."""
    if depth == 0 or rng.random() < 0.2:
        if rng.random() < 0.85:
            return rng.choice(NAMES)
        return repr(round(rng.uniform(-2.0, 2.0), 2))
    if rng.random() < 0.45:
        op, a = rng.choice(UNARY), _expression(rng, depth - 1)
        return {"log1p2": f"log(1 + ({a})^2)", "sqrt1p2": f"sqrt(1 + ({a})^2)",
                "sq": f"({a})^2", "cube": f"({a})^3", "neg": f"-({a})"}.get(op, f"{op}({a})")
    op, a, b = rng.choice("+-*/"), _expression(rng, depth - 1), _expression(rng, depth - 1)
    if op == "/":
        return f"({a}) / (1 + ({b})^2)"
    return f"({a}) {op} ({b})"


def cases() -> list[tuple[str, dict[str, float]]]:
    """(expression, point) pairs, the same on every run; each uses at least one input."""
    rng = random.Random(SEED)
    out = []
    while len(out) < COUNT:
        text = _expression(rng, 4)
        if not re.search(r"\b[xyz]\b", text):
            continue
        point = {name: round(rng.uniform(-1.5, 1.5), 3) for name in NAMES}
        out.append((text, point))
    return out


def reference(text: str, point: dict[str, float]) -> list[list[str]]:
    """The Hessian over x, y, z at the point (the floats' exact binary values), 25 digits."""
    import mpmath
    import sympy as sp

    symbols = sp.symbols(NAMES)
    local = {"sigmoid": lambda u: 1 / (1 + sp.exp(-u)),
             "softplus": lambda u: sp.log(1 + sp.exp(u)), "atan": sp.atan,
             **dict(zip(NAMES, symbols))}
    f = sp.sympify(text.replace("^", "**"), locals=local)
    first = [sp.diff(f, s) for s in symbols]
    entries = [[sp.diff(first[i], symbols[j]) for j in range(len(symbols))]
               for i in range(len(symbols))]
    mpmath.mp.dps = 30
    evaluate = sp.lambdify(symbols, entries, "mpmath")
    values = evaluate(*[mpmath.mpf(point[name]) for name in NAMES])
    return [[mpmath.nstr(v, 25) for v in row] for row in values]


def write_cache() -> None:
    data = [{"expression": text, "point": point, "hessian": reference(text, point)}
            for text, point in cases()]
    lines = ",\n".join(json.dumps(case, ensure_ascii=False) for case in data)
    CACHE.write_text(f"[\n{lines}\n]\n", encoding="utf-8")


if __name__ == "__main__":
    write_cache()
