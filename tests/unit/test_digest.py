"""The digest's figures (pure) and its Block Kit: within Slack's limits, user text escaped, long
text split whole; and the prompt, reminder and missing-list DMs."""

from __future__ import annotations

import datetime as dt
import json

from bot.domain.digest import BlockerItem, GoalWeek, PMWeek, kpi_line, summarize
from bot.domain.status import TeamState
from bot.fakeslack.blockkit import validate_message_blocks
from bot.ids import StatusAction
from bot.ui.digest import build_digest, build_parent, build_reply_parts
from bot.ui.mrkdwn import escape
from bot.ui.prompts import build_missing_list, build_prompt, build_reminder

WEEK = "2026-W48"
ON = dt.date(2026, 11, 27)
EVIL = "<!channel> <@U123> <https://evil|click>"


def pm(user: str, answer: TeamState = TeamState.SUBMITTED, **fields: object) -> PMWeek:
    defaults: dict[str, object] = {"name": user.title(), "progress": "Shipped", "health": "green"}
    if answer is not TeamState.SUBMITTED:
        defaults = {"name": user.title()}
    return PMWeek(slack_user_id=user, answer=answer, **{**defaults, **fields})  # type: ignore[arg-type]


def goal(
    goal_id: int, owner: str, value: float | None, previous: float | None = None, **kw: object
) -> GoalWeek:
    fields: dict[str, object] = {
        "goal_id": goal_id,
        "owner_slack_id": owner,
        "owner_name": owner.title(),
        "title": f"Goal {goal_id}",
        "metric": "Active cards",
        "unit": "k",
        "baseline": 100.0,
        "target": 200.0,
        "start": dt.date(2026, 1, 1),
        "due": dt.date(2026, 12, 31),
        "direction": "up",
        "value": value,
        "previous": previous,
    }
    fields.update(kw)
    return GoalWeek(**fields)  # type: ignore[arg-type]


def all_text(message: dict[str, object]) -> str:
    return json.dumps(message, ensure_ascii=False)


def assert_valid(message: dict[str, object]) -> None:
    blocks = message["blocks"]
    assert validate_message_blocks(blocks) == []
    assert isinstance(blocks, list) and len(blocks) <= 50
    assert sum(len(json.dumps(b, ensure_ascii=False)) for b in blocks) < 40_000 + 5_000
    assert len(str(message["text"])) <= 40_000


# -- figures ---------------------------------------------------------------------------------------


def test_counts_rate_and_week_on_week() -> None:
    this_week = [
        pm("ua", health="green"),
        pm("ub", health="amber", health_reason="vendor late"),
        pm("uc", health="red", health_reason="fraud spike"),
        pm("ud", TeamState.SKIPPED),
        pm("ue", TeamState.ON_LEAVE),
        pm("uf", TeamState.MISSING),
    ]
    last_week = [
        pm(user, TeamState.SUBMITTED if user in ("ua", "ub") else TeamState.MISSING)
        for user in ("ua", "ub", "uc", "ud")
    ]
    digest = summarize(WEEK, this_week, previous=last_week, goals=[], on=ON)

    assert (digest.counts.submitted, digest.counts.expected, digest.counts.missing) == (3, 4, 1)
    assert digest.counts.rate == 0.75
    assert digest.previous is not None and digest.previous.rate == 0.5
    assert digest.rate_change == 25.0
    assert digest.counts.health == {"green": 1, "amber": 1, "red": 1}
    assert digest.health_change("red") == 1 and digest.health_change("green") == -1
    assert digest.names_by_health == {"amber": ["Ub"], "red": ["Uc"]}
    assert [m.slack_user_id for m in digest.missing] == ["uf"]
    assert [u.slack_user_id for u in digest.updates] == ["ua", "ub", "uc"]


def test_nobody_owing_an_update_has_no_rate() -> None:
    digest = summarize(WEEK, [pm("ua", TeamState.ON_LEAVE)], previous=None, goals=[], on=ON)
    assert digest.counts.rate is None and digest.rate_change is None


def test_kpis_against_the_straight_line() -> None:
    # On 27 November the line from 100 (1 January) to 200 (31 December) is at about 191.
    up_behind = kpi_line(goal(1, "ua", 150.0, 140.0), on=ON)
    assert round(up_behind.expected) == 191
    assert up_behind.gap_pct is not None and round(up_behind.gap_pct) == -41 and up_behind.off_track
    assert up_behind.change == 10.0
    down_ahead = kpi_line(
        goal(2, "ua", 1.5, None, baseline=2.5, target=1.8, direction="down", unit="%"), on=ON
    )
    assert down_ahead.gap_pct is not None and down_ahead.gap_pct > 0 and not down_ahead.off_track
    assert down_ahead.change is None
    no_value = kpi_line(goal(3, "ua", None, 120.0), on=ON)
    assert no_value.gap_pct is None and not no_value.off_track


def test_off_track_goals_lead_and_each_pm_gets_their_own() -> None:
    goals = [goal(1, "ua", 195.0), goal(2, "ub", 120.0), goal(3, "ua", None)]
    digest = summarize(WEEK, [pm("ua"), pm("ub")], previous=None, goals=goals, on=ON)
    assert [k.goal.goal_id for k in digest.kpis] == [2, 1]  # goal 3 has no value this week
    by_user = {user: [k.goal.goal_id for k in lines] for user, lines in digest.goals_of.items()}
    assert by_user == {"ua": [1, 3], "ub": [2]}


def test_open_blockers_this_week_and_carried_once_per_text() -> None:
    this_week = [
        pm("ua", blockers=(BlockerItem("Core banking freeze", False, WEEK), BlockerItem("Done", True, WEEK))),
        pm("ub", TeamState.MISSING),
    ]
    carried = [
        ("ua", BlockerItem("core  banking FREEZE", False, "2026-W46")),
        ("ub", BlockerItem("Legal review", False, "2026-W47")),
        ("ugone", BlockerItem("Left the team", False, "2026-W47")),
    ]
    digest = summarize(WEEK, this_week, previous=None, goals=[], carried_blockers=carried, on=ON)
    assert [(o.slack_user_id, o.blocker.week) for o in digest.open_blockers] == [
        ("ua", "2026-W46"),
        ("ub", "2026-W47"),
    ]


# -- Block Kit -------------------------------------------------------------------------------------


def test_user_text_is_escaped_everywhere_it_is_shown() -> None:
    sneaky = pm(
        "ua",
        name=f"Jo {EVIL}",
        progress=EVIL,
        plans=EVIL,
        health="red",
        health_reason=EVIL,
        topic=EVIL,
        risk=EVIL,
        product_lines=(EVIL,),
        blockers=(BlockerItem(EVIL, False, WEEK),),
    )
    goals = [goal(1, "ua", 150.0, title=EVIL, unit="<!here>", owner_name=EVIL)]
    digest = summarize(
        WEEK, [sneaky, pm("ub", TeamState.MISSING, name=EVIL)], previous=None, goals=goals, on=ON
    )
    messages = build_digest("en", digest)
    for message in [messages.parent, *next(messages.replies).parts]:
        assert_valid(message)
        text = all_text(message)
        for raw in ("<!channel>", "<@U123>", "<https://evil|click>", "<!here>"):
            assert raw not in text
        assert escape(EVIL) in text


def test_ten_thousand_characters_reach_the_thread_whole_in_several_sections() -> None:
    long_text = "\n".join(f"Line {i}: " + "x & y < z " * 12 for i in range(80))  # ~10,000 characters
    assert len(long_text) >= 9_000
    update = pm("ua", progress=long_text + "\n" + "z" * 10_000)
    parts = build_reply_parts("en", update, week=WEEK)
    sections = [b["text"]["text"] for part in parts for b in part["blocks"] if b["type"] == "section"]
    assert all(len(s) <= 3000 for s in sections)
    for part in parts:
        assert_valid(part)
    joined = "".join(sections)
    assert escape("z" * 10_000) in joined.replace("\n", "")
    for line in long_text.split("\n"):
        assert escape(line) in joined


def test_a_very_long_update_is_split_over_several_replies() -> None:
    huge = "\n".join("word " * 590 for _ in range(60))  # ~177,000 characters: too much for one message
    parts = build_reply_parts("zh-CN", pm("ua", progress=huge, plans=huge), week=WEEK)
    assert len(parts) > 2
    for i, part in enumerate(parts, start=1):
        assert_valid(part)
        assert f"第 {i} 部分，共 {len(parts)} 部分" in all_text(part)
    shown = "".join(b["text"]["text"] for part in parts for b in part["blocks"] if b["type"] == "section")
    assert shown.count("word") == 2 * huge.count("word")


def test_the_parent_stays_small_for_two_thousand_pms() -> None:
    pms = [
        pm(
            f"u{i:04d}",
            health=("green", "amber", "red")[i % 3],
            blockers=(BlockerItem(f"Blocker {i} " + "b" * 150, False, WEEK),),
        )
        for i in range(2000)
    ]
    goals = [goal(i, f"u{i:04d}", 100.0 + i % 90) for i in range(2000)]
    digest = summarize(WEEK, pms, previous=pms, goals=goals, on=ON)
    parent = build_parent("zh-CN", digest)
    assert_valid(parent)
    assert len(parent["blocks"]) <= 12
    assert sum(len(all_text(b)) for b in parent["blocks"]) < 20_000
    text = all_text(parent)
    assert "等另外" in text and "详见各产品经理在讨论串中的完整周报" in text


def test_parent_in_english_names_the_week_and_the_figures() -> None:
    digest = summarize(
        WEEK,
        [pm("ua", health="amber", health_reason="x"), pm("ub", TeamState.MISSING)],
        previous=[pm("ua"), pm("ub")],
        goals=[goal(1, "ua", 150.0)],
        on=ON,
    )
    text = all_text(build_parent("en", digest))
    assert "Weekly status digest · 2026-W48" in text
    assert "*Submitted:* 1 of 2 (50%)" in text and "▼ −50 pts vs last week" in text
    assert "*Still missing (1):* Ub" in text
    assert ":large_orange_circle: Ua" in text
    assert "Goal 1: *150 k* (target 200 k" in text and ":warning:" in text


# -- prompts ---------------------------------------------------------------------------------------


def test_prompt_names_the_week_in_the_pms_language_with_both_buttons() -> None:
    greetings = (
        ("en", "weekly update for 2026-W49, 30 Nov – 6 Dec."),
        ("zh-CN", "该提交 2026年第49周（11月30日—12月6日）的周报了。"),
    )
    for locale, greeting in greetings:
        message = build_prompt(locale, week="2026-W49", name="Jo <!channel>")
        assert validate_message_blocks(message["blocks"]) == []
        text = all_text(message)
        assert greeting in text and "<!channel>" not in text
        buttons = next(b for b in message["blocks"] if b["type"] == "actions")["elements"]
        assert [(b["action_id"], b["value"]) for b in buttons] == [
            (StatusAction.WRITE, "2026-W49"),
            (StatusAction.SKIP, "2026-W49"),
        ]
    reminder = build_reminder("en", week="2026-W49", name="Sam")
    assert validate_message_blocks(reminder["blocks"]) == []
    assert "still open" in reminder["text"]


def test_missing_list_fits_however_many_reports_are_missing() -> None:
    message = build_missing_list("en", week=WEEK, missing=[f"U{i:06d}" for i in range(3000)])
    assert validate_message_blocks(message["blocks"]) == []
    assert "3000 of your reports" in message["text"]


def test_first_week_has_nothing_to_compare_with() -> None:
    """Last week nobody answered (pmpulse was not there yet): no "+75 pts", no "(▲ +1)" per colour."""
    this_week = [pm("ua", health="green"), pm("ub", health="red"), pm("uc", TeamState.MISSING)]
    last_week = [pm(user, TeamState.MISSING) for user in ("ua", "ub", "uc")]

    digest = summarize(WEEK, this_week, previous=last_week, goals=[], on=ON)

    assert digest.previous is None and digest.rate_change is None
    assert digest.health_change("red") is None
    text = json.dumps(build_parent("en", digest), ensure_ascii=False)
    assert "vs last week" not in text and "▲" not in text and "(+" not in text


def test_a_week_where_only_skips_came_in_still_counts_as_a_previous_week() -> None:
    this_week = [pm("ua"), pm("ub")]
    last_week = [pm("ua", TeamState.SKIPPED), pm("ub", TeamState.MISSING)]

    digest = summarize(WEEK, this_week, previous=last_week, goals=[], on=ON)

    assert digest.previous is not None and digest.rate_change == 100.0
    assert "vs last week" in json.dumps(build_parent("en", digest))


def _glyph_safe(text: str) -> bool:
    regional = sum(1 for c in text if "\U0001f1e6" <= c <= "\U0001f1ff")
    return regional % 2 == 0 and not text.startswith(("\U0001f3fd", "\u200d")) and not text.endswith("\u200d")


def test_a_long_update_of_emoji_and_ampersands_splits_between_glyphs() -> None:
    # 3 + 1 + 2 + 5 characters a round: the cuts land in every position of the pattern.
    text = ("🇨🇳 👍🏽&" * 4000) + "\n" + ("中文" * 4000)
    parts = build_reply_parts("zh-CN", pm("ua", progress=text), week=WEEK)
    sections = [b["text"]["text"] for part in parts for b in part["blocks"] if b["type"] == "section"]
    assert len(sections) > 5
    for body in sections:
        assert len(body) <= 3000 and _glyph_safe(body)
        assert body.count("&") == body.count("&amp;")  # no escape cut in half
    joined = "".join(sections).replace("\n", "")
    assert escape(text).replace("\n", "") in joined


def test_clipped_digest_lines_keep_their_limit_and_end_with_the_readers_ellipsis() -> None:
    long_title = "标题" * 200
    digest = summarize(
        WEEK,
        [pm("ua", blockers=(BlockerItem("阻碍" * 400, False, WEEK),))],
        previous=None,
        goals=[goal(1, "ua", 150.0, title=long_title)],
        on=ON,
    )
    text = all_text(build_parent("zh-CN", digest))
    assert "标题" * 59 + "……" in text and "标题" * 60 not in text  # 120 characters, the ellipsis included
    assert "阻碍" * 199 + "……" in text and "阻碍" * 200 not in text  # 400
    assert "…" + "……" not in text
    english = all_text(build_parent("en", digest))
    assert "标题" * 59 + "标…" in english
