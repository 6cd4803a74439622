"""The order a parallel run hands tests out in: those that spend seconds waiting first, on every worker."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def worksteal_shares(total: int, workers: int) -> list[int]:
    """How many of `total` tests pytest-xdist's worksteal scheduler hands each worker at the start,
    in the list's order: the first total // workers, then an equal part of what remains, and so on."""
    shares = []
    for worker in range(workers):
        shares.append(total // (workers - worker))
        total -= shares[-1]
    return shares


def waiting_first(items: Sequence[T], waiting: Sequence[T], workers: int) -> list[T]:
    """`items` reordered so that each worker's share begins with its part of `waiting` (every
    `workers`-th of them, in their order); the rest keep theirs."""
    chosen = {id(item) for item in waiting}
    rest = iter([item for item in items if id(item) not in chosen])
    ordered: list[T] = []
    for worker, share in enumerate(worksteal_shares(len(items), workers)):
        head = list(waiting[worker::workers])
        ordered += head
        ordered += itertools.islice(rest, max(0, share - len(head)))
    ordered += rest
    return ordered
