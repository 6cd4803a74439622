"""The new-goal modal, its per-field errors, and goal lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    DatePickerElement,
    InputBlock,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.domain.goals import (
    METRIC_MAX,
    PRODUCT_LINE_MAX,
    TITLE_MAX,
    UNIT_MAX,
    FieldError,
    GoalDraft,
)
from bot.i18n import t
from bot.i18n.dates import format_date
from bot.ids import ActionId, CallbackId, GoalBlock
from bot.services.goals import GoalView
from bot.ui.blocks import context, header, section
from bot.ui.mrkdwn import HEADER_TEXT_MAX, cut, escape, fit_lines, number

FIELD_BLOCKS = {
    "owner": GoalBlock.OWNER,
    "title": GoalBlock.TITLE,
    "product_line": GoalBlock.PRODUCT_LINE,
    "metric": GoalBlock.METRIC,
    "unit": GoalBlock.UNIT,
    "baseline": GoalBlock.BASELINE,
    "target": GoalBlock.TARGET,
    "due_date": GoalBlock.DUE_DATE,
    "direction": GoalBlock.DIRECTION,
}


def _text_input(
    locale: str,
    block: GoalBlock,
    label: str,
    *,
    max_length: int,
    placeholder: str | None = None,
    optional: bool = False,
    initial: str | None = None,
) -> InputBlock:
    return InputBlock(
        block_id=block,
        label=t(locale, label),
        optional=optional,
        element=PlainTextInputElement(
            action_id=ActionId.VALUE,
            max_length=max_length,
            placeholder=t(locale, placeholder) if placeholder else None,
            initial_value=initial,
        ),
    )


def build_goal_modal(
    locale: str,
    *,
    actor_id: str,
    can_assign_others: bool,
    default_product_line: str | None,
    today: dt.date,
) -> dict[str, Any]:
    """The modal for `/pm goal add`; managers also choose whose goal it is (any size of team)."""
    blocks: list[Block] = [context(t(locale, "goal.modal.intro"))]
    if can_assign_others:
        blocks.append(
            InputBlock(
                block_id=GoalBlock.OWNER,
                label=t(locale, "goal.field.owner"),
                element=UserSelectElement(action_id=ActionId.VALUE, initial_user=actor_id),
            )
        )
    blocks += [
        _text_input(
            locale,
            GoalBlock.TITLE,
            "goal.field.title",
            max_length=TITLE_MAX,
            placeholder="goal.field.title_placeholder",
        ),
        _text_input(
            locale,
            GoalBlock.PRODUCT_LINE,
            "goal.field.product_line",
            max_length=PRODUCT_LINE_MAX,
            placeholder="goal.field.product_line_placeholder",
            optional=True,
            # Slack refuses a modal whose initial value is longer than the input's max_length.
            initial=cut(default_product_line, PRODUCT_LINE_MAX) if default_product_line else None,
        ),
        _text_input(
            locale,
            GoalBlock.METRIC,
            "goal.field.metric",
            max_length=METRIC_MAX,
            placeholder="goal.field.metric_placeholder",
        ),
        _text_input(
            locale,
            GoalBlock.UNIT,
            "goal.field.unit",
            max_length=UNIT_MAX,
            placeholder="goal.field.unit_placeholder",
            optional=True,
        ),
        _text_input(locale, GoalBlock.BASELINE, "goal.field.baseline", max_length=30),
        _text_input(locale, GoalBlock.TARGET, "goal.field.target", max_length=30),
        InputBlock(
            block_id=GoalBlock.DUE_DATE,
            label=t(locale, "goal.field.due_date"),
            element=DatePickerElement(
                action_id=ActionId.VALUE,
                initial_date=(today + dt.timedelta(days=90)).isoformat(),
            ),
        ),
    ]
    directions = [Option(value=d, text=t(locale, f"goal.direction.{d}")) for d in ("up", "down")]
    blocks.append(
        InputBlock(
            block_id=GoalBlock.DIRECTION,
            label=t(locale, "goal.field.direction"),
            element=RadioButtonsElement(
                action_id=ActionId.VALUE, options=directions, initial_option=directions[0]
            ),
        )
    )
    view = View(
        type="modal",
        callback_id=CallbackId.GOAL_ADD,
        title=t(locale, "goal.modal.title"),
        submit=t(locale, "goal.modal.submit"),
        close=t(locale, "goal.modal.close"),
        blocks=blocks,
    )
    return view.to_dict()


def _state_value(values: dict[str, Any], block: GoalBlock) -> str | None:
    """The submitted value of one input, whatever its element type."""
    state = values.get(block, {}).get(ActionId.VALUE, {})
    option = state.get("selected_option")
    value = (
        (option or {}).get("value")
        if "selected_option" in state
        else (state.get("selected_date") or state.get("selected_user") or state.get("value"))
    )
    return str(value) if value is not None else None


def parse_goal_state(values: dict[str, Any]) -> tuple[str | None, GoalDraft]:
    """The owner chosen (if the field was shown) and the draft, from `view.state.values`."""
    text = {block: _state_value(values, block) or "" for block in GoalBlock}
    draft = GoalDraft(
        title=text[GoalBlock.TITLE],
        metric=text[GoalBlock.METRIC],
        unit=text[GoalBlock.UNIT],
        baseline=text[GoalBlock.BASELINE],
        target=text[GoalBlock.TARGET],
        due_date=text[GoalBlock.DUE_DATE] or None,
        direction=text[GoalBlock.DIRECTION] or None,
        product_line=text[GoalBlock.PRODUCT_LINE],
    )
    return text[GoalBlock.OWNER] or None, draft


def field_errors(locale: str, errors: Sequence[FieldError]) -> dict[str, str]:
    """Per-field messages keyed by block ID, for `ack(response_action="errors")`."""
    result: dict[str, str] = {}
    for error in errors:
        block = FIELD_BLOCKS[error.field]
        result.setdefault(block, t(locale, error.key, **dict(error.params)))
    return result


def build_goal_notice(locale: str, goal: GoalView) -> dict[str, Any]:
    """What a goal's owner receives when someone else set the goal for them."""
    return {"text": goal_saved_text(locale, goal)}


def goal_saved_text(locale: str, goal: GoalView) -> str:
    key = "goal.saved" if goal.direction == "up" else "goal.saved_down"
    unit = f" {escape(goal.unit)}" if goal.unit else ""
    return t(
        locale,
        key,
        owner=escape(goal.owner_name),
        title=escape(goal.title),
        metric=escape(goal.metric),
        baseline=number(goal.baseline) + unit,
        target=number(goal.target) + unit,
        due=format_date(locale, goal.due_date),
    )


def goal_line(locale: str, goal: GoalView) -> str:
    product = f" · {escape(goal.product_line)}" if goal.product_line else ""
    return t(
        locale,
        "goal.list.line",
        title=escape(goal.title),
        product=product,
        metric=escape(goal.metric),
        baseline=number(goal.baseline),
        target=number(goal.target),
        unit=escape(goal.unit),
        due=format_date(locale, goal.due_date),
        expected=number(round(goal.expected_now, 2)),
    )


def build_goal_list(locale: str, *, owner_name: str, goals: Sequence[GoalView]) -> dict[str, Any]:
    title = cut(t(locale, "goal.list.title", name=owner_name), HEADER_TEXT_MAX)
    blocks: list[Block] = [header(title)]
    if not goals:
        blocks.append(section(t(locale, "goal.list.empty")))
    for chunk in fit_lines([goal_line(locale, g) + "\n" for g in goals], max_pieces=45)[0]:
        blocks.append(section(chunk))
    return {"text": title, "blocks": [block.to_dict() for block in blocks]}
