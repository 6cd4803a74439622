"""The settings modal's Block Kit (validated as Slack would), its state parsing and its texts."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.domain.goals import FieldError
from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_view
from bot.i18n import LOCALES
from bot.ids import SettingsBlock
from bot.services.settings import SettingChange
from bot.services.workspaces import EDITABLE
from bot.ui.settings import (
    FIELDS,
    build_settings_modal,
    field_errors,
    parse_settings_state,
    read_settings_metadata,
    settings_saved_text,
    timezone_options,
    zone_label,
)

NOW = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
DEFAULTS = {
    "timezone": "Asia/Shanghai",
    "locale": "en",
    "digest_channel": "",
    "risk_channel": "",
    "meeting_channel": "",
    "prompt_day": "wed",
    "prompt_time": "16:00",
    "reminder_day": "thu",
    "reminder_time": "10:00",
    "digest_day": "fri",
    "digest_time": "17:00",
    "meeting_day": "mon",
    "meeting_time": "10:00",
    "one_on_one_cadence_days": "30",
}
ALL_CHANNELS = {**DEFAULTS, "digest_channel": "C0D", "risk_channel": "G0R", "meeting_channel": "C0M"}


def test_every_editable_setting_is_in_the_modal_once() -> None:
    assert sorted(f.key for f in FIELDS) == sorted(EDITABLE)
    assert len({f.block_id for f in FIELDS}) == len(FIELDS)
    assert SettingsBlock.CLEAR_CHANNELS not in {f.block_id for f in FIELDS}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("values", [DEFAULTS, ALL_CHANNELS, {}], ids=["defaults", "channels", "empty"])
def test_the_modal_is_valid_block_kit(locale: str, values: dict[str, str]) -> None:
    view = build_settings_modal(locale, team_id="T0001", values=values, now=NOW)

    assert validate_view(view) == []
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs[: len(FIELDS)] == [f.block_id for f in FIELDS]
    assert len(view["private_metadata"]) <= 3000


def test_current_values_are_the_initial_ones() -> None:
    view = build_settings_modal("en", team_id="T0001", values=ALL_CHANNELS, now=NOW)
    elements = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}

    assert elements["settings_timezone"]["initial_option"]["value"] == "Asia/Shanghai"
    assert elements["settings_locale"]["initial_option"]["value"] == "en"
    assert elements["settings_risk_channel"]["initial_conversation"] == "G0R"
    assert elements["settings_meeting_day"]["initial_option"]["text"]["text"] == "Monday"
    assert elements["settings_reminder_time"]["initial_time"] == "10:00"
    assert elements["settings_one_on_one_cadence_days"]["initial_value"] == "30"
    clear = elements[SettingsBlock.CLEAR_CHANNELS]
    assert [o["value"] for o in clear["options"]] == ["digest_channel", "risk_channel", "meeting_channel"]
    assert read_settings_metadata(view["private_metadata"]) == ("T0001", ALL_CHANNELS)


def test_a_zone_not_in_the_list_has_no_initial_option() -> None:
    view = build_settings_modal(
        "en", team_id="T0001", values={**DEFAULTS, "timezone": "Nowhere/Else"}, now=NOW
    )
    timezone = next(b for b in view["blocks"] if b.get("block_id") == "settings_timezone")["element"]
    assert "initial_option" not in timezone


@pytest.mark.parametrize(
    "text",
    ["", "not json", "[]", '{"team": 1, "shown": {}}', '{"team": "T1"}', '{"team": "T1", "shown": {"a": 1}}'],
)
def test_metadata_that_is_not_ours_is_refused(text: str) -> None:
    assert read_settings_metadata(text) is None


def test_state_parsing_reads_each_element_and_leaves_missing_blocks_out() -> None:
    values = {
        "settings_timezone": {"settings_timezone": S.external("Europe/London")},
        "settings_locale": {"value": S.select("zh-CN")},
        "settings_digest_channel": {"value": S.conversation("C0D")},
        "settings_risk_channel": {"value": S.conversation(None)},
        "settings_digest_time": {"value": S.timepicker("18:00")},
        "settings_meeting_day": {"value": S.select(None)},
        "settings_one_on_one_cadence_days": {"value": S.number("14")},
        "settings_prompt_time": {"value": {"type": "timepicker", "selected_time": 1600}},  # forged type
        "settings_reminder_day": {},
        "settings_unknown": {"value": S.plain("x")},
    }

    assert parse_settings_state(values) == {
        "timezone": "Europe/London",
        "locale": "zh-CN",
        "digest_channel": "C0D",
        "risk_channel": "",
        "digest_time": "18:00",
        "meeting_day": "",
        "one_on_one_cadence_days": "14",
        "prompt_time": "",
    }


def test_ticking_a_channel_for_removal_unsets_it_and_nothing_else() -> None:
    values = {
        "settings_digest_channel": {"value": S.conversation("C0D")},
        "settings_timezone": {"settings_timezone": S.external("Asia/Shanghai")},
        SettingsBlock.CLEAR_CHANNELS: {"value": S.checkboxes("digest_channel", "timezone", "bogus")},
    }

    assert parse_settings_state(values) == {"digest_channel": "", "timezone": "Asia/Shanghai"}


def test_time_zone_options_stay_within_slacks_limits() -> None:
    every = timezone_options("en", "", NOW)
    assert len(every) == 100
    assert all(len(o["text"]["text"]) <= 75 and len(o["value"]) <= 150 for o in every)
    assert [o["value"] for o in timezone_options("en", "Los Angeles", NOW)] == ["America/Los_Angeles"]
    assert [o["value"] for o in timezone_options("zh-CN", "北京时间", NOW)] == ["Asia/Shanghai"]


def test_zone_labels_carry_the_offset_of_the_day() -> None:
    winter, summer = NOW, dt.datetime(2026, 7, 1, tzinfo=dt.UTC)
    assert zone_label("en", "America/New_York", winter) == "America/New_York (UTC-05:00)"
    assert zone_label("en", "America/New_York", summer) == "America/New_York (UTC-04:00)"
    assert zone_label("zh-CN", "Asia/Shanghai", NOW) == "北京时间（Asia/Shanghai，UTC+08:00）"
    assert zone_label("zh-CN", "Europe/London", NOW) == "Europe/London（UTC+00:00）"


def test_the_confirmation_names_each_change_as_people_read_it() -> None:
    changes = [
        SettingChange("digest_time", "16:00", "17:00"),
        SettingChange("digest_channel", "C0D", ""),
        SettingChange("prompt_day", "wed", "thu"),
    ]
    assert settings_saved_text("en", changes, NOW) == (
        ":white_check_mark: Team settings saved:\n"
        "• Digest time 16:00 → 17:00\n"
        "• Digest channel <#C0D> → none\n"
        "• Update prompt day Wednesday → Thursday"
    )
    assert settings_saved_text("zh-CN", changes, NOW) == (
        ":white_check_mark: 团队设置已保存：\n"
        "• 周报汇总时间 16:00 → 17:00\n"
        "• 周报汇总频道 <#C0D> → 未设置\n"
        "• 周报提醒日 周三 → 周四"
    )
    assert settings_saved_text("en", [], NOW).startswith("Team settings: nothing changed")


def test_field_errors_are_keyed_by_block_and_name_the_value_now_stored() -> None:
    errors = field_errors(
        "en", [FieldError("digest_day", "settings.error.changed_meanwhile", (("current", "sat"),))]
    )
    assert list(errors) == ["settings_digest_day"]
    assert "changed this to Saturday" in errors["settings_digest_day"]
    assert json.dumps(field_errors("en", [FieldError("bogus", "settings.error.stale_form")])) == json.dumps(
        {"settings_timezone": "This form is out of date. Close it and run /pm settings again."}
    )


def test_field_error_params_from_outside_are_escaped_and_shown_in_either_language() -> None:
    archived = FieldError("risk_channel", "channels.error.archived", (("name", "<!channel>&co"),))
    assert field_errors("en", [archived]) == {
        "settings_risk_channel": "#&lt;!channel&gt;&amp;co is archived, so pmpulse cannot post there: "
        "choose another channel."
    }
    private = FieldError("digest_channel", "channels.error.private_not_member", (("name", "pm-weekly"),))
    assert "/invite @pmpulse" in field_errors("zh-CN", [private])["settings_digest_channel"]
