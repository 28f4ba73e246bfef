"""gradcli plot: f and f′ (and f″) drawn, in the terminal with braille dots, as SVG, or as
JSON samples.

One panel per curve, stacked, sharing the x axis: f (green, as the table's values), ∂f/∂x
(red, as its gradients), ∂²f/∂x² (magenta). Kinks and points where the derivative does not
exist are marked on each x axis (×) and listed under the plot; the tangent line at --at is
drawn over f. The terminal plot is as wide as the window (80 columns when it is not a
terminal); nothing here needs a plotting library.
"""

from __future__ import annotations

import math
import textwrap

from gradcli.numbers import format_number, json_number
from gradcli.render.machine import dumps

DIGITS = 4
ROWS = 9                 # rows of a panel when the height is not the window's
MIN_ROWS, MAX_ROWS = 4, 16
F_STYLE, DF_STYLE, D2F_STYLE, TANGENT_STYLE, MARK_STYLE = (
    "green", "red", "magenta", "yellow", "bold yellow")
SVG_COLORS = {"f": "#1a8f3a", "df": "#d62728", "d2f": "#8e44ad", "tangent": "#e69f00",
              "mark": "#555555"}


def _num(value: float) -> str:
    return format_number(value, DIGITS)


# ------------------------------------------------------------------ what is drawn

class Curve:
    """One panel's curve: its title, samples, and the segments not to join (gaps)."""

    def __init__(self, key: str, title: str, style: str, ys: list, breaks: set):
        self.key, self.title, self.style, self.ys, self.breaks = key, title, style, ys, breaks


def curves(result) -> list[Curve]:
    data = result.data
    samples = data.samples
    out_name = data.graph.output_name
    x = data.name
    # A segment between two samples on different branches straddles a kink: the derivatives
    # are not joined across it, f only where it jumps.
    straddles = {k for k in range(len(samples) - 1)
                 if samples[k].branches != samples[k + 1].branches}
    jumps = set()
    for k in straddles:
        lo, hi = samples[k].x, samples[k + 1].x
        if any(kink.kind == "jump" and lo <= kink.x <= hi for kink in data.kinks):
            jumps.add(k)
    made = [Curve("f", f"{out_name} = {result.title}", F_STYLE, [s.f for s in samples], jumps),
            Curve("df", f"∂{out_name}/∂{x}", DF_STYLE, [s.df for s in samples], straddles)]
    if result.second:
        made.append(Curve("d2f", f"∂²{out_name}/∂{x}²", D2F_STYLE, [s.d2f for s in samples],
                          straddles))
    return made


def y_range(ys: list) -> tuple[float, float] | None:
    """The values' range, ignoring a few far-out ones (a derivative that grows without bound
    near sqrt's 0 would flatten the rest); None when nothing is finite."""
    finite = sorted(y for y in ys if math.isfinite(y))
    if not finite:
        return None
    lo, hi = finite[0], finite[-1]
    k = len(finite) // 20
    if k:
        p5, p95 = finite[k], finite[-1 - k]
        spread = p95 - p5
        if spread > 0 and hi - lo > 20 * spread:
            lo, hi = max(lo, p5 - spread), min(hi, p95 + spread)
    if hi - lo <= 1e-12 * max(1.0, abs(hi)):
        pad = max(1.0, abs(hi)) * 0.5
        return lo - pad, hi + pad
    return lo, hi


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round numbers spanning [lo, hi], about `count` of them (1, 2 or 5 times a power of 10)."""
    span = hi - lo
    if not (span > 0 and math.isfinite(span)):
        return [lo]
    raw = span / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(lo / step - 1e-9)
    ticks = []
    k = first
    while k * step <= hi + step * 1e-9:
        ticks.append(round(k * step, 12) + 0.0)
        k += 1
    return ticks


def legend(result) -> list[tuple[str, str]]:
    """(text, kind) lines under a plot: the tangent, the kinks, gaps, the inputs held."""
    data = result.data
    x = data.name
    out_name = data.graph.output_name
    lines = []
    if data.tangent is not None:
        a, fa, slope = data.tangent
        lines.append((f"tangent at {x} = {_num(a)}: {_num(fa)} + {_num(slope)}·({x} − {_num(a)})",
                      "tangent"))
    for kink in data.kinks:
        where = f"× {x} = {_num(kink.x)}: "
        if kink.kind == "infinite" and kink.where:
            text = (f"{kink.where}: ∂{out_name}/∂{x} grows without bound, no derivative "
                    "there")
        elif kink.kind == "infinite":
            text = f"∂{out_name}/∂{x} is infinite: no derivative there"
        elif kink.kind == "jump":
            text = f"{kink.where} jumps: {out_name} has no derivative there"
        elif kink.kind == "kink":
            text = (f"{kink.where} has a kink: ∂{out_name}/∂{x} jumps from {_num(kink.left)} to "
                    f"{_num(kink.right)}")
        else:
            text = f"{kink.where} switches branch: ∂²{out_name}/∂{x}² jumps"
        lines.append((where + text, "mark"))
        if kink.message:
            lines.append((f"  ({kink.message})", "note"))
    undefined = sum(1 for s in data.samples if not math.isfinite(s.f))
    if undefined:
        lines.append((f"{out_name} is not defined at {undefined} of {len(data.samples)} samples "
                      "(gaps)", "note"))
    if data.held:
        lines.append(("held: " + ", ".join(f"{k} = {_num(v)}" for k, v in data.held.items()),
                      "note"))
    return lines


# ------------------------------------------------------------------ the terminal

# Braille dot bits by (column, row) inside a cell of 2 × 4 dots.
_DOTS = ((0x01, 0x02, 0x04, 0x40), (0x08, 0x10, 0x20, 0x80))


class Canvas:
    """Braille cells; each remembers the style of the layer that last drew in it."""

    def __init__(self, cols: int, rows: int):
        self.cols, self.rows = cols, rows
        self.bits = [[0] * cols for _ in range(rows)]
        self.styles = [[""] * cols for _ in range(rows)]
        self.rank = [[-1] * cols for _ in range(rows)]

    def dot(self, px: int, py: int, style: str, rank: int) -> None:
        if 0 <= px < 2 * self.cols and 0 <= py < 4 * self.rows:
            row, col = py // 4, px // 2
            self.bits[row][col] |= _DOTS[px % 2][py % 4]
            if rank >= self.rank[row][col]:
                self.rank[row][col] = rank
                self.styles[row][col] = style

    def line(self, x0: int, y0: int, x1: int, y1: int, style: str, rank: int,
             every: int = 1) -> None:
        steps = max(abs(x1 - x0), abs(y1 - y0), 1)
        for k in range(steps + 1):
            if k % every == 0:
                self.dot(round(x0 + (x1 - x0) * k / steps), round(y0 + (y1 - y0) * k / steps),
                         style, rank)


class TerminalPlot:
    """The stacked panels as text, as wide as the console."""

    def __init__(self, result):
        self.result = result

    def __rich_console__(self, console, options):
        from rich.text import Text

        for text, style in self.lines(options.max_width, self._rows(console)):
            line = Text()
            for piece, piece_style in text:
                line.append(piece, style=piece_style or None)
            yield line

    def _rows(self, console) -> int:
        panels = 3 if self.result.second else 2
        if not console.is_terminal:
            return ROWS
        spare = console.height - 3 - panels * 3 - len(legend(self.result))
        return max(MIN_ROWS, min(MAX_ROWS, spare // panels))

    def lines(self, width: int, rows: int) -> list:
        """[(pieces, style)], each pieces a list of (text, style)."""
        result = self.result
        data = result.data
        made = curves(result)
        ranges = [y_range(c.ys) for c in made]
        tick_sets = [self._y_labels(r) for r in ranges]
        label_width = max([len(t) for ticks in tick_sets for t in ticks] + [1])
        cols = max(10, width - label_width - 2)
        out = []
        held = " ".join(f"{k}={_num(v)}" for k, v in data.held.items())
        title = made[0].title
        where = f"{data.name} from {_num(data.lo)} to {_num(data.hi)}" + \
            (f", {held}" if held else "")
        if len(title) + 3 + len(where) <= width:
            out.append(([(title, "bold"), ("   " + where, "dim")], ""))
        else:
            out.append(([(title if len(title) <= width else title[:width - 1] + "…",
                          "bold")], ""))
            out.append(([(where[:width], "dim")], ""))
        for curve, y_span in zip(made, ranges):
            if curve is not made[0]:
                out.append(([(curve.title, "bold")], ""))
            out.extend(self._panel(curve, y_span, cols, rows, label_width))
        for text, kind in legend(result):
            style = {"tangent": TANGENT_STYLE, "mark": MARK_STYLE}.get(kind, "dim")
            indent = " " * (len(text) - len(text.lstrip()) + 2)
            for piece in textwrap.wrap(text, width, subsequent_indent=indent,
                                       break_on_hyphens=False):
                out.append(([(piece, style)], ""))
        return out

    @staticmethod
    def _y_labels(y_span) -> list[str]:
        if y_span is None:
            return ["0"]
        return [_num(y_span[0]), _num(y_span[1]), "0"]

    def _panel(self, curve: Curve, y_span, cols: int, rows: int, label_width: int) -> list:
        data = self.result.data
        lo, hi = data.lo, data.hi
        canvas = Canvas(cols, rows)
        if y_span is None:
            return [([(" " * label_width + " │", ""), ("(not defined on this range)", "dim")], "")]
        y_lo, y_hi = y_span

        def px(x: float) -> int:
            return round((x - lo) / (hi - lo) * (2 * cols - 1))

        def py(y: float) -> int:
            return round((y_hi - y) / (y_hi - y_lo) * (4 * rows - 1))

        def inside(y: float) -> bool:
            return math.isfinite(y) and y_lo - 1e-9 * abs(y_hi - y_lo) <= y <= \
                y_hi + 1e-9 * abs(y_hi - y_lo)

        if curve.key == "f" and data.tangent is not None:
            # Dotted (every other dot), and the cell where it touches f filled in.
            a, fa, slope = data.tangent
            for k in range(0, 2 * cols, 2):
                x = lo + (hi - lo) * k / (2 * cols - 1)
                y = fa + slope * (x - a)
                if inside(y):
                    canvas.dot(k, py(y), TANGENT_STYLE, 1)
            if inside(fa):
                cell_x, cell_y = px(a) // 2 * 2, py(fa) // 4 * 4
                for dx in (0, 1):
                    for dy in range(4):
                        canvas.dot(cell_x + dx, cell_y + dy, TANGENT_STYLE, 3)
        xs = [s.x for s in data.samples]
        ys = curve.ys
        for k in range(len(xs)):
            if not inside(ys[k]):
                continue
            joined = k + 1 < len(xs) and k not in curve.breaks and inside(ys[k + 1])
            if joined:
                canvas.line(px(xs[k]), py(ys[k]), px(xs[k + 1]), py(ys[k + 1]), curve.style, 2)
            else:
                canvas.dot(px(xs[k]), py(ys[k]), curve.style, 2)
        labels = {0: _num(y_hi), rows - 1: _num(y_lo)}
        if y_lo < 0 < y_hi and 1 < py(0.0) // 4 < rows - 2:
            labels[py(0.0) // 4] = "0"
        lines = []
        for r in range(rows):
            text = labels.get(r, "")
            pieces = [(text.rjust(label_width) + (" ┤" if text else " │"), "dim")]
            run_style, run = None, []
            for c in range(cols):
                char = chr(0x2800 + canvas.bits[r][c]) if canvas.bits[r][c] else " "
                style = canvas.styles[r][c]
                if style != run_style and run:
                    pieces.append(("".join(run), run_style))
                    run = []
                run_style = style
                run.append(char)
            if run:
                pieces.append(("".join(run).rstrip() if run_style in ("", None) else
                               "".join(run), run_style))
            lines.append((pieces, ""))
        lines.append((self._axis(cols, label_width, px), ""))
        lines.append(([(self._x_labels(cols, label_width, px), "dim")], ""))
        return lines

    def _axis(self, cols: int, label_width: int, px) -> list:
        marks = {min(cols - 1, px(k.x) // 2) for k in self.result.data.kinks}
        pieces = [(" " * label_width + " └", "dim")]
        for c in range(cols):
            pieces.append(("×", MARK_STYLE) if c in marks else ("─", "dim"))
        return pieces

    def _x_labels(self, cols: int, label_width: int, px) -> str:
        data = self.result.data
        row = [" "] * cols
        placed = []
        for x in [data.lo, data.hi] + [t for t in nice_ticks(data.lo, data.hi, 5)
                                        if data.lo < t < data.hi]:
            text = _num(x)
            col = px(x) // 2
            start = 0 if x == data.lo else cols - len(text) if x == data.hi else \
                col - len(text) // 2
            start = max(0, min(cols - len(text), start))
            if any(start < b + 2 and a < start + len(text) + 2 for a, b in placed):
                continue
            placed.append((start, start + len(text)))
            row[start:start + len(text)] = list(text)
        return " " * (label_width + 2) + "".join(row).rstrip()


def render_terminal(result, settings) -> TerminalPlot:
    return TerminalPlot(result)


def plain_text(result, width: int = 80, rows: int = ROWS) -> str:
    """The terminal plot without colour, at a given size (snapshots, tests)."""
    lines = TerminalPlot(result).lines(width, rows)
    return "\n".join("".join(text for text, _ in pieces).rstrip() for pieces, _ in lines) + "\n"


# ------------------------------------------------------------------ SVG

WIDTH, PANEL, LEFT, RIGHT, TOP, GAP_BELOW = 720, 170, 64, 24, 34, 50
LINE = 17


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def render_svg(result, settings) -> str:
    data = result.data
    made = curves(result)
    notes = legend(result)
    height = TOP + len(made) * (PANEL + GAP_BELOW) + LINE * len(notes) + 12
    plot_width = WIDTH - LEFT - RIGHT
    lo, hi = data.lo, data.hi

    def sx(x: float) -> float:
        return LEFT + (x - lo) / (hi - lo) * plot_width

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="DejaVu Sans, Arial, sans-serif" '
           'font-size="12">',
           f'<rect width="{WIDTH}" height="{height}" fill="white"/>']
    x_ticks = nice_ticks(lo, hi, 7)
    for index, curve in enumerate(made):
        top = TOP + index * (PANEL + GAP_BELOW)
        bottom = top + PANEL
        span = y_range(curve.ys)
        color = SVG_COLORS[curve.key]
        out.append(f'<text x="{LEFT}" y="{top - 8}" font-weight="bold" fill="{color}">'
                   f'{_escape(curve.title)}</text>')
        out.append(f'<rect x="{LEFT}" y="{top}" width="{plot_width}" height="{PANEL}" '
                   'fill="none" stroke="#bbbbbb"/>')
        for t in x_ticks:
            out.append(f'<line x1="{sx(t):.2f}" y1="{top}" x2="{sx(t):.2f}" y2="{bottom}" '
                       f'stroke="{"#999999" if t == 0 else "#eeeeee"}"/>')
            out.append(f'<text x="{sx(t):.2f}" y="{bottom + 15}" text-anchor="middle" '
                       f'fill="#444444">{_escape(_num(t))}</text>')
        if span is None:
            out.append(f'<text x="{LEFT + 8}" y="{top + 20}" fill="#777777">not defined on '
                       'this range</text>')
            continue
        y_lo, y_hi = span
        pad = (y_hi - y_lo) * 0.05
        y_lo, y_hi = y_lo - pad, y_hi + pad

        def sy(y: float, top=top, y_lo=y_lo, y_hi=y_hi) -> float:
            return top + (y_hi - y) / (y_hi - y_lo) * PANEL

        def inside(y: float, y_lo=y_lo, y_hi=y_hi) -> bool:
            return math.isfinite(y) and y_lo <= y <= y_hi

        for t in nice_ticks(y_lo, y_hi, 5):
            out.append(f'<line x1="{LEFT}" y1="{sy(t):.2f}" x2="{LEFT + plot_width}" '
                       f'y2="{sy(t):.2f}" stroke="{"#999999" if t == 0 else "#eeeeee"}"/>')
            out.append(f'<text x="{LEFT - 6}" y="{sy(t) + 4:.2f}" text-anchor="end" '
                       f'fill="#444444">{_escape(_num(t))}</text>')
        for kink in data.kinks:
            out.append(f'<line x1="{sx(kink.x):.2f}" y1="{top}" x2="{sx(kink.x):.2f}" '
                       f'y2="{bottom}" stroke="{SVG_COLORS["mark"]}" stroke-dasharray="4 3"/>')
        if curve.key == "f" and data.tangent is not None:
            a, fa, slope = data.tangent
            xs = [lo + (hi - lo) * k / 400 for k in range(401)]
            segment = [(x, fa + slope * (x - a)) for x in xs]
            out.extend(_polylines(segment, set(), sx, sy, inside, SVG_COLORS["tangent"],
                                  ' stroke-dasharray="6 4"'))
            out.append(f'<circle cx="{sx(a):.2f}" cy="{sy(fa):.2f}" r="4" '
                       f'fill="{SVG_COLORS["tangent"]}"/>')
        points = [(s.x, y) for s, y in zip(data.samples, curve.ys)]
        out.extend(_polylines(points, curve.breaks, sx, sy, inside, color, ""))
        if curve.key == "df":
            for kink in data.kinks:
                for value in (kink.left, kink.right):
                    if kink.kind in ("kink", "jump") and inside(value):
                        out.append(f'<circle cx="{sx(kink.x):.2f}" cy="{sy(value):.2f}" r="3.5" '
                                   f'fill="white" stroke="{color}" stroke-width="1.5"/>')
    y = TOP + len(made) * (PANEL + GAP_BELOW) + 4
    for text, kind in notes:
        fill = {"tangent": SVG_COLORS["tangent"], "mark": "#333333"}.get(kind, "#777777")
        out.append(f'<text x="{LEFT}" y="{y}" fill="{fill}">{_escape(text)}</text>')
        y += LINE
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _polylines(points, breaks, sx, sy, inside, color: str, extra: str) -> list[str]:
    """One polyline per run of drawable points (a gap, a break or a point off the panel
    ends a run)."""
    runs, run = [], []
    for k, (x, y) in enumerate(points):
        if inside(y):
            run.append(f"{sx(x):.2f},{sy(y):.2f}")
        if not inside(y) or k in breaks:
            if len(run) > 1:
                runs.append(run)
            run = []
    if len(run) > 1:
        runs.append(run)
    return [f'<polyline points="{" ".join(r)}" fill="none" stroke="{color}" '
            f'stroke-width="2"{extra}/>' for r in runs]


# ------------------------------------------------------------------ JSON

def render_json(result, settings) -> str:
    data = result.data
    samples = data.samples
    out = {"wrt": data.name, "range": [data.lo, data.hi],
           "held": {k: json_number(v) for k, v in data.held.items()},
           "x": [s.x for s in samples], "f": [json_number(s.f) for s in samples],
           "df": [json_number(s.df) for s in samples]}
    if result.second:
        out["d2f"] = [json_number(s.d2f) for s in samples]
    out["kinks"] = [k.to_json() for k in data.kinks]
    if data.tangent is not None:
        a, fa, slope = data.tangent
        out["tangent"] = {"at": a, "value": fa, "slope": slope}
    return dumps(out)
