"""The weekly status modal, its per-field errors, and the messages around it.

User text is escaped before it goes into mrkdwn and clipped (with a pointer to the rest, which is
stored whole) so no Slack limit is hit, whatever length it arrived with.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.domain.goals import FieldError, in_bounds
from bot.domain.status import (
    MODAL_TEXT_MAX,
    REASON_MAX,
    Health,
    StatusForm,
    UpdateState,
    modal_prefill,
)
from bot.i18n import t
from bot.i18n.dates import format_week
from bot.ids import ActionId, StatusAction, StatusBlock, StatusCallback
from bot.services.status import StatusFormData, StatusView
from bot.ui.blocks import button, context, header, section
from bot.ui.mrkdwn import SECTION_TEXT_MAX, clip, cut, escape, fit_lines, mention, number

HEALTH_KEYS = {
    Health.GREEN: "status.health.green",
    Health.AMBER: "status.health.amber",
    Health.RED: "status.health.red",
}
FIELD_BLOCKS = {
    "progress": StatusBlock.PROGRESS,
    "plans": StatusBlock.PLANS,
    "blockers": StatusBlock.BLOCKERS,
    "health": StatusBlock.HEALTH,
    "health_reason": StatusBlock.HEALTH_REASON,
    "topic": StatusBlock.TOPIC,
    "risk": StatusBlock.RISK,
}
MODAL_GOALS_MAX = 80  # the modal holds 100 blocks; the fixed inputs take the rest
MESSAGE_BLOCKERS_MAX = 20  # one block each, within a message's 50
KPI_INPUT_MAX = 40
KPI_SECTIONS_MAX = 3


def health_label(locale: str, health: str | None) -> str:
    key = HEALTH_KEYS.get(Health(health)) if health in tuple(Health) else None
    return t(locale, key) if key else t(locale, "status.confirm.none")


def week_metadata(week: str, *, from_home: bool = False) -> str:
    """The modal's private_metadata: its week, and whether App Home opened it (then the save
    republishes the tab the person is looking at)."""
    return json.dumps({"week": week, "home": True} if from_home else {"week": week})


def _metadata(private_metadata: str | None) -> dict[str, Any]:
    try:
        data = json.loads(private_metadata or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def week_from_metadata(private_metadata: str | None) -> str | None:
    week = _metadata(private_metadata).get("week")
    return week if isinstance(week, str) else None


def opened_from_home(private_metadata: str | None) -> bool:
    return _metadata(private_metadata).get("home") is True


# -- the modal ------------------------------------------------------------------------------------


def _text_input(
    locale: str,
    block: str,
    label: str,
    *,
    initial: str = "",
    multiline: bool = True,
    max_length: int = MODAL_TEXT_MAX,
    placeholder: str | None = None,
    hint: str | None = None,
) -> InputBlock:
    long_text = len(initial) > MODAL_TEXT_MAX
    return InputBlock(
        block_id=block,
        label=label,
        optional=True,  # which fields are required depends on others; checked on submit
        hint=t(locale, "status.field.long_text_hint") if long_text else hint,
        element=PlainTextInputElement(
            action_id=ActionId.VALUE,
            multiline=multiline,
            max_length=max_length,
            placeholder=placeholder,
            initial_value=modal_prefill(initial) or None,
        ),
    )


def build_status_modal(locale: str, data: StatusFormData, *, from_home: bool = False) -> dict[str, Any]:
    """The status modal for `data.week`, prefilled with the current version when editing;
    `from_home` when App Home's button opened it."""
    current = data.current if data.current and data.current.state == UpdateState.SUBMITTED else None
    intro = t(
        locale,
        "status.modal.intro",
        week=format_week(locale, data.week),
    )
    blocks: list[Block] = [context(intro)]
    if current is not None:
        editing = t(locale, "status.modal.editing", revision=current.revision + 1)
        blocks.append(context(editing))
    blocks += [
        _text_input(
            locale,
            StatusBlock.PROGRESS,
            t(locale, "status.field.progress"),
            initial=current.progress if current else "",
            placeholder=t(locale, "status.field.progress_placeholder"),
        ),
        _text_input(
            locale,
            StatusBlock.PLANS,
            t(locale, "status.field.plans"),
            initial=current.plans if current else "",
        ),
        _text_input(
            locale,
            StatusBlock.BLOCKERS,
            t(locale, "status.field.blockers"),
            initial="\n".join(b.text for b in current.blockers) if current else "",
            hint=t(locale, "status.field.blockers_hint"),
        ),
    ]
    options = [Option(value=h.value, text=t(locale, HEALTH_KEYS[h])) for h in Health]
    initial_health = next((o for o in options if current and o.value == current.health), None)
    blocks += [
        InputBlock(
            block_id=StatusBlock.HEALTH,
            label=t(locale, "status.field.health"),
            element=RadioButtonsElement(
                action_id=ActionId.VALUE, options=options, initial_option=initial_health
            ),
        ),
        _text_input(
            locale,
            StatusBlock.HEALTH_REASON,
            t(locale, "status.field.health_reason"),
            initial=current.health_reason if current else "",
            multiline=False,
            max_length=REASON_MAX,
        ),
    ]
    for goal in data.goals[:MODAL_GOALS_MAX]:
        unit = f" {goal.unit}" if goal.unit else ""
        label = t(
            locale, "status.field.kpi", title=goal.title, metric=goal.metric, target=number(goal.target)
        )
        blocks.append(
            _text_input(
                locale,
                f"{StatusBlock.KPI_PREFIX}{goal.id}",
                cut(label + unit, 2000),
                # A value stored before numbers were bounded is not offered back for resubmission.
                initial=number(goal.value).replace(",", "")
                if goal.value is not None and in_bounds(goal.value)
                else "",
                multiline=False,
                max_length=KPI_INPUT_MAX,
                placeholder=t(locale, "status.field.kpi_placeholder"),
            )
        )
    blocks += [
        _text_input(
            locale,
            StatusBlock.TOPIC,
            t(locale, "status.field.topic"),
            initial=current.topic if current else "",
        ),
        _text_input(
            locale, StatusBlock.RISK, t(locale, "status.field.risk"), initial=current.risk if current else ""
        ),
    ]
    return View(
        type="modal",
        callback_id=StatusCallback.MODAL,
        private_metadata=week_metadata(data.week, from_home=from_home),
        title=t(locale, "status.modal.title"),
        submit=t(locale, "status.modal.submit"),
        close=t(locale, "status.modal.close"),
        blocks=blocks,
    ).to_dict()


def _state_value(state: dict[str, Any]) -> str:
    if "selected_option" in state:
        return str((state.get("selected_option") or {}).get("value") or "")
    return str(state.get("value") or "")


def parse_status_state(values: dict[str, Any]) -> StatusForm:
    """The form as typed, from `view.state.values` (KPI inputs found by their block IDs)."""
    text: dict[str, str] = {}
    kpis: dict[int, str] = {}
    for block_id, actions in values.items():
        value = _state_value(actions.get(ActionId.VALUE) or {})
        if block_id.startswith(StatusBlock.KPI_PREFIX):
            suffix = block_id.removeprefix(StatusBlock.KPI_PREFIX)
            if suffix.isdigit():
                kpis[int(suffix)] = value
        else:
            text[block_id] = value
    return StatusForm(
        progress=text.get(StatusBlock.PROGRESS, ""),
        plans=text.get(StatusBlock.PLANS, ""),
        blockers=text.get(StatusBlock.BLOCKERS, ""),
        health=text.get(StatusBlock.HEALTH) or None,
        health_reason=text.get(StatusBlock.HEALTH_REASON, ""),
        kpis=kpis,
        topic=text.get(StatusBlock.TOPIC, ""),
        risk=text.get(StatusBlock.RISK, ""),
    )


def status_field_errors(locale: str, errors: Sequence[FieldError]) -> dict[str, str]:
    """Per-field messages keyed by block ID, for `ack(response_action="errors")`."""
    result: dict[str, str] = {}
    for error in errors:
        if error.field.startswith("kpi:"):
            block = f"{StatusBlock.KPI_PREFIX}{error.field.removeprefix('kpi:')}"
        else:
            block = FIELD_BLOCKS[error.field]
        result.setdefault(block, t(locale, error.key, **dict(error.params)))
    return result


# -- messages -------------------------------------------------------------------------------------


def _section(heading: str, body: str, *, locale: str) -> SectionBlock:
    prefix = f"*{heading}*\n"
    return section(prefix + clip(escape(body), SECTION_TEXT_MAX - len(prefix), locale=locale))


def _kpi_lines(locale: str, view: StatusView) -> list[str]:
    lines = []
    for kpi in view.kpis:
        unit = f" {escape(kpi.unit)}" if kpi.unit else ""
        lines.append(
            t(
                locale,
                "status.confirm.kpi_line",
                title=escape(kpi.title),
                value=number(kpi.value) + unit,
                target=number(kpi.target) + unit,
            )
        )
    return lines


def summary_blocks(locale: str, view: StatusView, *, with_buttons: bool) -> list[Block]:
    """Health, progress, plans, blockers (each with a Resolved button), KPIs, topic and risk."""
    health = health_label(locale, view.health)
    if view.health_reason:
        health += " · " + clip(escape(view.health_reason), 1000, locale=locale)
    blocks: list[Block] = [section(f"*{t(locale, 'status.heading.health')}*\n{health}")]
    for heading, body in (("status.heading.progress", view.progress), ("status.heading.plans", view.plans)):
        if body:
            blocks.append(_section(t(locale, heading), body, locale=locale))
    if view.blockers:
        blocks.append(section(f"*{t(locale, 'status.heading.blockers')}*"))
        for blocker in view.blockers[:MESSAGE_BLOCKERS_MAX]:
            text = clip(escape(blocker.text), SECTION_TEXT_MAX - 100, locale=locale)
            if blocker.resolved:
                blocks.append(section(t(locale, "status.confirm.blocker_resolved", text=text)))
                continue
            resolve = (
                button(
                    StatusAction.RESOLVE_BLOCKER, t(locale, "status.button.resolved"), value=str(blocker.id)
                )
                if with_buttons
                else None
            )
            blocks.append(section(f"• {text}", accessory=resolve))
        hidden = len(view.blockers) - MESSAGE_BLOCKERS_MAX
        if hidden > 0:
            more = t(locale, "status.confirm.blockers_more", count=hidden)
            blocks.append(context(more))
    kpis = _kpi_lines(locale, view)
    if kpis:
        # The lines escaped their parts already and carry our own bold markers: pack, do not escape.
        heading = f"*{t(locale, 'status.heading.kpis')}*"
        for chunk in fit_lines([heading, *kpis], max_pieces=KPI_SECTIONS_MAX)[0]:
            blocks.append(section(chunk))
    for heading, body in (("status.heading.topic", view.topic), ("status.heading.risk", view.risk)):
        if body:
            blocks.append(_section(t(locale, heading), body, locale=locale))
    return blocks


def build_confirmation(locale: str, view: StatusView) -> dict[str, Any]:
    """The DM after a submission: what was saved, an Edit button, Resolved buttons per blocker."""
    title = (
        t(locale, "status.confirm.saved", week=format_week(locale, view.week))
        if view.revision <= 1
        else t(locale, "status.confirm.edited", week=format_week(locale, view.week), revision=view.revision)
    )
    blocks: list[Block] = [header(title)]
    if view.late:
        blocks.append(context(t(locale, "status.confirm.late")))
    blocks += summary_blocks(locale, view, with_buttons=True)
    blocks += [
        ActionsBlock(elements=[button(StatusAction.EDIT, t(locale, "status.button.edit"), value=view.week)]),
        context(t(locale, "status.confirm.edit_hint")),
    ]
    return {"text": title, "blocks": [b.to_dict() for b in blocks]}


def build_skipped(locale: str, week: str) -> dict[str, Any]:
    """What the prompt message becomes once the week is skipped: still answerable."""
    text = t(locale, "status.skip.done", week=format_week(locale, week))
    blocks: list[Block] = [
        section(text),
        ActionsBlock(elements=[button(StatusAction.WRITE, t(locale, "status.button.write"), value=week)]),
    ]
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}


def build_late_note(locale: str, view: StatusView) -> dict[str, Any]:
    """The note in the digest's thread for an update changed after the digest went out."""
    text = t(
        locale,
        "status.late.note",
        user=mention(view.member_slack_id),
        week=format_week(locale, view.week),
        revision=view.revision,
        health=health_label(locale, view.health),
    )
    blocks: list[Block] = [section(text)]
    blocks += summary_blocks(locale, view, with_buttons=False)
    return {"text": text, "blocks": [b.to_dict() for b in blocks]}
