"""The order a parallel run hands tests out in (tests/support/order.py)."""

from __future__ import annotations

from tests.support.order import waiting_first, worksteal_shares


def test_the_shares_are_worksteals_and_cover_every_test() -> None:
    assert worksteal_shares(10, 3) == [3, 3, 4]
    assert worksteal_shares(2034, 6) == [339, 339, 339, 339, 339, 339]
    assert sum(worksteal_shares(2035, 6)) == 2035


def test_each_workers_share_starts_with_its_waiting_tests() -> None:
    items = list(range(20))
    waiting = [17, 18, 3, 19]  # the longest first
    ordered = waiting_first(items, waiting, workers=3)

    assert sorted(ordered) == items  # every test once
    shares = worksteal_shares(20, 3)
    starts = [sum(shares[:k]) for k in range(3)]
    assert [ordered[s] for s in starts] == [17, 18, 3]
    assert ordered[starts[0] + 1] == 19  # the fourth goes to the first worker, second in its share
    rest = [i for i in ordered if i not in waiting]
    assert rest == sorted(rest)  # the others keep their order


def test_more_waiting_tests_than_a_share_loses_none() -> None:
    ordered = waiting_first(list(range(5)), [4, 3, 2, 1, 0], workers=2)
    assert sorted(ordered) == [0, 1, 2, 3, 4]
    assert ordered[0] == 4
