"""The package's shape: layers import only downward, no import cycle (imports inside functions count),
no module over 600 lines, no class over 250, few modules at the top. A new cycle or an upward import
fails here, naming the modules."""

from __future__ import annotations

import ast
from pathlib import Path

import compare

PACKAGE = Path(compare.__file__).parent
#: each layer may import itself and the layers after it in this list (the base last)
LAYERS = ["cli", "lab", "extract", "render", "report", "viz", "analysis", "data", "base"]
BASE = {"paths", "errors", "vocab", "files", "__init__"}


def _modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        if "vendor" in p.parts or "jupyter" in p.parts:
            continue
        rel = p.relative_to(PACKAGE).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        out["compare." + ".".join(parts)] = p
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Modules of the package that ``name`` imports anywhere in its code (functions included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:
                t = t.rsplit(".", 1)[0] if "." in t else ""
            if t and t != name:
                found.add(t)
    return found


def _graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: _imports(m, p, known) for m, p in mods.items()}


def _layer(module: str) -> str:
    parts = module.split(".")
    if len(parts) == 1:
        return "base"
    if parts == ["compare", "__main__"]:  # ``python -m compare`` is the CLI; a layer's own entry point
        return "cli"                        # (``python -m compare.lab``) belongs to its layer
    top = parts[1]
    return "base" if top in BASE else top


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out, n = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = n[0]
        n[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle_between_modules():
    graph = _graph()
    # a package's __init__ re-exports its modules: edges from a package to its own modules are not cycles
    pruned = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    assert _cycles(pruned) == []


def test_layers_import_only_downward():
    graph = _graph()
    upward = []
    for m, targets in graph.items():
        lm = _layer(m)
        for t in targets:
            lt = _layer(t)
            if lt == "base" or lt == lm:
                continue
            if LAYERS.index(lt) < LAYERS.index(lm):
                upward.append(f"{m} ({lm}) imports {t} ({lt})")
    assert upward == []


def test_the_checks_find_what_they_look_for():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
    graph = _graph()
    assert "compare.data.dataset" in graph["compare.data"]          # re-export seen
    assert "compare.data" in graph["compare.viz.shipped"]           # an import inside a function counts
    assert _layer("compare.viz.words") == "viz" and _layer("compare.errors") == "base"
    assert _layer("compare.lab.__main__") == "lab" and _layer("compare.__main__") == "cli"


def test_module_and_class_sizes():
    too_long, big_classes = [], []
    for m, p in _modules().items():
        text = p.read_text(encoding="utf-8")
        n = text.count("\n")
        if n > 600:
            too_long.append(f"{m}: {n} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > 250:
                big_classes.append(f"{m}.{node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == [] and big_classes == []


def test_few_modules_at_the_top():
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top
