"""No import loop anywhere in bot/ or adapters/: a module that needs itself, through others,
before it has finished loading. The layers and the adapters' independence are import-linter's
contracts (pyproject.toml, `lint-imports` in `make test`); this is the loop check beside them.

Beside it, a stricter check: no modules name each other in a loop at all (two of them, or
more in a circle), not even under `if TYPE_CHECKING:` or inside a function.

What counts (for the first check) is an import that runs when its module loads: at the top of
the module, or in a top-level `if`, `try` or class body. An import under `if TYPE_CHECKING:`
never runs, and one inside a function runs only when the function is called, after every
module has loaded: neither can fail a load, so neither counts there.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("bot", "adapters")


@cache
def _lines_inside_functions(module: str) -> frozenset[int]:
    folder = ROOT.joinpath(*module.split("."))
    path = folder / "__init__.py" if folder.is_dir() else folder.with_suffix(".py")
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return frozenset(line for node in ast.walk(tree)
                     if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                     for line in range(node.lineno, (node.end_lineno or node.lineno) + 1))


def loading_imports() -> dict[str, set[str]]:
    """Each module of bot/ and adapters/, and ours that it imports while it loads."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=True, cache_dir=None)
    ours = {m for m in graph.modules if m.split(".")[0] in PACKAGES}
    edges: dict[str, set[str]] = {m: set() for m in ours}
    for importer in ours:
        for imported in graph.find_modules_directly_imported_by(importer) & ours:
            details = graph.get_import_details(importer=importer, imported=imported)
            inside = _lines_inside_functions(importer)
            if any(d["line_number"] not in inside for d in details):
                edges[importer].add(imported)
    return edges


def loops(edges: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The groups of modules that import one another in a circle (Tarjan's strongly connected
    components of more than one module, or of one that imports itself)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot exhaust the recursion limit.
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1 or node in edges.get(node, ()):
                    found.append(sorted(group))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return sorted(found)


def test_no_module_of_bot_or_adapters_imports_itself_in_a_loop() -> None:
    edges = loading_imports()
    assert "bot.app.frontdoor" in edges["bot.app.runtime"]  # the graph is the real one
    assert loops(edges) == []


def every_import() -> dict[str, set[str]]:
    """Each module of bot/ and adapters/, and ours that it imports anywhere: at load, inside a
    function, or only for the type checker."""
    graph = grimp.build_graph(*PACKAGES, exclude_type_checking_imports=False, cache_dir=None)
    ours = {m for m in graph.modules if m.split(".")[0] in PACKAGES}
    return {m: set(graph.find_modules_directly_imported_by(m)) & ours for m in ours}


def test_no_modules_name_each_other_in_a_loop_even_for_the_type_checker() -> None:
    # Modules that need each other (if only for a type) are one module in several files: the
    # one that needs less takes a Protocol, or the shared name moves below them.
    edges = every_import()
    assert "adapters.slack.endpoint" in edges["adapters.slack"]  # the graph is the real one
    assert "bot.core.context" in edges["bot.core.word"]  # under `if TYPE_CHECKING:` only
    assert "adapters.server" in edges["adapters.cli"]  # inside a function only
    assert loops(edges) == []


def test_the_loop_check_finds_a_loop() -> None:
    # The shape the first version had: the context imported the grammar, which imported every
    # handler, which imported the context back.
    edges = {"app": {"grammar"}, "grammar": {"tables", "agenda"}, "tables": {"app"},
             "agenda": {"clock"}, "clock": set(), "model": {"model"}}
    assert loops(edges) == [["app", "grammar", "tables"], ["model"]]
