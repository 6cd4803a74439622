"""The status modal and messages stay within Slack's limits and escape user text."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.domain.goals import FieldError
from bot.domain.status import TeamState
from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_message_blocks, validate_view
from bot.ids import StatusAction, StatusBlock, StatusCallback
from bot.services.status import BlockerView, GoalInput, KpiView, StatusFormData, StatusView
from bot.services.team_status import TeamRow, TeamStatus
from bot.ui.status import (
    build_confirmation,
    build_late_note,
    build_skipped,
    build_status_modal,
    parse_status_state,
    status_field_errors,
    week_from_metadata,
)
from bot.ui.team_status import build_team_status

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
NASTY = "<!channel> <@U123> <https://evil|click> & co"


def status(**overrides: object) -> StatusView:
    fields: dict[str, object] = {
        "id": 1,
        "week": "2026-W48",
        "member_slack_id": "UPM1",
        "member_name": "Li",
        "state": "submitted",
        "progress": "Pilot live",
        "plans": "Pricing review",
        "blockers": (BlockerView(11, "Risk sign-off", False), BlockerView(12, "Quota", True)),
        "health": "red",
        "health_reason": "Regulator paused launch",
        "kpis": (KpiView(5, "Active cardholders", "k", 131.5, 150),),
        "topic": "",
        "risk": "",
        "revision": 1,
        "late": False,
        "submitted_at": NOW,
        "updated_at": NOW,
    }
    fields.update(overrides)
    return StatusView(**fields)  # type: ignore[arg-type]


def goals(count: int) -> tuple[GoalInput, ...]:
    return tuple(
        GoalInput(i, f"Goal {i} <@U9>", "Metric", "%", 1.8, 2.1 if i % 2 else None) for i in range(count)
    )


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_new_modal_is_valid_and_carries_the_week(locale: str) -> None:
    view = build_status_modal(locale, StatusFormData("2026-W48", goals(2), None))
    assert validate_view(view) == []
    assert view["callback_id"] == StatusCallback.MODAL
    assert week_from_metadata(view["private_metadata"]) == "2026-W48"
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert ids == [
        StatusBlock.PROGRESS,
        StatusBlock.PLANS,
        StatusBlock.BLOCKERS,
        StatusBlock.HEALTH,
        StatusBlock.HEALTH_REASON,
        "status_kpi_0",
        "status_kpi_1",
        StatusBlock.TOPIC,
        StatusBlock.RISK,
    ]
    kpi = view["blocks"][-3]
    assert kpi["element"]["initial_value"] == "2.1" and kpi["label"]["text"].endswith("1.8 %")


def test_modal_with_many_goals_and_long_text_stays_within_limits() -> None:
    current = status(progress="p" * 10_000, plans="q" * 3000, blockers=(), health_reason="r" * 300)
    view = build_status_modal("en", StatusFormData("2026-W48", goals(150), current))
    assert validate_view(view) == []
    assert len(view["blocks"]) <= 100
    progress = next(b for b in view["blocks"] if b.get("block_id") == StatusBlock.PROGRESS)
    plans = next(b for b in view["blocks"] if b.get("block_id") == StatusBlock.PLANS)
    assert len(progress["element"]["initial_value"]) == 3000 and "hint" in progress
    assert "hint" not in plans  # exactly 3000 fits: nothing hidden
    assert "version 2" in str(view["blocks"][1])


def test_a_skipped_week_opens_an_empty_form() -> None:
    view = build_status_modal("en", StatusFormData("2026-W48", (), status(state="skipped")))
    assert all("initial_value" not in b.get("element", {}) for b in view["blocks"])


def test_state_parses_back_into_the_form() -> None:
    form = parse_status_state(
        {
            StatusBlock.PROGRESS: {"value": S.plain("done")},
            StatusBlock.PLANS: {"value": S.plain(None)},
            StatusBlock.HEALTH: {"value": S.select("amber")},
            "status_kpi_7": {"value": S.plain("12")},
            "status_kpi_x": {"value": S.plain("ignored")},
        }
    )
    assert (form.progress, form.plans, form.health, dict(form.kpis)) == ("done", "", "amber", {7: "12"})


def test_field_errors_name_the_blocks() -> None:
    errors = status_field_errors(
        "zh-CN",
        [
            FieldError("health_reason", "status.error.reason_required"),
            FieldError("kpi:7", "error.not_a_number"),
        ],
    )
    assert errors == {
        StatusBlock.HEALTH_REASON: "健康度为黄色或红色时，请用一句话说明原因。",
        "status_kpi_7": "请输入数字，例如 12.5",
    }


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_confirmation_escapes_clips_and_offers_buttons(locale: str) -> None:
    blockers = tuple(BlockerView(i, f"{NASTY} {i}", i == 0) for i in range(35))
    view = status(progress=NASTY + "x" * 10_000, risk=NASTY, blockers=blockers, late=True, revision=3)

    message = build_confirmation(locale, view)

    assert validate_message_blocks(message["blocks"]) == []
    dumped = json.dumps(message)
    assert "<!channel>" not in dumped and "<@U123>" not in dumped and "<https://evil" not in dumped
    resolve = [b["accessory"]["value"] for b in message["blocks"] if "accessory" in b]
    assert resolve == [str(i) for i in range(1, 20)]  # the first 20 shown; #0 is resolved already
    actions = [b for b in message["blocks"] if b["type"] == "actions"]
    assert actions[0]["elements"][0] == {
        "type": "button",
        "action_id": StatusAction.EDIT,
        "text": actions[0]["elements"][0]["text"],
        "value": "2026-W48",
    }
    assert "15" in str(message["blocks"])  # "... and 15 more blockers"


def test_skipped_prompt_and_late_note_are_valid() -> None:
    skipped = build_skipped("en", "2026-W48")
    assert validate_message_blocks(skipped["blocks"]) == []
    assert skipped["blocks"][1]["elements"][0]["action_id"] == StatusAction.WRITE
    note = build_late_note("zh-CN", status(revision=2, progress=NASTY * 400))
    assert validate_message_blocks(note["blocks"]) == []
    late = ":pencil2: <@UPM1> 在汇总发布后修改了 2026年第48周（11月23日—29日）的周报（第 2 版）"
    assert note["text"].startswith(late)
    assert "accessory" not in json.dumps(note["blocks"])  # no buttons in a channel thread


def test_team_table_for_a_huge_team_fits_one_message() -> None:
    states = list(TeamState)
    rows = tuple(
        TeamRow(f"U{i:06d}", f"PM {i}", states[i % 4], "amber" if i % 4 == 3 else None, NOW, i % 3)
        for i in range(3000)
    )
    message = build_team_status("en", TeamStatus("2026-W48", rows), timezone="Europe/London")
    assert validate_message_blocks(message["blocks"]) == []
    assert len(message["blocks"]) <= 50
    footer = message["blocks"][-1]["elements"][0]["text"]
    assert "more not shown" in footer and "Europe/London" in footer
    shown = sum(b["text"]["text"].count("\n") + 1 for b in message["blocks"] if b["type"] == "section")
    assert f"and {3000 - shown} more" in footer


def test_team_table_when_nobody_reports() -> None:
    message = build_team_status("zh-CN", TeamStatus("2026-W48", ()), timezone="Asia/Shanghai")
    assert message["text"].startswith("目前没有向你汇报的产品经理")


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_a_clipped_body_ends_on_a_whole_emoji_and_a_whole_escape(locale: str) -> None:
    body = "&👍🏽🇨🇳" * 2000
    view = status(progress=body, blockers=(BlockerView(11, body, False),), health_reason=body)
    message = build_confirmation(locale, view)
    assert validate_message_blocks(message["blocks"]) == []
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    clipped = [text for text in texts if "pmpulse" in text]
    assert len(clipped) >= 3
    for text in clipped:
        assert len(text) <= 3000
        kept = text.rsplit("\n", 1)[0]
        assert kept.endswith(("&amp;", "👍🏽", "🇨🇳"))
        assert sum(1 for c in kept if "\U0001f1e6" <= c <= "\U0001f1ff") % 2 == 0
