"""`/pm settings`: the team settings modal, through signed HTTP against the fake Slack.

Opened with the slash command (the view asserted as the fake received it from views.open),
submitted as Slack would, saved state read back from the database (and once through the CLI),
and the confirmation read from the DM the fake received.
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_view
from bot.i18n import t
from bot.ids import CallbackId, SettingsAction, SettingsBlock
from storage.audit import AuditEntry
from storage.workspaces import TeamSettings
from tests.support.cli import cli_environment, pmpulse
from tests.support.factories import add_member, add_workspace
from tests.support.harness import TEAM_ID, Harness, seed_team
from tests.support.slack import block, values_of


def open_settings(h: Harness, user_id: str) -> dict[str, Any]:
    h.fake.clear_calls()
    reply = h.sender.slash_command(user_id=user_id, text="settings")
    assert reply.status_code == 200, reply.text
    call = h.fake.wait_for("views.open")
    assert call.response["ok"], call.response
    view: dict[str, Any] = call.response["view"]
    assert validate_view(view) == []
    return view


def element(view: dict[str, Any], key: str) -> dict[str, Any]:
    found: dict[str, Any] = next(b for b in view["blocks"] if b.get("block_id") == block(key))["element"]
    return found


def submit(h: Harness, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    h.fake.clear_calls()
    reply = h.sender.view_submission(user_id, view=view, values=values)
    assert reply.status_code == 200, reply.text
    return reply.json() if reply.text else {}


def confirmation(h: Harness, user_id: str) -> str:
    """The confirmation the fake received, checked to be in the person's DM with pmpulse."""
    call = h.fake.wait_for("chat.postMessage", lambda c: c.response.get("ok"))
    text: str = call.params["text"]
    assert h.fake.messages(user_id)[-1]["text"] == text
    return text


def stored(h: Harness) -> TeamSettings:
    with h.deps.uow(1) as uow:
        settings = uow.team_settings.get()
        assert settings is not None
        uow.session.expunge(settings)
        return settings


def audited(h: Harness) -> list[dict[str, Any]]:
    with h.deps.uow(1) as uow:
        rows = uow.session.query(AuditEntry).filter_by(entity="team_settings").order_by(AuditEntry.id)
        return [dict(row.detail, actor=row.actor) for row in rows]


# -- opening ----------------------------------------------------------------------------------


def test_a_manager_opens_the_modal_in_their_language_with_the_current_values(harness: Harness) -> None:
    seed_team(harness)

    view = open_settings(harness, "UMGR")  # Slack locale zh-CN

    assert view["callback_id"] == CallbackId.SETTINGS
    assert view["title"]["text"] == "团队设置"
    timezone = element(view, "timezone")
    assert timezone["type"] == "external_select"
    assert timezone["initial_option"] == {
        "text": {"type": "plain_text", "text": "北京时间（Asia/Shanghai，UTC+08:00）"},
        "value": "Asia/Shanghai",
    }
    assert element(view, "locale")["initial_option"]["value"] == "en"
    assert element(view, "digest_day")["initial_option"]["text"]["text"] == "周五"
    assert element(view, "digest_time") == {
        "type": "timepicker",
        "action_id": "value",
        "initial_time": "17:00",
    }
    cadence = element(view, "one_on_one_cadence_days")
    assert (cadence["type"], cadence["initial_value"], cadence["min_value"], cadence["max_value"]) == (
        "number_input",
        "30",
        "1",
        "365",
    )
    channel = element(view, "digest_channel")
    assert channel["type"] == "conversations_select" and "initial_conversation" not in channel
    channel_blocks = [b for b in view["blocks"] if b.get("block_id", "").endswith("_channel")]
    assert len(channel_blocks) == 3 and all(b["optional"] for b in channel_blocks)
    # Nothing to remove while no channel is set.
    assert SettingsBlock.CLEAR_CHANNELS not in [b.get("block_id") for b in view["blocks"]]


def test_a_pm_is_refused_in_their_language_and_no_modal_opens(harness: Harness) -> None:
    seed_team(harness)

    answer = harness.command("UPM1", "settings")  # Slack locale zh-CN

    assert answer["text"] == ":lock: 只有主管和管理员可以修改团队设置。"
    assert harness.fake.calls_to("views.open") == []
    assert harness.command("UPM2", "settings")["text"] == (
        ":lock: Only managers and admins can change the team settings."
    )


def test_settings_takes_no_arguments_and_help_lists_it(harness: Harness) -> None:
    seed_team(harness)

    assert harness.command("UADMIN", "settings digest_time 18:00")["text"] == "Usage: `/pm settings`"
    assert "/pm settings" in json.dumps(harness.command("UADMIN", "help"))


# -- saving -----------------------------------------------------------------------------------


def test_changes_are_saved_together_audited_and_confirmed_in_english(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.add_channel("pm-digest", channel_id="C0DIGEST")
    view = open_settings(harness, "UADMIN")

    acked = submit(
        harness,
        "UADMIN",
        view,
        values_of(
            view,
            digest_time=S.timepicker("18:00"),
            digest_day=S.select("sat"),
            digest_channel=S.conversation("C0DIGEST"),
            one_on_one_cadence_days=S.number("14"),
            timezone=S.external("Europe/London"),
        ),
    )

    assert acked == {}
    settings = stored(harness)
    assert (settings.digest_time.strftime("%H:%M"), settings.digest_day) == ("18:00", 5)
    assert (settings.digest_channel, settings.one_on_one_cadence_days) == ("C0DIGEST", 14)
    assert settings.timezone == "Europe/London"
    assert [(a["key"], a["old"], a["new"], a["actor"]) for a in audited(harness)] == [
        ("timezone", "Asia/Shanghai", "Europe/London", "UADMIN"),
        ("digest_channel", "-", "C0DIGEST", "UADMIN"),
        ("digest_day", "fri", "sat", "UADMIN"),
        ("digest_time", "17:00", "18:00", "UADMIN"),
        ("one_on_one_cadence_days", "30", "14", "UADMIN"),
    ]
    assert confirmation(harness, "UADMIN") == (
        ":white_check_mark: Team settings saved:\n"
        "• Team time zone Asia/Shanghai (Beijing time, UTC+08:00) → Europe/London (UTC+00:00)\n"
        "• Digest channel none → <#C0DIGEST>\n"
        "• Digest day Friday → Saturday\n"
        "• Digest time 17:00 → 18:00\n"
        "• 1:1 every (days) 30 → 14"
    )
    # The new time zone is what the next form shows, and what the next request's workspace holds
    # (the cached one was dropped).
    assert element(open_settings(harness, "UADMIN"), "timezone")["initial_option"]["value"] == "Europe/London"
    cached, workspace = harness.deps.read_cache.get(("workspace", TEAM_ID))
    assert cached and workspace.timezone == "Europe/London"


def test_a_chinese_manager_is_confirmed_in_chinese(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UMGR")

    submit(
        harness,
        "UMGR",
        view,
        values_of(
            view, digest_time=S.timepicker("16:00"), locale=S.select("zh-CN"), meeting_day=S.select("tue")
        ),
    )

    assert confirmation(harness, "UMGR") == (
        ":white_check_mark: 团队设置已保存：\n"
        "• 团队语言 英文 → 简体中文\n"
        "• 周报汇总时间 17:00 → 16:00\n"
        "• 周例会日 周一 → 周二"
    )
    assert stored(harness).locale == "zh-CN"


def test_nothing_changed_is_said_and_nothing_audited(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UMGR")

    assert submit(harness, "UMGR", view, values_of(view)) == {}

    assert confirmation(harness, "UMGR") == "团队设置：没有变更，各项设置与提交的内容一致。"
    assert audited(harness) == []


def test_submitting_the_same_form_twice_saves_once(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UADMIN")
    values = values_of(view, prompt_time=S.timepicker("15:30"))

    submit(harness, "UADMIN", view, values)
    assert "Update prompt time 16:00 → 15:30" in confirmation(harness, "UADMIN")
    assert submit(harness, "UADMIN", view, values) == {}

    assert confirmation(harness, "UADMIN").startswith("Team settings: nothing changed")
    assert [a["key"] for a in audited(harness)] == ["prompt_time"]


def test_a_channel_can_be_removed(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.add_channel("pm-risk", private=True, channel_id="G0PMRISK")
    view = open_settings(harness, "UADMIN")
    saved = submit(harness, "UADMIN", view, values_of(view, risk_channel=S.conversation("G0PMRISK")))
    assert saved == {}, saved
    # Confirmed before the form opens again, so the next confirmation cannot be this one.
    assert "• Risk alert channel none → <#G0PMRISK>" in confirmation(harness, "UADMIN")
    view = open_settings(harness, "UADMIN")
    assert element(view, "risk_channel")["initial_conversation"] == "G0PMRISK"
    clear = next(b for b in view["blocks"] if b.get("block_id") == SettingsBlock.CLEAR_CHANNELS)
    assert [o["value"] for o in clear["element"]["options"]] == ["risk_channel"]

    # Slack has no way to empty a select: the picker still holds the channel, the box is ticked.
    submit(harness, "UADMIN", view, values_of(view, clear=S.checkboxes("risk_channel")))

    assert stored(harness).risk_channel is None
    assert "• Risk alert channel <#G0PMRISK> → none" in confirmation(harness, "UADMIN")


# -- channels pmpulse must be able to post in --------------------------------------------------


def test_a_public_channel_pmpulse_is_not_in_is_joined_and_saved(harness: Harness) -> None:
    seed_team(harness)
    weekly = harness.fake.add_channel("pm-weekly", bot_member=False)
    view = open_settings(harness, "UADMIN")

    acked = submit(harness, "UADMIN", view, values_of(view, digest_channel=S.conversation(weekly)))

    assert acked == {}
    assert [c.params["channel"] for c in harness.fake.calls_to("conversations.join")] == [weekly]
    assert stored(harness).digest_channel == weekly
    assert f"• Digest channel none → <#{weekly}>" in confirmation(harness, "UADMIN")
    # Submitted again (a double click): already in it, nothing joined or changed twice.
    acked = submit(harness, "UADMIN", view, values_of(view, digest_channel=S.conversation(weekly)))
    assert acked == {} and harness.fake.calls_to("conversations.join") == []
    assert [a["key"] for a in audited(harness)] == ["digest_channel"]


def test_a_private_channel_without_pmpulse_is_refused_under_its_picker_with_how_to_invite(
    harness: Harness,
) -> None:
    seed_team(harness)
    hidden = harness.fake.add_channel("pm-leads", private=True, bot_member=False)
    view = open_settings(harness, "UMGR")  # Simplified Chinese
    before = stored(harness)

    acked = submit(
        harness,
        "UMGR",
        view,
        values_of(view, risk_channel=S.conversation(hidden), digest_time=S.timepicker("18:00")),
    )

    assert acked == {
        "response_action": "errors",
        "errors": {block("risk_channel"): t("zh-CN", "channels.error.not_found_id", channel=hidden)},
    }
    assert "/invite @pmpulse" in acked["errors"][block("risk_channel")]
    assert harness.fake.calls_to("conversations.join") == []
    after = stored(harness)
    assert (after.risk_channel, after.digest_time) == (before.risk_channel, before.digest_time)
    assert audited(harness) == []
    # Invited, the same choice is saved.
    harness.fake.update_channel(hidden, is_member=True)
    acked = submit(harness, "UMGR", view, values_of(view, risk_channel=S.conversation(hidden)))
    assert acked == {} and stored(harness).risk_channel == hidden


def test_an_archived_channel_is_refused_by_name_in_english_and_in_chinese(harness: Harness) -> None:
    seed_team(harness)
    old = harness.fake.add_channel("pm-2019", archived=True)
    hidden_old = harness.fake.add_channel("old-leads", private=True, archived=True)

    for user, locale in (("UADMIN", "en"), ("UMGR", "zh-CN")):
        view = open_settings(harness, user)
        acked = submit(
            harness,
            user,
            view,
            values_of(view, digest_channel=S.conversation(old), meeting_channel=S.conversation(hidden_old)),
        )
        assert acked["errors"] == {
            block("digest_channel"): t(locale, "channels.error.archived", name="pm-2019"),
            block("meeting_channel"): t(locale, "channels.error.archived", name="old-leads"),
        }
    assert (
        acked["errors"][block("digest_channel")]
        == "#pm-2019 已归档，pmpulse 无法在其中发消息：请选择其他频道。"
    )
    assert harness.fake.calls_to("conversations.join") == []
    assert stored(harness).digest_channel is None and audited(harness) == []


def test_a_forged_channel_value_is_a_field_error_with_the_text_escaped(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UADMIN")

    acked = submit(
        harness, "UADMIN", view, values_of(view, digest_channel=S.conversation("<!channel> & all"))
    )

    assert acked["errors"] == {block("digest_channel"): "Pick a channel from the list."}
    forged_id = "C0NOSUCH1"
    acked = submit(harness, "UADMIN", view, values_of(view, digest_channel=S.conversation(forged_id)))
    assert acked["errors"] == {
        block("digest_channel"): t("en", "channels.error.not_found_id", channel=forged_id)
    }
    assert stored(harness).digest_channel is None


def test_slack_failing_while_a_channel_is_checked_saves_nothing_and_keeps_the_form_open(
    harness: Harness,
) -> None:
    seed_team(harness)
    weekly = harness.fake.add_channel("pm-weekly", bot_member=False)
    view = open_settings(harness, "UADMIN")
    harness.fake.fail_next("conversations.join", kind="http", status=500)

    acked = submit(
        harness,
        "UADMIN",
        view,
        values_of(view, digest_channel=S.conversation(weekly), digest_time=S.timepicker("18:00")),
    )

    assert acked == {"response_action": "errors", "errors": {block("timezone"): t("en", "error.generic")}}
    assert stored(harness).digest_channel is None and audited(harness) == []
    # Slack too slow to answer in time: the same, well within Slack's 3 seconds.
    harness.fake.fail_next("conversations.info", kind="timeout", delay=10)
    started = time.monotonic()
    acked = submit(harness, "UADMIN", view, values_of(view, digest_channel=S.conversation(weekly)))
    assert time.monotonic() - started < 3
    assert acked["errors"] == {block("timezone"): t("en", "error.generic")}
    assert stored(harness).digest_channel is None
    # Slack is back: the same form goes through.
    acked = submit(harness, "UADMIN", view, values_of(view, digest_channel=S.conversation(weekly)))
    assert acked == {} and stored(harness).digest_channel == weekly


# -- bad input --------------------------------------------------------------------------------


def test_absurd_and_forged_values_get_per_field_errors_and_nothing_is_saved(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UADMIN")
    before = stored(harness)

    acked = submit(
        harness,
        "UADMIN",
        view,
        values_of(
            view,
            timezone=S.external("../../etc/passwd"),
            locale=S.select("fr"),
            digest_channel=S.conversation("U0PERSON"),
            prompt_day=S.select("someday"),
            digest_time=S.timepicker("25:99"),
            one_on_one_cadence_days=S.number("100000"),
            meeting_time=S.timepicker("10:30"),  # a good change, held back with the rest
        ),
    )

    assert acked["response_action"] == "errors"
    assert acked["errors"] == {
        block("timezone"): "Pick a time zone from the list.",
        block("locale"): "Pick English or Simplified Chinese.",
        block("digest_channel"): "Pick a channel from the list.",
        block("prompt_day"): "Pick a day of the week.",
        block("digest_time"): "Pick a time, e.g. 16:00.",
        block("one_on_one_cadence_days"): "A whole number of days from 1 to 365.",
    }
    after = stored(harness)
    assert [getattr(after, k) for k in ("timezone", "meeting_time", "digest_time")] == [
        getattr(before, k) for k in ("timezone", "meeting_time", "digest_time")
    ]
    assert audited(harness) == []
    assert harness.fake.calls_to("chat.postMessage") == []


def test_cadence_zero_and_a_zone_the_picker_never_offers_are_refused(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UMGR")

    acked = submit(
        harness,
        "UMGR",
        view,
        values_of(view, one_on_one_cadence_days=S.number("0"), timezone=S.external("Mars/Olympus_Mons")),
    )

    assert acked["errors"] == {
        block("one_on_one_cadence_days"): "请输入 1 至 365 之间的整数天数。",
        block("timezone"): "请从列表中选择时区。",
    }
    assert stored(harness).one_on_one_cadence_days == 30


# -- who may ------------------------------------------------------------------------------------


def test_a_pm_forging_a_submission_is_refused_and_nothing_saved(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UMGR")  # a real form, replayed by a PM

    acked = submit(harness, "UPM2", view, values_of(view, digest_time=S.timepicker("06:00")))

    assert acked == {
        "response_action": "errors",
        "errors": {block("timezone"): ":lock: Only managers and admins can change the team settings."},
    }
    assert stored(harness).digest_time.strftime("%H:%M") == "17:00"
    assert audited(harness) == []


def test_a_manager_demoted_while_the_form_is_open_is_refused(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UMGR")
    harness.command("UADMIN", "team add <@UMGR|mei> pm")

    acked = submit(harness, "UMGR", view, values_of(view, digest_time=S.timepicker("06:00")))

    assert acked["errors"] == {block("timezone"): ":lock: 只有主管和管理员可以修改团队设置。"}
    assert stored(harness).digest_time.strftime("%H:%M") == "17:00"


def test_a_manager_of_another_workspace_cannot_change_this_one(harness: Harness) -> None:
    seed_team(harness)
    other = add_workspace(harness.session_factory, "T0OTHER", name="Other Bank", bot_user_id=None)
    with harness.deps.uow(other.id) as uow:
        add_member(uow, "UMGRX", name="Xu", role="manager", locale="en")
        uow.commit()
    harness.fake.add_user("UMGRX", name="xu", real_name="Xu Manager", tz="UTC", locale="en-US")
    view = open_settings(harness, "UADMIN")

    # A form of this workspace, submitted by the other workspace's manager.
    acked = submit(harness, "UMGRX", view, values_of(view, digest_time=S.timepicker("06:00")))
    assert acked["errors"] == {block("timezone"): t("en", "common.not_on_roster")}
    # This workspace's admin submitting a form the other workspace opened (its metadata).
    forged = {**view, "private_metadata": view["private_metadata"].replace(TEAM_ID, "T0OTHER")}
    acked = submit(harness, "UADMIN", forged, values_of(view, digest_time=S.timepicker("06:00")))
    assert acked["errors"] == {
        block("timezone"): "This form is out of date. Close it and run /pm settings again."
    }
    # And a form with no metadata at all.
    acked = submit(harness, "UADMIN", {**view, "private_metadata": ""}, values_of(view))
    assert acked["response_action"] == "errors"

    assert stored(harness).digest_time.strftime("%H:%M") == "17:00"
    with harness.deps.uow(other.id) as uow:
        theirs = uow.team_settings.get()
        assert theirs is not None and theirs.digest_time.strftime("%H:%M") == "17:00"


# -- someone else changed a setting meanwhile ------------------------------------------------------


def _cli(harness: Harness, database_url: str, *args: str) -> str:
    done = pmpulse(cli_environment(harness.fake, database_url, PMPULSE_ADMINS="UADMIN"), *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_change_made_by_someone_else_meanwhile_is_never_overwritten(
    harness: Harness, database_url: str
) -> None:
    seed_team(harness)
    view = open_settings(harness, "UMGR")
    _cli(harness, database_url, "config", "set", "digest_time", "18:00")

    # The manager changed the same setting: refused under that field, nothing saved.
    acked = submit(
        harness,
        "UMGR",
        view,
        values_of(view, digest_time=S.timepicker("19:00"), meeting_day=S.select("wed")),
    )
    assert acked["errors"] == {
        block("digest_time"): "在您打开此表单后，其他人已将此项改为 18:00，因此本次未保存任何设置。"
        "请重新执行 /pm settings，在最新设置的基础上修改。"
    }
    assert stored(harness).meeting_day == 0

    # The manager changed only other settings: saved, and the other person's change is kept.
    acked = submit(harness, "UMGR", view, values_of(view, meeting_day=S.select("wed")))
    assert acked == {}
    assert confirmation(harness, "UMGR") == ":white_check_mark: 团队设置已保存：\n• 周例会日 周一 → 周三"
    shown = _cli(harness, database_url, "config", "show")
    assert any(line.split() == ["digest_time", "18:00"] for line in shown.splitlines()), shown
    assert any(line.split() == ["meeting_day", "wed"] for line in shown.splitlines()), shown


# -- the time zone search -------------------------------------------------------------------------


def suggest(h: Harness, user_id: str, view: dict[str, Any], typed: str) -> list[dict[str, Any]]:
    reply = h.sender.block_suggestion(
        user_id, action_id=SettingsAction.TIMEZONE, value=typed, view=view, block_id=block("timezone")
    )
    assert reply.status_code == 200, reply.text
    options: list[dict[str, Any]] = reply.json()["options"]
    return options


def test_the_time_zone_search_filters_the_zone_list_within_slacks_limits(harness: Harness) -> None:
    seed_team(harness)
    view = open_settings(harness, "UADMIN")

    assert [o["value"] for o in suggest(harness, "UADMIN", view, "new york")] == ["America/New_York"]
    assert [o["value"] for o in suggest(harness, "UADMIN", view, "shanghai")] == ["Asia/Shanghai"]
    assert [o["value"] for o in suggest(harness, "UMGR", view, "北京")] == ["Asia/Shanghai"]
    broad = suggest(harness, "UADMIN", view, "a")
    assert len(broad) == 100  # Slack shows at most 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in broad)
    assert suggest(harness, "UADMIN", view, "no such place") == []


def test_slack_failing_to_take_the_confirmation_loses_nothing_and_claims_nothing_false(
    harness: Harness,
) -> None:
    seed_team(harness)
    view = open_settings(harness, "UADMIN")
    harness.fake.fail_next("chat.postMessage", kind="slack_error", error="fatal_error", count=3)

    acked = submit(harness, "UADMIN", view, values_of(view, reminder_time=S.timepicker("09:15")))

    assert acked == {}
    harness.fake.wait_for("chat.postMessage")
    assert stored(harness).reminder_time.strftime("%H:%M") == "09:15"
    # No apology saying "nothing was changed" follows a save that happened.
    with pytest.raises(AssertionError, match="timed out"):
        harness.fake.wait_for("chat.postMessage", count=2, timeout=1.5)
    assert element(open_settings(harness, "UADMIN"), "reminder_time")["initial_time"] == "09:15"


def test_views_open_failing_is_apologised_for_and_changes_nothing(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.fail_next("views.open", kind="slack_error", error="expired_trigger_id")

    answer = harness.command("UADMIN", "settings")

    assert "Sorry, something went wrong" in answer["text"]
    assert audited(harness) == []
