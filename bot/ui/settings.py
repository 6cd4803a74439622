"""The team settings modal, built from one list of field definitions, and its confirmation.

A setting joins the modal with one `SettingField` entry (and its label in the catalog); its
kind (`workspaces.EDITABLE`) decides the element. What a field may hold is checked by the
service, with the same parser `pmpulse config set` uses.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    ConversationFilter,
    ConversationSelectElement,
    ExternalDataSelectElement,
    InputBlock,
    InputInteractiveElement,
    NumberInputElement,
    Option,
    PlainTextObject,
    StaticSelectElement,
    TimePickerElement,
)
from slack_sdk.models.views import View

from bot.domain.goals import FieldError
from bot.i18n import LOCALES, t
from bot.ids import CallbackId, SettingsAction, SettingsBlock
from bot.services.settings import SettingChange
from bot.services.workspaces import DAYS, EDITABLE, timezone_names
from bot.ui.blocks import context
from bot.ui.mrkdwn import channel as channel_link
from bot.ui.mrkdwn import escape

Json = dict[str, Any]

# Slack shows at most 100 options in an external select's answer.
MAX_ZONE_OPTIONS = 100


@dataclass(frozen=True)
class SettingField:
    """One setting in the modal: its key in `workspaces.EDITABLE`, labelled `settings.field.<key>`."""

    key: str

    @property
    def kind(self) -> str:
        return EDITABLE[self.key]

    @property
    def block_id(self) -> str:
        return f"{SettingsBlock.FIELD_PREFIX}{self.key}"


FIELDS: tuple[SettingField, ...] = tuple(
    SettingField(key)
    for key in (
        "timezone",
        "locale",
        "digest_channel",
        "risk_channel",
        "meeting_channel",
        "prompt_day",
        "prompt_time",
        "reminder_day",
        "reminder_time",
        "digest_day",
        "digest_time",
        "meeting_day",
        "meeting_time",
        "one_on_one_cadence_days",
    )
)
BY_BLOCK = {field.block_id: field for field in FIELDS}


def block_of(key: str) -> str:
    return f"{SettingsBlock.FIELD_PREFIX}{key}"


# -- the modal ----------------------------------------------------------------------------------


def build_settings_modal(locale: str, *, team_id: str, values: Mapping[str, str], now: dt.datetime) -> Json:
    """The modal showing `values` (setting key -> `setting_text`); they travel in private_metadata
    so the submission can tell the person's changes from someone else's made meanwhile."""
    blocks: list[Block] = [context(t(locale, "settings.modal.intro"))]
    for field in FIELDS:
        blocks.append(_input(locale, field, values.get(field.key, ""), now))
    set_channels = [f for f in FIELDS if f.kind == "channel" and values.get(f.key)]
    if set_channels:
        blocks.append(
            InputBlock(
                block_id=SettingsBlock.CLEAR_CHANNELS,
                optional=True,
                label=_plain(t(locale, "settings.field.clear_channels")),
                hint=_plain(t(locale, "settings.field.clear_channels_hint")),
                element=CheckboxesElement(
                    action_id="value",
                    options=[_option(t(locale, f"settings.field.{f.key}"), f.key) for f in set_channels],
                ),
            )
        )
    return View(
        type="modal",
        callback_id=CallbackId.SETTINGS,
        title=_plain(t(locale, "settings.modal.title")),
        submit=_plain(t(locale, "settings.modal.submit")),
        close=_plain(t(locale, "settings.modal.close")),
        private_metadata=settings_metadata(team_id, {f.key: values.get(f.key, "") for f in FIELDS}),
        blocks=blocks,
    ).to_dict()


def _input(locale: str, field: SettingField, value: str, now: dt.datetime) -> InputBlock:
    return InputBlock(
        block_id=field.block_id,
        label=_plain(t(locale, f"settings.field.{field.key}")),
        element=_ELEMENTS[field.kind](locale, value, now),
        optional=True if field.kind == "channel" else None,
    )


def _timezone_element(locale: str, value: str, now: dt.datetime) -> InputInteractiveElement:
    return ExternalDataSelectElement(
        action_id=SettingsAction.TIMEZONE,
        min_query_length=1,
        placeholder=_plain(t(locale, "settings.field.timezone_placeholder")),
        initial_option=_option(zone_label(locale, value, now), value) if value in timezone_names() else None,
    )


def _locale_element(locale: str, value: str, now: dt.datetime) -> InputInteractiveElement:
    return _static([(_locale_name(locale, code), code) for code in LOCALES], value)


def _channel_element(locale: str, value: str, now: dt.datetime) -> InputInteractiveElement:
    return ConversationSelectElement(
        action_id="value",
        placeholder=_plain(t(locale, "settings.field.channel_placeholder")),
        filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
        initial_conversation=value or None,
    )


def _day_element(locale: str, value: str, now: dt.datetime) -> InputInteractiveElement:
    return _static([(t(locale, f"settings.day.{day}"), day) for day in DAYS], value)


def _time_element(locale: str, value: str, now: dt.datetime) -> InputInteractiveElement:
    return TimePickerElement(action_id="value", initial_time=value[:5] if value else None)


def _days_element(locale: str, value: str, now: dt.datetime) -> InputInteractiveElement:
    return NumberInputElement(
        action_id="value",
        is_decimal_allowed=False,
        min_value="1",
        max_value="365",
        initial_value=value or None,
    )


_ELEMENTS: dict[str, Callable[[str, str, dt.datetime], InputInteractiveElement]] = {
    "timezone": _timezone_element,
    "locale": _locale_element,
    "channel": _channel_element,
    "day": _day_element,
    "time": _time_element,
    "days": _days_element,
}


def _locale_name(locale: str, code: str) -> str:
    return t(locale, f"settings.locale.{code.lower().replace('-', '_')}")


def _static(choices: list[tuple[str, str]], value: str) -> StaticSelectElement:
    """A select of (label, value) choices, showing `value` when it is one of them."""
    initial = next((_option(label, v) for label, v in choices if v == value), None)
    return StaticSelectElement(
        action_id="value",
        options=[_option(label, v) for label, v in choices],
        initial_option=initial,
    )


def _plain(text: str) -> PlainTextObject:
    # Without the emoji flag, as the modal has always been sent (Slack's default is the same).
    return PlainTextObject(text=text)


def _option(text: str, value: str) -> Option:
    return Option(value=value, text=_plain(text))


# -- time zones -------------------------------------------------------------------------------


def zone_label(locale: str, zone: str, now: dt.datetime) -> str:
    """`Asia/Shanghai (UTC+08:00)`; in Chinese, as people say it: `北京时间（Asia/Shanghai，UTC+08:00）`."""
    offset = now.astimezone(ZoneInfo(zone)).strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    if locale == "zh-CN":
        if zone == "Asia/Shanghai":
            return f"{t(locale, 'settings.zone.beijing')}（{zone}，{utc}）"
        return f"{zone}（{utc}）"
    if zone == "Asia/Shanghai":
        return f"{zone} ({t(locale, 'settings.zone.beijing')}, {utc})"
    return f"{zone} ({utc})"


def timezone_options(locale: str, query: str, now: dt.datetime) -> list[Json]:
    """The zones matching what was typed (`new york`, `shanghai`, `北京`), at most Slack's 100."""
    typed = query.strip().lower()
    wanted = {typed, typed.replace(" ", "_")}
    matches: list[Json] = []
    for zone in sorted(timezone_names()):
        label = zone_label(locale, zone, now)
        if any(w in zone.lower() or w in label.lower() for w in wanted):
            matches.append(_option(label, zone).to_dict())
            if len(matches) == MAX_ZONE_OPTIONS:
                break
    return matches


# -- private metadata ---------------------------------------------------------------------------


def settings_metadata(team_id: str, shown: Mapping[str, str]) -> str:
    return json.dumps({"team": team_id, "shown": dict(shown)}, separators=(",", ":"), ensure_ascii=False)


def read_settings_metadata(text: str) -> tuple[str, dict[str, str]] | None:
    """(team ID, values shown) from the modal's private_metadata; None when it is not ours."""
    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    team, shown = data.get("team"), data.get("shown")
    if not isinstance(team, str) or not isinstance(shown, dict):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in shown.items()):
        return None
    return team, shown


# -- the submission -----------------------------------------------------------------------------


def parse_settings_state(values: Mapping[str, Any]) -> dict[str, str]:
    """Setting key -> submitted text.

    A block missing from the state is left out (not changed); a value of the wrong shape becomes
    text parse_setting refuses, so the one validation answers it. A channel ticked for removal
    is unset whatever its picker holds, as the checkbox's hint says: Slack offers no other way
    to empty a select.
    """
    submitted: dict[str, str] = {}
    for field in FIELDS:
        block = values.get(field.block_id)
        if not isinstance(block, dict) or not block:
            continue
        state = next(iter(block.values()))
        if isinstance(state, dict):
            submitted[field.key] = _state_text(state)
    for key in _ticked(values.get(SettingsBlock.CLEAR_CHANNELS)):
        ticked = BY_BLOCK.get(block_of(key))
        if ticked is not None and ticked.kind == "channel":
            submitted[key] = ""
    return submitted


def _ticked(block: object) -> list[str]:
    if not isinstance(block, dict) or not block:
        return []
    state = next(iter(block.values()))
    options = state.get("selected_options") if isinstance(state, dict) else None
    if not isinstance(options, list):
        return []
    return [str(o.get("value")) for o in options if isinstance(o, dict)]


def _state_text(state: Mapping[str, Any]) -> str:
    kind = state.get("type")
    if kind in ("static_select", "external_select"):
        option = state.get("selected_option")
        value = option.get("value") if isinstance(option, dict) else None
    elif kind == "conversations_select":
        value = state.get("selected_conversation")
    elif kind == "channels_select":
        value = state.get("selected_channel")
    elif kind == "timepicker":
        value = state.get("selected_time")
    else:
        value = state.get("value")
    return value if isinstance(value, str) else ""


def field_errors(locale: str, errors: Sequence[FieldError]) -> dict[str, str]:
    """The service's per-field errors as `response_action: errors`, under each setting's input.

    `current` (the value someone else stored meanwhile) is shown as a person reads it; any other
    parameter may come from Slack or a forged payload (a channel's name, typed text) and is escaped.
    """
    shown: dict[str, str] = {}
    for error in errors:
        params = {
            name: value_text(locale, error.field, str(value), None)
            if name == "current"
            else escape(str(value))
            for name, value in error.params
        }
        block = block_of(error.field) if error.field in EDITABLE else FIELDS[0].block_id
        shown.setdefault(block, t(locale, error.key, **params))
    return shown


# -- the confirmation ---------------------------------------------------------------------------


def settings_saved_text(locale: str, changes: Sequence[SettingChange], now: dt.datetime) -> str:
    if not changes:
        return t(locale, "settings.saved.nothing")
    lines = [
        t(
            locale,
            "settings.saved.line",
            setting=t(locale, f"settings.field.{change.key}"),
            old=value_text(locale, change.key, change.old, now),
            new=value_text(locale, change.key, change.new, now),
        )
        for change in changes
    ]
    return t(locale, "settings.saved", changes="\n".join(lines))


def value_text(locale: str, key: str, text: str, now: dt.datetime | None) -> str:
    """A setting's `setting_text` as a person reads it: Thursday, <#C0123>, 简体中文, 北京时间…"""
    kind = EDITABLE.get(key)
    if not text:
        return t(locale, "settings.value.none")
    if kind == "day" and text in DAYS:
        return t(locale, f"settings.day.{text}")
    if kind == "locale" and text in LOCALES:
        return _locale_name(locale, text)
    if kind == "channel":
        return channel_link(text)
    if kind == "timezone" and now is not None and text in timezone_names():
        return zone_label(locale, text, now)
    return text
