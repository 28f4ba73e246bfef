"""The house's floors: every import in the package points down (or along its own floor), never
up, and never round in a cycle; no module reaches into another's private names; nothing but the
op table compares against an op's name.

The package's imports are read with `ast`, not by importing it. A registry entry
("gradcli.render.table:render", loaded by gradcli.lazy.load) counts as an import, so lazy loading
cannot hide an arrow that points up. Inside a function only the standard library and the heavy
third-party modules may be imported (for start-up time); the package's own modules are
imported at the top, or through a registry.

    python tests/test_layers.py [PACKAGE_DIR]     # the figures: modules, floors, arrows, ...
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "gradcli"

# Lowest first. A module belongs to the floor of the longest prefix that names it.
FLOORS = [
    ("ground", ["gradcli.errors", "gradcli.numbers", "gradcli.defaults", "gradcli.lazy",
                "gradcli.display", "gradcli.memory"]),
    ("lang", ["gradcli.lang"]),
    ("program", ["gradcli.program"]),
    ("engine", ["gradcli.engine"]),
    ("compute", ["gradcli.compute"]),
    ("checks", ["gradcli.checks"]),
    ("records and grading", ["gradcli.records", "gradcli.grading"]),
    ("render", ["gradcli.render"]),
    ("cli", ["gradcli.cli"]),
    ("api", ["gradcli", "gradcli.api", "gradcli.__main__"]),
]

# The array engine is a sibling the rest of the engine never imports.
SIBLINGS = {"gradcli.engine.arrays": "gradcli.engine"}

# Modules a function may import (start-up: they load only when that function runs): tomlkit
# only for `gradcli key`, prompt_toolkit only when the prompt runs at a terminal.
HEAVY = {"numpy", "rich", "lark", "click", "tomlkit", "prompt_toolkit"}

# Where an op's name may be compared with: the op table itself.
OP_TABLE = "gradcli.lang.ops"

REGISTRY_ENTRY = re.compile(r"(gradcli(?:\.\w+)+):\w+\Z")


# ------------------------------------------------------------------ reading a package

def read_package(directory: Path, root: str = "gradcli") -> dict[str, str]:
    """{module name: source} for every .py file under `directory`."""
    modules = {}
    for path in sorted(directory.rglob("*.py")):
        parts = list(path.relative_to(directory).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join([root, *parts])] = path.read_text(encoding="utf-8")
    return modules


def floor_of(module: str) -> int:
    best, level = -1, None
    for index, (_, prefixes) in enumerate(FLOORS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
                best, level = len(prefix), index
    if level is None:
        raise AssertionError(f"{module} is on no floor: add it to FLOORS")
    return level


def _resolve(module: str, node: ast.ImportFrom, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


class Imports:
    """What one module imports: (target module, line, at module level?, names taken)."""

    def __init__(self, module: str, source: str, modules: dict[str, str]):
        self.module = module
        tree = ast.parse(source)
        is_package = any(m.startswith(module + ".") for m in modules)
        self.edges: list[tuple[str, int, bool, list[str]]] = []
        self.lazy: list[tuple[str, int]] = []       # registry entries
        self.comparisons: list[tuple[int, str]] = []
        top_level = {id(n) for n in tree.body}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.edges.append((alias.name, node.lineno, id(node) in top_level or
                                       self._guarded(tree, node), []))
            elif isinstance(node, ast.ImportFrom):
                target = _resolve(module, node, is_package)
                names = [alias.name for alias in node.names]
                level = id(node) in top_level or self._guarded(tree, node)
                # `from gradcli.lang import ops` imports the module gradcli.lang.ops.
                submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in modules]
                if submodules:
                    for sub in submodules:
                        self.edges.append((sub, node.lineno, level, []))
                    rest = [n for n in names if f"{target}.{n}" not in modules]
                    if rest:
                        self.edges.append((target, node.lineno, level, rest))
                else:
                    self.edges.append((target, node.lineno, level, names))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                match = REGISTRY_ENTRY.match(node.value)
                if match:
                    self.lazy.append((match.group(1), node.lineno))
            elif isinstance(node, ast.Compare):
                self.comparisons.extend((node.lineno, name) for name in _op_name_comparison(node))

    @staticmethod
    def _guarded(tree, node) -> bool:
        """A module-level import inside `if TYPE_CHECKING:` or `try:` still counts as top level."""
        for statement in tree.body:
            if isinstance(statement, (ast.If, ast.Try)) and any(
                    child is node for child in ast.walk(statement)):
                return True
        return False


def _strings(node) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [s for e in node.elts for s in _strings(e)]
    return []


def _names_an_op(node) -> bool:
    """`op.name`, `expr.kind`, `row.op`, or a variable called kind/op/op_name."""
    if isinstance(node, ast.Attribute):
        return node.attr in ("name", "kind", "op")
    return isinstance(node, ast.Name) and node.id in ("kind", "op", "op_name")


def _op_name_comparison(node: ast.Compare) -> list[str]:
    from gradcli.lang.ops import OPS

    sides = [node.left, *node.comparators]
    if not any(_names_an_op(side) for side in sides):
        return []
    return [s for side in sides for s in _strings(side) if s in OPS]


# ------------------------------------------------------------------ the rules

def check(modules: dict[str, str]) -> list[str]:
    """Every breach of the house rules, one line each (empty when the house is in order)."""
    problems = []
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, source in modules.items():
        imports = Imports(module, source, modules)
        here = floor_of(module)
        arrows = [(target, line, top, names, "import") for target, line, top, names in
                  imports.edges] + [(target, line, True, [], "registry entry")
                                    for target, line in imports.lazy]
        for target, line, top, names, how in arrows:
            if not (target == "gradcli" or target.startswith("gradcli.")):
                if not top and target.split(".")[0] not in HEAVY | set(sys.stdlib_module_names):
                    problems.append(f"{module}:{line}: imports {target} inside a function")
                continue
            if target not in modules:
                problems.append(f"{module}:{line}: {how} of {target}, which does not exist")
                continue
            if how == "import" and not top:
                problems.append(f"{module}:{line}: imports {target} inside a function (import "
                                "it at the top, or load it through a registry)")
            if target != module:
                graph[module].add(target)
            if floor_of(target) > here:
                problems.append(f"{module}:{line}: {how} of {target} points up, from floor "
                                f"{FLOORS[here][0]} to {FLOORS[floor_of(target)][0]}")
            for sibling, family in SIBLINGS.items():
                inside = lambda m: m == sibling or m.startswith(sibling + ".")  # noqa: E731
                if inside(target) and not inside(module) and module.startswith(family + "."):
                    problems.append(f"{module}:{line}: {how} of {target}: the rest of "
                                    f"{family} never imports its sibling {sibling}")
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private and target != module:
                problems.append(f"{module}:{line}: imports the private {', '.join(private)} "
                                f"from {target}")
        if module != OP_TABLE:
            for line, name in imports.comparisons:
                problems.append(f"{module}:{line}: compares with the op name {name!r} (declare "
                                "it in the op table, or compare with the op itself)")
    for cycle in cycles(graph):
        problems.append("import cycle: " + " -> ".join(cycle + [cycle[0]]))
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in graph:
                    continue
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def figures(modules: dict[str, str]) -> dict[str, int]:
    """Modules, lines, import arrows, the longest chain of imports (levels) and cycles."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    lazy = 0
    for module, source in modules.items():
        imports = Imports(module, source, modules)
        for target, *_ in imports.edges:
            if target in modules and target != module:
                graph[module].add(target)
        for target, _ in imports.lazy:
            if target in modules:
                graph[module].add(target)
                lazy += 1
    found = cycles(graph)
    # Levels: the longest chain of imports, each cycle counted as one module.
    where = {m: i for i, component in enumerate(found) for m in component}
    key = lambda m: where.get(m, m)  # noqa: E731
    condensed: dict = {}
    for module, targets in graph.items():
        condensed.setdefault(key(module), set()).update(key(t) for t in targets
                                                        if key(t) != key(module))
    depth: dict = {}
    for start in condensed:
        stack = [(start, False)]
        while stack:
            node, done = stack.pop()
            if node in depth:
                continue
            if done:
                depth[node] = 1 + max((depth[t] for t in condensed[node]), default=0)
                continue
            stack.append((node, True))
            stack.extend((t, False) for t in condensed[node] if t not in depth)
    return {"modules": len(modules),
            "lines": sum(source.count("\n") for source in modules.values()),
            "import arrows": sum(len(t) for t in graph.values()),
            "of them registry entries": lazy,
            "import levels": max(depth.values(), default=0),
            "cycles": len(found)}


# ------------------------------------------------------------------ tests

def test_the_package_keeps_its_floors():
    problems = check(read_package(PACKAGE))
    assert not problems, "\n".join(problems)


def test_every_module_is_on_a_floor():
    for module in read_package(PACKAGE):
        floor_of(module)


def test_every_registry_entry_loads():
    from gradcli.lazy import load

    for module, source in read_package(PACKAGE).items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and REGISTRY_ENTRY.match(node.value):
                assert callable(load(node.value)), f"{module}: {node.value}"


def _house(**changes) -> dict[str, str]:
    """A small synthetic package in order, with some modules replaced."""
    house = {
        "gradcli": "from gradcli.errors import Oops\n",
        "gradcli.errors": "class Oops(Exception):\n    pass\n",
        "gradcli.lang.ops": "OPS = {}\n",
        "gradcli.program.graph": "from gradcli.lang.ops import OPS\n",
        "gradcli.engine.scalar": "from gradcli.program.graph import OPS\n",
        "gradcli.engine.arrays.sweep": "from gradcli.engine.scalar import OPS\n",
        "gradcli.render.table": "from gradcli.program.graph import OPS\n",
        "gradcli.render": 'RENDERERS = {"table": "gradcli.render.table:render"}\n',
    }
    house.update(changes)
    return house


def test_a_house_in_order_passes():
    assert check(_house()) == []


def test_an_upward_import_fails():
    problems = check(_house(**{"gradcli.program.graph": "from gradcli.render.table import X\n"}))
    assert any("points up, from floor program to render" in p for p in problems), problems


def test_an_upward_registry_entry_fails():
    problems = check(_house(**{"gradcli.lang.ops": 'R = {"t": "gradcli.render.table:render"}\n'}))
    assert any("registry entry of gradcli.render.table points up" in p for p in problems)


def test_a_cycle_fails():
    problems = check(_house(**{
        "gradcli.render.table": "from gradcli.render import RENDERERS\n"}))
    assert any(p.startswith("import cycle: gradcli.render -> gradcli.render.table")
               for p in problems), problems


def test_a_private_import_fails():
    problems = check(_house(**{"gradcli.engine.scalar": "from gradcli.program.graph import _x\n"}))
    assert any("imports the private _x from gradcli.program.graph" in p for p in problems)


def test_an_import_inside_a_function_fails():
    problems = check(_house(**{
        "gradcli.render.table": "def f():\n    from gradcli.program.graph import OPS\n"}))
    assert any("inside a function" in p for p in problems), problems
    # numpy, rich and the standard library may wait for the function that needs them.
    assert check(_house(**{"gradcli.render.table":
                           "def f():\n    import numpy\n    import json\n"})) == []


def test_an_op_name_comparison_fails():
    problems = check(_house(**{
        "gradcli.render.table": 'def f(op):\n    return op.name == "mul"\n'}))
    assert any("compares with the op name 'mul'" in p for p in problems), problems
    problems = check(_house(**{
        "gradcli.render.table": 'def f(expr):\n    return expr.kind in ("add", "sub")\n'}))
    assert len([p for p in problems if "compares with the op name" in p]) == 2
    # The op table may, and a string that merely equals an op's name elsewhere is no op.
    assert check(_house(**{"gradcli.lang.ops": 'def f(op):\n    return op.name == "mul"\n',
                           "gradcli.render.table": 'def f(u):\n    return u == "ones"\n'})) == []


def test_the_array_engine_is_a_sibling_the_engine_never_imports():
    problems = check(_house(**{"gradcli.engine.scalar":
                               "from gradcli.engine.arrays.sweep import OPS\n"}))
    assert any("never imports its sibling gradcli.engine.arrays" in p for p in problems)


if __name__ == "__main__":
    directory = Path(sys.argv[1]) if len(sys.argv) > 1 else PACKAGE
    sys.path.insert(0, str(PACKAGE.parent))
    for name, value in figures(read_package(directory)).items():
        print(f"{name:>26}: {value:,}")
