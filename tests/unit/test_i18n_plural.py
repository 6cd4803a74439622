"""Counted words read right in English ("1 prompt", "2 prompts"); Chinese has no plural forms."""

from __future__ import annotations

import pytest

from bot.i18n import plural, t
from bot.i18n.catalog import MESSAGES


@pytest.mark.parametrize(
    ("count", "expected"),
    [(0, "reports"), (1, "report"), (2, "reports"), (-1, "reports"), (True, "reports"), ("1", "reports")],
)
def test_plural_takes_the_singular_for_exactly_one(count: object, expected: str) -> None:
    assert plural(count, "report", "reports") == expected


def test_missing_list_agrees_with_its_count() -> None:
    one = t("en", "prompt.missing.intro", count=1, week="2026-W49")
    two = t("en", "prompt.missing.intro", count=2, week="2026-W49")

    assert one.startswith(":hourglass: 1 of your reports has not sent their update")
    assert two.startswith(":hourglass: 2 of your reports have not sent their update")
    assert "plural" not in one + two


@pytest.mark.parametrize(
    ("key", "params", "one", "many"),
    [
        ("digest.text", {"week": "W"}, "1 update from 1 PM", "2 updates from 2 PMs"),
        ("status.team.blockers", {}, "1 open blocker", "2 open blockers"),
        ("status.confirm.blockers_more", {}, "1 more blocker.", "2 more blockers."),
        ("team.summary", {}, "1 active member", "2 active members"),
    ],
)
def test_counted_nouns(key: str, params: dict[str, str], one: str, many: str) -> None:
    counts = {name: n for name in ("count", "submitted", "pms") for n in (1,)}
    assert one in t("en", key, **params, **counts)
    assert many in t("en", key, **params, **{name: 2 for name in counts})


def test_chinese_counts_take_no_plural_markup() -> None:
    assert t("zh-CN", "prompt.missing.intro", count=1, week="W").count("1 人") == 1
    assert not [key for key, entry in MESSAGES.items() if "plural=" in entry["zh-CN"]]


def test_other_format_specs_still_work() -> None:
    assert t("en", "error.too_long", max=5) == "Please keep this under 5 characters."
