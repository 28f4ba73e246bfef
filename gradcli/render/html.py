"""--format html: one self-contained page that plays the backward pass one node at a time.

The page holds the circuit as inline SVG (render/layout.py's layered layout, so it never
needs Graphviz), the per-node table, the backward pass as numbered steps, the report's JSON
(exactly --format json), a few lines of CSS and a few KB of script, and no external URL.

With JavaScript off it is a static page: circuit, table and every step, all numbers shown.
The script turns it into a player: the steps show one at a time, the current node is
highlighted in the circuit and the table, and a gradient appears on a wire, or in a cell,
only once the backward pass has reached it (every such element says when, in data-at). All
numbers are written here, in Python, from the finished report: the script only shows and
hides, so the page and the table cannot disagree.

The same fragment, without the document around it, is what a report shows in a notebook.
"""

from __future__ import annotations

import html
import math

from gradcli.lang.ops import CONST
from gradcli.lang.printer import to_text
from gradcli.lang.simplify import local_rules
from gradcli.numbers import number_label
from gradcli.program.graph import column_label, label, node_text
from gradcli.render.circuit import ELIDED, build
from gradcli.render.explain import (
    FORK_TERMS,
    GENERIC_GATE,
    body,
    handle,
    reference,
    short_text,
)
from gradcli.render.layout import OUTPUT, lay_out
from gradcli.render.machine import dumps
from gradcli.render.python import variable_names
from gradcli.render.rows import FORK_LIMIT, make_row, warning_lines
from gradcli.render.settings import Settings, wrt_names
from gradcli.render.style import GRAD_COLOR, VALUE_COLOR

FONT = 13               # the circuit's text size, in pixels
CHAR = 7.4              # the width of one character of it, near enough for placing labels
RADIUS = 19             # the least radius of a gate's circle
TITLE_LIMIT = 80        # characters of the output's expression in the title
PROGRAM_LINES = 40      # lines of a staged program shown above the circuit
JSON_NODES = 500        # past this many nodes the page leaves the report's JSON out (its size)

STYLE = """
.gradcli{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1f2328;line-height:1.45;max-width:100%;outline:none}
.gradcli h1{font-size:1.25em;margin:.3em 0}
.gradcli h2{font-size:1.05em;margin:1em 0 .3em}
.gradcli code,.gradcli pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;
font-size:.92em}
.gradcli pre.program{background:#f6f8fa;padding:.5em .8em;border-radius:6px}
.gradcli .v{color:VALUE}.gradcli .g{color:GRAD}
.gradcli .figure{overflow:auto;border:1px solid #d0d7de;border-radius:6px;margin:.4em 0;
background:#fff}
.gradcli svg text{font-size:FONTpx;font-family:inherit;text-anchor:middle}
.gradcli svg .wire{fill:none;stroke:#57606a;stroke-width:1.4}
.gradcli svg .wire.elided{stroke-dasharray:5 4}
.gradcli svg .wire.active{stroke:GRAD;stroke-width:2.6}
.gradcli svg circle,.gradcli svg rect{fill:#fff;stroke:#24292f;stroke-width:1.4}
.gradcli svg rect{stroke-dasharray:5 4;fill:#f6f8fa}
.gradcli svg .name{font-weight:600}
.gradcli svg .t-name{font-size:11px;fill:#57606a}
.gradcli svg .input text{font-size:15px;font-style:italic}
.gradcli svg .label{paint-order:stroke;stroke:#fff;stroke-width:4px;stroke-linejoin:round}
.gradcli svg text.v{fill:VALUE}.gradcli svg text.g{fill:GRAD}
.gradcli svg .here circle{fill:#fff8c5;stroke:#bf8700;stroke-width:3}
.gradcli svg .here.input text{fill:#bf8700;font-weight:700}
.gradcli .legend{font-size:.9em;color:#57606a;margin:.2em 0}
.gradcli table{border-collapse:collapse;font-variant-numeric:tabular-nums;margin:.3em 0}
.gradcli th,.gradcli td{padding:2px 10px;text-align:left;border-bottom:1px solid #eaeef2;
vertical-align:top;white-space:nowrap}
.gradcli th{border-bottom:2px solid #d0d7de}
.gradcli td.n{text-align:right}
.gradcli tr.here td{background:#fff8c5}
.gradcli tr.fork td{color:#57606a;border-bottom:none}
.gradcli .later{visibility:hidden}
.gradcli .step{border-left:3px solid #d0d7de;padding:.1em .9em;margin:.5em 0}
.gradcli .step h3{font-size:1em;margin:.3em 0}
.gradcli .step p,.gradcli .step ul{margin:.25em 0}
.gradcli .step li{list-style:none;margin-left:-1.5em}
.gradcli.live .step{display:none}
.gradcli.live .step.current{display:block;border-left-color:#bf8700}
.gradcli .controls{margin:.4em 0}
.gradcli .controls button{font:inherit;padding:.2em .7em;margin-right:.3em;border:1px solid #d0d7de;
border-radius:6px;background:#f6f8fa;cursor:pointer}
.gradcli .controls .counter{margin:0 .6em;color:#57606a}
.gradcli .notes{font-size:.9em;color:#57606a}
""".replace("VALUE", VALUE_COLOR).replace("GRAD", GRAD_COLOR).replace("FONT", str(FONT))

# Shows one step at a time: which elements are "later" (data-at past the step), which nodes are
# "here" (data-id among the step's data-nodes), which wires carry the gradient now (data-to).
SCRIPT = """
(function () {
  function start(root) {
    root.setAttribute("data-live", "");
    root.classList.add("live");
    var steps = root.querySelectorAll(".step"), last = steps.length - 1, at = 0, timer = null;
    var timed = root.querySelectorAll("[data-at]"), nodes = root.querySelectorAll("[data-id]");
    var wires = root.querySelectorAll("[data-to]"), controls = root.querySelector(".controls");
    var counter = controls.querySelector(".counter"), play = controls.querySelector("[data-go=play]");
    function toggle(list, name, test) {
      for (var i = 0; i < list.length; i++) list[i].classList.toggle(name, test(list[i], i));
    }
    function show(k) {
      at = Math.max(0, Math.min(last, k));
      var here = " " + (steps[at].getAttribute("data-nodes") || "") + " ";
      toggle(steps, "current", function (e, i) { return i === at; });
      toggle(timed, "later", function (e) { return +e.getAttribute("data-at") > at; });
      toggle(nodes, "here", function (e) { return here.indexOf(" " + e.getAttribute("data-id") + " ") >= 0; });
      toggle(wires, "active", function (e) { return here.indexOf(" " + e.getAttribute("data-to") + " ") >= 0; });
      counter.textContent = "step " + at + " of " + last;
    }
    function stop() {
      if (timer) { clearInterval(timer); timer = null; play.textContent = "\\u25b6 play"; }
    }
    var moves = {first: function () { return 0; }, back: function () { return at - 1; },
                 next: function () { return at + 1; }, last: function () { return last; }};
    controls.addEventListener("click", function (event) {
      var go = event.target.getAttribute("data-go");
      if (go === "play") {
        if (timer) { stop(); return; }
        if (at === last) show(0);
        play.textContent = "\\u275a\\u275a pause";
        timer = setInterval(function () { if (at >= last) stop(); else show(at + 1); }, 1200);
      } else if (moves[go]) { stop(); show(moves[go]()); }
    });
    root.addEventListener("keydown", function (event) {
      var go = {ArrowRight: "next", ArrowLeft: "back", Home: "first", End: "last"}[event.key];
      if (go) { stop(); show(moves[go]()); event.preventDefault(); }
    });
    controls.hidden = false;
    show(0);
  }
  var roots = document.querySelectorAll(".gradcli:not([data-live])");
  for (var i = 0; i < roots.length; i++) start(roots[i]);
})();
"""

CONTROLS = ('<div class="controls" hidden><button type="button" data-go="first" title="the '
            'forward pass (Home)">&#xab; first</button><button type="button" data-go="back" '
            'title="back (&#x2190;)">&#x25c0; back</button><button type="button" data-go="next" '
            'title="next step (&#x2192;)">step &#x25b6;</button><button type="button" '
            'data-go="last" title="last step (End)">last &#xbb;</button><button type="button" '
            'data-go="play">&#x25b6; play</button><span class="counter"></span></div>')


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


class Page:
    """The page's parts for one report: which step reaches which node, and their numbers."""

    def __init__(self, report, settings: Settings):
        self.report = report
        self.settings = settings
        self.graph = graph = report.graph
        self.names = variable_names(report)
        gates = [i for i in range(graph.output, -1, -1)
                 if graph.arg_start[i + 1] > graph.arg_start[i] and graph.requires_grad[i]]
        limit = None if settings.show_all else settings.max_rows
        self.gates = gates[:limit]
        self.more = len(gates) - len(self.gates)
        self.step_of = {node: k for k, node in enumerate(self.gates, 1)}
        self.last = len(self.gates) + 1          # the inputs' step, after every gate's
        # The nodes too long to name by their text, which the story calls t1, t2, ... as
        # --explain and --format python do: the circuit writes that name under their gate.
        mentioned = {graph.output}
        for node in self.gates:
            mentioned.add(node)
            mentioned.update(graph.args(node))
        self.t_names = {i: self.names[i] for i in sorted(mentioned)
                        if i != graph.output and self.names[i] is not None
                        and graph.names[i] is None and short_text(report, i) is None}

    def number(self, value) -> str:
        return number_label(value, self.settings.precision)

    def at(self, node) -> int:
        """The step that reveals what `node` sends back (the inputs' step for the rest)."""
        return self.step_of.get(node, self.last)

    # -------------------------------------------------------------- the circuit

    def svg(self) -> str:
        report, settings = self.report, self.settings
        circuit = build(report, max_nodes=settings.max_nodes, show_all=settings.show_all)
        layout = lay_out(circuit)
        sizes = {}
        for gate in circuit.gates:
            if gate.kind == "gate":     # the circle holds the op (a name stands above it)
                sizes[gate.id] = max(RADIUS, CHAR * len(gate.subtitle or gate.title) / 2 + 7)
            elif gate.kind == "elided":
                sizes[gate.id] = CHAR * len(gate.title) / 2 + 10
            else:
                sizes[gate.id] = CHAR * len(gate.title) / 2 + 5
        out = circuit.output_name
        width, height = math.ceil(layout.width), math.ceil(layout.height)
        parts = [f'<svg class="circuit" width="{width}" height="{height}" '
                 f'viewBox="0 0 {width} {height}" role="img" aria-label="the circuit of '
                 f'{_e(out)}: values in green above each wire, gradients in red below">']
        wires = [(w.source, w.target, w.value, w.grad) for w in circuit.wires]
        if OUTPUT in layout.points:
            wires.append((circuit.output, OUTPUT, circuit.output_value, circuit.output_grad))
        labels = []
        # A wire's numbers go near the end where fewer wires meet, so that the numbers of
        # wires into one gate (or out of one fork) do not sit on each other.
        fan_out: dict = {}
        fan_in: dict = {}
        taken: list = []        # the boxes of the numbers placed so far
        for source, target, _, _ in wires:
            fan_out[source] = fan_out.get(source, 0) + 1
            fan_in[target] = fan_in.get(target, 0) + 1
        for source, target, value, grad in wires:
            x0, y0 = layout.points[source]
            x1, y1 = layout.points[target]
            x0 += sizes.get(source, 0)
            x1 -= sizes.get(target, CHAR * len(out) / 2 + 5)
            bend = max((x1 - x0) / 2, 10)
            path = (f"M{x0:.1f},{y0:.1f} C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} "
                    f"{x1:.1f},{y1:.1f}")
            to = "output" if target == OUTPUT else str(target)
            if source == ELIDED:
                parts.append(f'<path class="wire elided" data-to="{to}" d="{path}"/>')
                continue
            parts.append(f'<path class="wire" data-to="{to}" d="{path}"/>')
            texts = [self.number(value)] + ([self.number(grad)] if grad is not None else [])
            half = CHAR * max(len(t) for t in texts) / 2 + 2
            lx, ly = _label_point(x0, y0, x1, y1, bend, fan_in[target] > fan_out[source],
                                  half, taken)
            taken.append((lx - half, ly - FONT - 7, lx + half, ly + FONT + 7))
            labels.append(f'<text class="label v" x="{lx:.1f}" y="{ly - 7:.1f}">'
                          f'{_e(self.number(value))}</text>')
            if grad is not None:
                at = 1 if target == OUTPUT else self.at(target)
                labels.append(f'<text class="label g" data-at="{at}" x="{lx:.1f}" '
                              f'y="{ly + FONT + 3:.1f}">{_e(self.number(grad))}</text>')
        for gate in circuit.gates:
            x, y = layout.points[gate.id]
            r = sizes[gate.id]
            if gate.kind == "elided":
                parts.append(f'<g class="node elided"><rect x="{x - r:.1f}" y="{y - 14:.1f}" '
                             f'width="{2 * r:.1f}" height="28" rx="4"/><text x="{x:.1f}" '
                             f'y="{y + 4.5:.1f}">{_e(gate.title)}</text></g>')
                continue
            kind = {"variable": "input", "constant": "constant"}.get(gate.kind, "gate")
            shape = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>' if kind == "gate" else ""
            name = ""
            face = gate.title
            if gate.subtitle:       # a named intermediate: its name above, its op inside
                name = (f'<text class="name" x="{x:.1f}" y="{y - r - 6:.1f}">'
                        f'{_e(gate.title)}</text>')
                face = gate.subtitle
            if gate.id in self.t_names:
                name = (f'<text class="t-name" x="{x:.1f}" y="{y + r + FONT + 2:.1f}">'
                        f"{_e(self.t_names[gate.id])}</text>")
            parts.append(f'<g class="node {kind}" data-id="{gate.id}">{shape}{name}'
                         f'<text x="{x:.1f}" y="{y + 4.5:.1f}">{_e(face)}</text></g>')
        if OUTPUT in layout.points:
            x, y = layout.points[OUTPUT]
            parts.append(f'<g class="node input output"><text x="{x:.1f}" y="{y + 5:.1f}">'
                         f'{_e(out)}</text></g>')
        parts.extend(labels)        # over the wires and gates, so no line crosses a number
        parts.append("</svg>")
        note = f'<p class="notes">{_e(circuit.note)}.</p>' if circuit.note else ""
        return ('<div class="figure">' + "".join(parts) + "</div>\n"
                '<p class="legend">Each wire carries its value (<span class="v">green</span>, '
                'above) forward and its gradient (<span class="g">red</span>, below) back.</p>'
                + note)

    # -------------------------------------------------------------- the steps

    def steps(self) -> str:
        report, graph = self.report, self.graph
        out = report.output_name
        sections = [f'<section class="step" data-step="0" data-nodes=""><h3>Step 0: the forward '
                    f'pass</h3><p>Every wire carries its value, in <span class="v">green</span>: '
                    f'{_e(out)} = <span class="v">{_e(self.number(report.value))}</span>. The '
                    f'backward pass starts at the output with ∂{_e(out)}/∂{_e(out)} = '
                    f'<span class="g">1</span> and goes back one gate at a time.</p>'
                    + self.where() + '</section>']
        for k, node in enumerate(self.gates, 1):
            sections.append(self.step(k, node))
        if self.more:
            sections.append(f'<p class="notes">… {self.more:,} more steps are not shown '
                            "(--all shows every step).</p>")
        inputs = list(graph.inputs.items())
        items = []
        for name, node in inputs:
            fork = self.fork(node, "    ")
            items.append(f'<li data-input="{_e(name)}">∂{_e(out)}/∂{_e(name)} = '
                         f'<span class="g grad">{_e(self.number(report.grads[node]))}</span>'
                         f"{fork}</li>")
        ids = " ".join(str(node) for _, node in inputs)
        text = ("<ul>" + "".join(items) + "</ul>") if items else \
            "<p>The program has no inputs, so there are no gradients on inputs.</p>"
        sections.append(f'<section class="step" data-step="{self.last}" data-nodes="{ids}">'
                        f"<h3>Step {self.last}: the gradients on the inputs</h3>{text}</section>")
        return ("<h2>The backward pass, step by step</h2>\n" + CONTROLS + "\n"
                + "\n".join(sections) + "\n")

    def where(self) -> str:
        """The t-names' definitions, as --explain writes them."""
        if not self.t_names:
            return ""
        items = "".join(f"<li><code>{_e(name)} = {_e(body(self.report, i, self.names))}</code>"
                        "</li>" for i, name in self.t_names.items())
        return f"<p>Where (each written under its gate):</p><ul>{items}</ul>"

    def step(self, k: int, node: int) -> str:
        report, graph, names = self.report, self.graph, self.names
        out = report.output_name
        op = graph.ops[node]
        me = handle(report, node, names)
        title = body(report, node, names)
        if me != title:
            title = f"{me} = {title}"
        upstream = report.grads[node]
        args = list(graph.args(node))
        gate = op.gate.format(*[handle(report, a, names) for a in args]) if op.gate \
            else GENERIC_GATE
        rules = local_rules(op, reference(report, node, names),
                            [reference(report, a, names) for a in args])
        start = graph.arg_start[node]
        edges = []
        for i, a in enumerate(args):
            if not graph.requires_grad[a]:
                continue
            target = handle(report, a, names)
            local = report.local[start + i]
            if local is None or getattr(local, "ndim", 0):
                # An array edge: the op's VJP sends it back; no local Jacobian is built.
                edges.append(f'<li data-target="{a}" data-edge="{i}">→ <code>{_e(target)}'
                             f'</code> receives <span class="g sends">'
                             f"{_e(self.number(report.downstream[start + i]))}</span></li>")
                continue
            rule = rules[i]
            rule_text = ""
            if rule is not None and rule.kind != "number":
                rule_text = to_text(rule, limit=60)
                rule_text = "" if rule_text == self.number(local) else f"<code>{_e(rule_text)}</code> = "
            sent = local * upstream if upstream else 0.0
            edges.append(f'<li data-target="{a}" data-edge="{i}">→ <code>{_e(target)}</code>: '
                         f"local ∂{_e(me)}/∂{_e(target)} = {rule_text}<span class=\"local\">"
                         f"{_e(self.number(local))}</span>; sends "
                         f"{_e(self.number(local))} × <span class=\"g\">"
                         f"{_e(self.number(upstream))}</span> = <span class=\"g sends\">"
                         f"{_e(self.number(sent))}</span></li>")
        warnings = "".join(f'<p class="notes">{_e(line)}</p>'
                           for line in warning_lines(report, "!", report.warnings_for(node)))
        return (f'<section class="step" data-step="{k}" data-node="{node}" data-nodes="{node}">'
                f"<h3>Step {k}: <code>{_e(title)}</code>, {_article(op.name)} {_e(op.name)} "
                f'gate, value <span class="v">{_e(self.number(report.values[node]))}</span></h3>'
                f"{self.fork(node, '')}"
                f"<p>Upstream gradient ∂{_e(out)}/∂{_e(me)} = <span class=\"g upstream\">"
                f"{_e(self.number(upstream))}</span>.</p>"
                f"<p>{_e(_article(op.name).capitalize())} {_e(op.name)} gate {_e(gate)}.</p>"
                f"<ul>{''.join(edges)}</ul>{warnings}</section>")

    def fork(self, node: int, indent: str) -> str:
        """Where a value is used more than once, its contributions adding up to its gradient."""
        report = self.report
        contributions = report.contributions(node)
        if len(contributions) < 2:
            return ""
        if len(contributions) > FORK_TERMS:
            return (f'<p class="fork">At this fork the gradients add up: it is used '
                    f"{len(contributions):,} times, and the {len(contributions):,} "
                    f"contributions add up to <span class=\"g\">"
                    f"{_e(self.number(report.grads[node]))}</span>.</p>")
        terms = " + ".join(f'<span class="g contribution" data-from="{consumer}">'
                           f"{_e(self.number(amount))}</span> (from "
                           f"<code>{_e(handle(report, consumer, self.names))}</code>)"
                           for consumer, amount in contributions)
        return (f'<p class="fork">At this fork the gradients add up: it is used '
                f"{len(contributions)} times, so {terms} = <span class=\"g\">"
                f"{_e(self.number(report.grads[node]))}</span>.</p>")

    # -------------------------------------------------------------- the table

    def table(self) -> str:
        report, graph, settings = self.report, self.graph, self.settings
        out = report.output_name
        shown = [i for i in range(len(graph.ops)) if settings.show_all or graph.ops[i] is not CONST]
        hidden = len(graph.ops) - len(shown)
        if not settings.show_all and len(shown) > settings.max_rows:
            half = settings.max_rows // 2
            cut = len(shown) - 2 * half
            shown = shown[:half] + [None] + shown[-half:]
        else:
            cut = 0
        rows = [f"<tr><th>node</th><th>op</th><th>value</th><th>∂{_e(out)}/∂node</th>"
                "<th>local</th><th>downstream</th></tr>"]
        for node in shown:
            if node is None:
                rows.append(f'<tr><td colspan="6" class="notes">… {cut:,} nodes in the middle '
                            "are not shown (--all shows every row)</td></tr>")
                continue
            rows.extend(self.rows_of(node))
        summary = [f"{_e(out)} = <span class=\"v\">{_e(self.number(report.value))}</span>"]
        for name in wrt_names(report, settings):
            summary.append(f"<span data-at=\"{self.last}\">∂{_e(out)}/∂{_e(name)} = <span class=\"g\">"
                           f"{_e(self.number(report.gradient(name)))}</span></span>")
        notes = [f"local = ∂node/∂input; downstream = ∂{out}/∂node × local, sent to that input."]
        if hidden:
            notes.append(f"{hidden} constant node{'s' * (hidden != 1)} not shown (--all shows "
                         "them).")
        notes.extend(warning_lines(report))
        return ("<h2>Every node</h2>\n<table class=\"nodes\">" + "".join(rows) + "</table>\n"
                "<p>" + " &nbsp; ".join(summary) + "</p>\n"
                + "".join(f'<p class="notes">{_e(note)}</p>' for note in notes) + "\n")

    def rows_of(self, node: int) -> list[str]:
        """The node's rows, as the terminal table has them: its local rules and numbers from
        rows.make_row; an array program's edges, which have no local number, by what they send."""
        report, graph = self.report, self.graph
        op = graph.ops[node]
        grad = report.grads[node] if graph.requires_grad[node] else None
        at = self.at(node)
        if report.domain == "array":
            start = graph.arg_start[node]
            edges = [(f"∂/∂{label(graph, a)}", report.downstream[start + i])
                     for i, a in enumerate(graph.args(node)) if graph.requires_grad[a]]
        else:
            edges = [(f"∂/∂{e.target} = " + (f"{e.rule} = " if e.rule else "")
                      + self.number(e.local), e.downstream) for e in make_row(report, node).edges]
        edges = edges or [("", None)]
        cells = []
        grad_cell = (f'<td class="n g" data-at="{at}">{_e(self.number(grad))}</td>'
                     if grad is not None else '<td class="n">—</td>')
        for k, (local, sent) in enumerate(edges):
            lead = (f"<td><code>{_e(column_label(graph, node))}</code></td><td>{_e(op.name)}</td>"
                    f'<td class="n v">{_e(self.number(report.values[node]))}</td>{grad_cell}'
                    if k == 0 else "<td></td><td></td><td></td><td></td>")
            down = f'<td class="n g" data-at="{at}">{_e(self.number(sent))}</td>' \
                if sent is not None else "<td></td>"
            local_cell = f'<td data-at="{at}">{_e(local)}</td>' if local else "<td></td>"
            cells.append(f'<tr data-id="{node}">{lead}{local_cell}{down}</tr>'
                         if k == 0 else f"<tr>{lead}{local_cell}{down}</tr>")
        contributions = report.contributions(node) if graph.requires_grad[node] else []
        if len(contributions) > FORK_LIMIT:
            # As the terminal table does: the largest few, and the rest summed.
            ranked = sorted(contributions, key=lambda c: -abs(c[1]))
            rest = ranked[FORK_LIMIT - 1:]
            contributions = sorted(ranked[:FORK_LIMIT - 1], key=lambda c: -c[0])
            contributions.append((None, sum(amount for _, amount in rest)))
            more = f"{len(rest):,} more"
        if len(contributions) > 1:
            for consumer, amount in contributions:
                source = more if consumer is None else label(graph, consumer)
                cells.append(f'<tr class="fork"><td>&nbsp;&nbsp;← <code>'
                             f"{_e(source)}</code></td><td></td><td></td>"
                             f'<td class="n g" data-at="{self.at(consumer)}">'
                             f"{_e(self.number(amount))}</td><td></td><td></td></tr>")
        return cells

    # -------------------------------------------------------------- the whole

    def fragment(self) -> str:
        report, graph = self.report, self.graph
        out = report.output_name
        title = f"{out} = {node_text(graph, graph.output, limit=TITLE_LIMIT)}"
        point = ", ".join(f"{_e(name)} = <span class=\"v\">"
                          f"{_e(self.number(report.values[node]))}</span>"
                          for name, node in graph.inputs.items())
        source = graph.source.strip()
        lines = source.split("\n")
        if len(lines) > PROGRAM_LINES:
            source = "\n".join(lines[:PROGRAM_LINES]) + \
                f"\n… {len(lines) - PROGRAM_LINES:,} more lines"
        program = f'<pre class="program">{_e(source)}</pre>\n' if "\n" in source or ";" in source \
            else ""
        if len(graph.ops) <= JSON_NODES:
            data = dumps(report.to_json()).strip().replace("</", "<\\/").replace("<!--", "<\\!--")
            data = f'<script type="application/json" class="gradcli-report">{data}</script>\n'
        else:
            data = (f'<p class="notes">The report\'s JSON is left out of the page of a program '
                    f"of more than {JSON_NODES:,} nodes: --format json writes it.</p>\n")
        return (f'<div class="gradcli" tabindex="0">\n<style>{STYLE}</style>\n'
                f"<h1>Backpropagation through <code>{_e(title)}</code></h1>\n{program}"
                + (f"<p>At {point}: {_e(out)} = <span class=\"v\">"
                   f"{_e(self.number(report.value))}</span>.</p>\n" if point else "")
                + self.svg() + "\n" + self.steps() + self.table()
                + data + f"<script>{SCRIPT}</script>\n</div>\n")


def _label_point(x0: float, y0: float, x1: float, y1: float, bend: float, near_source: bool,
                 half: float, taken: list) -> tuple[float, float]:
    """Where a wire's numbers go: on the curve, half a column from the gate it leaves or the
    one it feeds (the middle of a short wire), found on the Bézier curve by its x; elsewhere
    along the wire where that spot would cover numbers already placed."""
    middle = x0 + (x1 - x0) / 2
    near = [min(middle, x0 + 62), max(middle, x1 - 62)]
    wanted = near if near_source else near[::-1]
    wanted += [x0 + (x1 - x0) * k / 8 for k in (4, 3, 5, 2, 6, 1, 7)]
    points = []
    for k in range(81):
        t = k / 80
        s = 1 - t
        x = s ** 3 * x0 + 3 * s * s * t * (x0 + bend) + 3 * s * t * t * (x1 - bend) + t ** 3 * x1
        y = s ** 3 * y0 + 3 * s * s * t * y0 + 3 * s * t * t * y1 + t ** 3 * y1
        points.append((x, y))
    first = None
    for want in wanted:
        x, y = min(points, key=lambda p: abs(p[0] - want))
        box = (x - half, y - FONT - 7, x + half, y + FONT + 7)
        if first is None:
            first = (x, y)
        if not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]
                   for b in taken):
            return x, y
    return first


def fragment(report, settings: Settings) -> str:
    """The page without the document around it: what a report shows in a notebook."""
    return Page(report, settings).fragment()


def render(report, settings: Settings) -> str:
    """The whole page, one file with nothing to fetch."""
    page = Page(report, settings)
    title = f"gradcli: {report.output_name} = " \
        f"{node_text(report.graph, report.graph.output, limit=TITLE_LIMIT)}"
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{_e(title)}</title>\n</head>\n<body>\n{page.fragment()}</body>\n</html>\n")
