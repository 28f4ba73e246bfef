"""--gradcheck for array programs: a seeded sample of entries, as CS231n's grad_check_sparse.

For each input, a few random entries (ENTRIES_PER_INPUT, drawn with the given
seed, so a run can be repeated) are perturbed by ±h and the whole program is
replayed; the centered difference of sum(upstream * output) is compared with
that entry of the analytic gradient. Verdicts and thresholds are the scalar
check's (checks/results.py); a piecewise op whose branch changes between -h and
+h at some entry makes the verdict "kink" rather than "wrong".
"""

from __future__ import annotations

import math

import numpy as np

from gradcli.checks.results import GradcheckItem, GradcheckResult, relative_error, verdict_for
from gradcli.engine.arrays.sweep import replay
from gradcli.errors import GradcliError
from gradcli.program.graph import label

ENTRIES_PER_INPUT = 10      # grad_check_sparse's num_checks
BRANCH_SCAN_LIMIT = 10_000  # entries per piecewise node compared for a change of branch


def gradcheck_arrays(report, step: float, *, seed: int) -> GradcheckResult:
    graph = report.graph
    rng = np.random.RandomState(seed)
    upstream = np.asarray(report.upstream, dtype=float)
    out = graph.output
    piecewise = [i for i, op in enumerate(graph.ops) if op.branch is not None]
    items = []
    sampled_inputs = 0
    for name, node in graph.inputs.items():
        if not graph.requires_grad[node]:
            continue
        base = report.values[node]
        analytic_all = report.grads[node]
        sampled_inputs += 1
        if base.ndim == 0:
            positions = [()]
        else:
            count = min(ENTRIES_PER_INPUT, base.size)
            flat = rng.choice(base.size, size=count, replace=False)
            positions = [tuple(int(k) for k in np.unravel_index(i, base.shape)) for i in sorted(flat)]
        for position in positions:
            entry = f"{name}[{', '.join(str(k) for k in position)}]" if position else name
            analytic = float(analytic_all[position])
            plus, minus = base.copy(), base.copy()
            plus[position] += step
            minus[position] -= step
            try:
                after = replay(graph, {name: plus})
                before = replay(graph, {name: minus})
            except GradcliError:
                items.append(GradcheckItem(node, entry, "input", analytic, None, None, "undefined",
                                           f"{entry} ± h leaves the function's domain"))
                continue
            numeric = (float(np.sum(upstream * after[out])) - float(np.sum(upstream * before[out]))) \
                / (2 * step)
            if not (math.isfinite(numeric) and math.isfinite(analytic)):
                items.append(GradcheckItem(node, entry, "input", analytic, numeric, None,
                                           "undefined", "the gradient is not a finite number here"))
                continue
            error = relative_error(analytic, numeric)
            verdict = verdict_for(error)
            crossed = _branch_change(graph, piecewise, before, after) if verdict != "good" else None
            if crossed is not None:
                items.append(GradcheckItem(node, entry, "input", analytic, numeric, error, "kink",
                                           f"{label(graph, crossed)} switches branch between "
                                           f"{entry}-h and {entry}+h: a kink, not a wrong "
                                           "gradient"))
                continue
            items.append(GradcheckItem(node, entry, "input", analytic, numeric, error, verdict))
    count = len(items)
    scope = (f"a sample of {count} entr{'ies' if count != 1 else 'y'} of {sampled_inputs} "
             f"input{'s' * (sampled_inputs != 1)} (at most {ENTRIES_PER_INPUT} each, seed {seed})")
    return GradcheckResult(tuple(items), step, 0, 0, seed, scope)


def _branch_change(graph, piecewise, before, after) -> int | None:
    """The first piecewise node whose branch differs, at some entry, between the two replays."""
    for i in piecewise:
        op = graph.ops[i]
        args = list(graph.args(i))
        if before[i].size > BRANCH_SCAN_LIMIT:
            continue
        if op.max_args is None and len(args) == 1 and before[args[0]].ndim:
            # A max/min reduction: its branch is which entries attain the result, not an
            # entry-by-entry comparison of the result with its (larger) argument.
            axis = graph.params[i][1].get("axis")
            if not np.array_equal(_winners(before[args[0]], before[i], axis),
                                  _winners(after[args[0]], after[i], axis)):
                return i
            continue
        lo = np.broadcast_arrays(before[i], *[before[j] for j in args])
        hi = np.broadcast_arrays(after[i], *[after[j] for j in args])
        for position in np.ndindex(lo[0].shape):
            if op.branch(*(float(a[position]) for a in lo)) != \
                    op.branch(*(float(a[position]) for a in hi)):
                return i
    return None


def _winners(a, ans, axis):
    """Where a max/min reduction's argument attains its result (the same test as the report's tie)."""
    return a == (ans if axis is None else np.expand_dims(ans, axis))
