"""Cycles in a dependency graph: the template's resources (test_template.py), klaxon's imports
(test_architecture.py)."""

from __future__ import annotations

from collections.abc import Mapping, Set


def first_cycle(graph: Mapping[str, Set[str]]) -> list[str] | None:
    """A cycle (its nodes, the first repeated at the end) among `graph`'s edges, or None; nodes in sorted order,
    so the same graph always names the same cycle."""
    done: set[str] = set()
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        if node in path:
            return [*path[path.index(node):], node]
        if node in done:
            return None
        path.append(node)
        for following in sorted(graph.get(node, ())):
            cycle = visit(following)
            if cycle:
                return cycle
        path.pop()
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start)
        if cycle:
            return cycle
    return None
