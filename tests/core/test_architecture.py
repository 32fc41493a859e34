"""The shape of the code that new domains copy: the import contracts hold, no import cycle, no huge module."""

from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 500
# The equal-shares kernel keeps its tight loops together (see docs/equal-shares.md).
LONG_ON_PURPOSE = {"pb/rules/equalshares.py"}


def test_import_contracts_hold():
    """``lint-imports`` with the contracts in setup.cfg: pb.rules is pure, domains are layered, no sibling cycle."""
    assert lint_imports(config_filename=str(ROOT / "setup.cfg"), no_cache=True, no_logo=True) == 0


def _strongly_connected(graph):
    """Tarjan's algorithm, iterative: the groups of modules that import each other round in a circle."""
    index, low, on_stack, stack, groups = {}, {}, set(), [], []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            module, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[module] = min(low[module], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == module:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def test_no_import_cycle_between_any_two_modules():
    """Stricter than the sibling contract: also a package and its own submodules, imports inside functions included."""
    graph = grimp.build_graph("pb", cache_dir=None)
    assert _strongly_connected(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    class Graph:
        modules = {"a", "b", "c", "d"}
        edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}

        def find_modules_directly_imported_by(self, module):
            return self.edges[module]

    assert _strongly_connected(Graph()) == [["a", "b", "c"]]


def test_no_module_over_500_lines():
    too_long = {
        str(path.relative_to(ROOT)): length
        for path in (ROOT / "pb").rglob("*.py")
        if (length := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert {name: length for name, length in too_long.items() if name not in LONG_ON_PURPOSE} == {}
