"""Depth-first search over a diagram's flow graph (used by the layout and by the lint)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def depth_first(roots: Iterable[str], edges: dict[str, list[str]]) -> tuple[list[str], list[tuple[str, str]]]:
    """Visit from `roots`, then from every other node: the post-order, and the edges that close a cycle."""
    state: dict[str, int] = {}  # 1 on the stack, 2 finished
    order: list[str] = []
    back: list[tuple[str, str]] = []
    for root in [*roots, *edges]:
        if root in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(edges.get(root, [])))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                order.append(node)
                stack.pop()
            elif state.get(child) == 1:
                back.append((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(edges.get(child, []))))
    return order, back
