"""The weekly status modal over signed HTTP: buttons, per-field errors, confirmation, edits, skips.

Every request goes through the real Bolt app; assertions are on what the fake Slack received and
on the database.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_view
from bot.ids import StatusAction, StatusBlock
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import (
    click,
    confirmation,
    open_from_prompt,
    opened_view,
    saved,
    submit,
    values,
)


def test_prompt_button_opens_the_modal_for_the_prompts_week_even_when_answered_late(harness: Harness) -> None:
    seed_team(harness)
    goal_id = harness.add_goal("UPM1")
    harness.clock.now = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)  # the next Tuesday: W49

    view = open_from_prompt(harness, "UPM1", WEEK)

    assert validate_view(view) == []
    assert view["title"]["text"] == "每周工作周报"
    assert json.loads(view["private_metadata"]) == {"week": WEEK}
    assert "2026年第48周（11月23日—29日）" in str(view["blocks"][0])
    kpi = next(b for b in view["blocks"] if b.get("block_id") == f"{StatusBlock.KPI_PREFIX}{goal_id}")
    assert "Active cardholders" in kpi["label"]["text"] and "150 k" in kpi["label"]["text"]

    assert submit(harness, "UPM1", view, values(goal_id)) == {}
    update = saved(harness, "UPM1", WEEK)
    assert update is not None and update.state == "submitted"
    assert saved(harness, "UPM1", "2026-W49") is None


def test_bad_input_comes_back_as_per_field_errors_and_nothing_is_saved(harness: Harness) -> None:
    seed_team(harness)
    goal_id = harness.add_goal("UPM2")
    view = open_from_prompt(harness, "UPM2")

    body = submit(
        harness,
        "UPM2",
        view,
        values(
            goal_id,
            **{
                StatusBlock.PLANS: {"value": S.plain("x" * 12_001)},
                StatusBlock.HEALTH: {"value": S.select("red")},
                StatusBlock.HEALTH_REASON: {"value": S.plain("   ")},
                f"{StatusBlock.KPI_PREFIX}{goal_id}": {"value": S.plain("about 130")},
            },
        ),
    )

    assert body["response_action"] == "errors"
    assert body["errors"] == {
        StatusBlock.PLANS: "Please keep this under 12000 characters.",
        StatusBlock.HEALTH_REASON: "Please give a one-line reason for amber or red.",
        f"{StatusBlock.KPI_PREFIX}{goal_id}": "Please enter a number, e.g. 12.5",
    }
    assert saved(harness, "UPM2") is None
    assert harness.fake.calls_to("chat.postMessage") == []


def test_an_empty_form_asks_for_progress_or_plans_and_a_health(harness: Harness) -> None:
    seed_team(harness)
    view = open_from_prompt(harness, "UPM1")

    body = submit(
        harness,
        "UPM1",
        view,
        values(
            **{
                StatusBlock.PROGRESS: {"value": S.plain(" ")},
                StatusBlock.PLANS: {"value": S.plain(None)},
                StatusBlock.HEALTH: {"value": S.select(None)},
            }
        ),
    )

    assert body["errors"] == {
        StatusBlock.PROGRESS: "请至少填写本周进展或下周计划之一。",
        StatusBlock.HEALTH: "请选择绿色、黄色或红色。",
    }


def test_submission_is_saved_and_confirmed_by_dm_with_edit_and_resolved_buttons(harness: Harness) -> None:
    seed_team(harness)
    goal_id = harness.add_goal("UPM2")
    view = open_from_prompt(harness, "UPM2")

    assert submit(harness, "UPM2", view, values(goal_id)) == {}

    message = confirmation(harness)["message"]
    blocks = message["blocks"]
    assert message["text"] == "Your update for 2026-W48, 23–29 Nov is saved"
    buttons = [b["accessory"] for b in blocks if b.get("accessory")]
    actions = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [(a["action_id"], a["value"]) for a in actions] == [(StatusAction.EDIT, WEEK)]
    update = saved(harness, "UPM2")
    assert update is not None
    assert [(b.text, b.resolved) for b in update.blockers] == [
        ("Waiting on risk sign-off", False),
        ("Vendor API quota", False),
    ]
    assert [(b["action_id"], b["value"]) for b in buttons] == [
        (StatusAction.RESOLVE_BLOCKER, str(b.id)) for b in update.blockers
    ]
    assert "Amber: at risk" in str(blocks) and "131.5 k" in str(blocks) and "150 k" in str(blocks)
    assert (update.health, update.health_reason, update.revision, update.late) == (
        "amber",
        "Sign-off is two weeks late",
        1,
        False,
    )
    with harness.deps.uow(1) as uow:
        (kpi,) = uow.status.kpi_values([goal_id], [WEEK])
        assert kpi.value == 131.5
        assert [r.revision for r in uow.status.revisions(update.id)] == [1]
    # Saved from the prompt's DM: App Home is published when it is opened, not after each save.
    harness.settle()
    assert harness.fake.calls_to("views.publish") == []


def test_a_forged_home_mark_costs_the_sender_a_publish_of_their_own_tab_only(harness: Harness) -> None:
    seed_team(harness)
    view = open_from_prompt(harness, "UPM2")
    forged = {**view, "private_metadata": json.dumps({"week": WEEK, "home": "yes", "user": "UPM1"})}

    assert submit(harness, "UPM2", forged, values()) == {}  # not the mark: no publish
    confirmation(harness)
    harness.settle()
    assert harness.fake.calls_to("views.publish") == []

    marked = {**view, "private_metadata": json.dumps({"week": WEEK, "home": True, "user": "UPM1"})}
    assert (
        submit(harness, "UPM2", marked, values(**{StatusBlock.PROGRESS: {"value": S.plain("Again")}})) == {}
    )
    home = harness.fake.wait_for("views.publish")
    assert home.params["user_id"] == "UPM2"


def test_edit_is_prefilled_keeps_history_and_resolved_marks(harness: Harness) -> None:
    seed_team(harness)
    goal_id = harness.add_goal("UPM2")
    submit(harness, "UPM2", open_from_prompt(harness, "UPM2"), values(goal_id))
    posted = confirmation(harness)
    first = saved(harness, "UPM2")
    assert first is not None
    sign_off = first.blockers[0]

    click(
        harness,
        "UPM2",
        StatusAction.RESOLVE_BLOCKER,
        str(sign_off.id),
        where=(posted["channel"], posted["ts"]),
    )
    updated = harness.fake.wait_for("chat.update")
    assert updated.response["ok"], updated.response
    assert "~Waiting on risk sign-off~" in str(updated.params["blocks"])
    click(harness, "UPM2", StatusAction.EDIT, WEEK, where=(posted["channel"], posted["ts"]))
    view = opened_view(harness, count=2)

    initial = {
        b.get("block_id"): b["element"].get("initial_value") for b in view["blocks"] if b["type"] == "input"
    }
    assert initial[StatusBlock.PROGRESS] == "Launched the travel card pilot"
    assert initial[StatusBlock.BLOCKERS] == "Waiting on risk sign-off\nVendor API quota"
    assert initial[f"{StatusBlock.KPI_PREFIX}{goal_id}"] == "131.5"
    health = next(b for b in view["blocks"] if b.get("block_id") == StatusBlock.HEALTH)
    assert health["element"]["initial_option"]["value"] == "amber"

    edited = values(
        goal_id,
        **{
            StatusBlock.BLOCKERS: {"value": S.plain("Waiting on risk sign-off\nCore banking freeze")},
            StatusBlock.HEALTH: {"value": S.select("green")},
            StatusBlock.HEALTH_REASON: {"value": S.plain("")},
        },
    )
    assert submit(harness, "UPM2", view, edited) == {}

    second = confirmation(harness, count=2)["message"]
    assert second["text"] == "Your update for 2026-W48, 23–29 Nov is saved (version 2)"
    update = saved(harness, "UPM2")
    assert update is not None and update.revision == 2 and update.health == "green"
    assert [(b.text, b.resolved) for b in update.blockers] == [
        ("Waiting on risk sign-off", True),
        ("Core banking freeze", False),
    ]
    assert update.blockers[0].id == sign_off.id
    with harness.deps.uow(1) as uow:
        history = uow.status.revisions(update.id)
        assert [(r.revision, r.snapshot["health"]) for r in history] == [(1, "amber"), (2, "green")]
        assert [b["text"] for b in history[0].snapshot["blockers"]] == [
            "Waiting on risk sign-off",
            "Vendor API quota",
        ]


def test_user_text_is_escaped_in_the_confirmation(harness: Harness) -> None:
    seed_team(harness)
    typed = "Ping <!channel> and <@U123>, see <https://evil|click> & more"
    view = open_from_prompt(harness, "UPM2")

    submit(
        harness,
        "UPM2",
        view,
        values(
            **{
                StatusBlock.PROGRESS: {"value": S.plain(typed)},
                StatusBlock.BLOCKERS: {"value": S.plain(typed)},
            }
        ),
    )

    blocks = json.dumps(confirmation(harness)["message"]["blocks"])
    assert "<!channel>" not in blocks and "<@U123>" not in blocks and "<https://evil" not in blocks
    assert "&lt;!channel&gt; and &lt;@U123&gt;, see &lt;https://evil|click&gt; &amp; more" in blocks
    update = saved(harness, "UPM2")
    assert update is not None and update.progress == typed


def test_ten_thousand_characters_are_stored_whole_shown_clipped_and_survive_an_edit(harness: Harness) -> None:
    seed_team(harness)
    long_text = ("Deposit campaign notes. " * 500)[:10_000]
    view = open_from_prompt(harness, "UPM2")

    submit(harness, "UPM2", view, values(**{StatusBlock.PROGRESS: {"value": S.plain(long_text)}}))

    posted = confirmation(harness)
    progress = next(b for b in posted["message"]["blocks"] if "Deposit campaign" in str(b))
    assert len(progress["text"]["text"]) <= 3000
    assert progress["text"]["text"].endswith("(shortened; the full text is kept in pmpulse)")
    update = saved(harness, "UPM2")
    assert update is not None and update.progress == long_text

    click(harness, "UPM2", StatusAction.EDIT, WEEK, where=(posted["channel"], posted["ts"]))
    edit_view = opened_view(harness, count=2)
    block = next(b for b in edit_view["blocks"] if b.get("block_id") == StatusBlock.PROGRESS)
    assert block["element"]["initial_value"] == long_text[:3000] and "longer than this form" in str(
        block["hint"]
    )
    untouched = values(
        **{
            StatusBlock.PROGRESS: {"value": S.plain(long_text[:3000])},
            StatusBlock.HEALTH: {"value": S.select("green")},
        }
    )
    assert submit(harness, "UPM2", edit_view, untouched) == {}
    update = saved(harness, "UPM2")
    assert update is not None and update.revision == 2 and update.progress == long_text
