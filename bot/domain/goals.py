"""Goals: validation of a new goal and where a metric should stand on its way to target."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

TITLE_MAX = 200
METRIC_MAX = 200
UNIT_MAX = 32
PRODUCT_LINE_MAX = 100


class Direction(StrEnum):
    UP = "up"
    DOWN = "down"


@dataclass(frozen=True)
class FieldError:
    """A validation failure on one field: a catalog key and its parameters."""

    field: str
    key: str
    params: tuple[tuple[str, object], ...] = ()


@dataclass(frozen=True)
class GoalDraft:
    """A goal as typed into the modal, before validation (all text)."""

    title: str
    metric: str
    unit: str
    baseline: str
    target: str
    due_date: str | None
    direction: str | None
    product_line: str = ""


@dataclass(frozen=True)
class ValidGoal:
    title: str
    metric: str
    unit: str
    baseline: float
    target: float
    due_date: dt.date
    direction: Direction
    product_line: str | None


def parse_number(text: str) -> float | None:
    """A finite number from user text; accepts thousands separators, a trailing % and full-width digits."""
    cleaned = text.strip().translate(_FULL_WIDTH).replace(",", "").replace("_", "")
    cleaned = cleaned.removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


_FULL_WIDTH = str.maketrans("０１２３４５６７８９．，－＋％", "0123456789.,-+%")


def validate_goal(draft: GoalDraft, *, today: dt.date) -> ValidGoal | list[FieldError]:
    """Check a draft; return the goal or every field error at once."""
    errors: list[FieldError] = []
    title = draft.title.strip()
    metric = draft.metric.strip()
    unit = draft.unit.strip()
    product_line = draft.product_line.strip()
    if not title:
        errors.append(FieldError("title", "error.required"))
    elif len(title) > TITLE_MAX:
        errors.append(FieldError("title", "error.too_long", (("max", TITLE_MAX),)))
    if not metric:
        errors.append(FieldError("metric", "error.required"))
    elif len(metric) > METRIC_MAX:
        errors.append(FieldError("metric", "error.too_long", (("max", METRIC_MAX),)))
    if len(unit) > UNIT_MAX:
        errors.append(FieldError("unit", "error.too_long", (("max", UNIT_MAX),)))
    if len(product_line) > PRODUCT_LINE_MAX:
        errors.append(FieldError("product_line", "error.too_long", (("max", PRODUCT_LINE_MAX),)))

    baseline = parse_number(draft.baseline)
    if baseline is None:
        errors.append(FieldError("baseline", "error.not_a_number"))
    target = parse_number(draft.target)
    if target is None:
        errors.append(FieldError("target", "error.not_a_number"))

    direction: Direction | None = None
    if draft.direction not in (Direction.UP, Direction.DOWN):
        errors.append(FieldError("direction", "error.required"))
    else:
        direction = Direction(draft.direction)

    due: dt.date | None = None
    if not draft.due_date:
        errors.append(FieldError("due_date", "error.required"))
    else:
        try:
            due = dt.date.fromisoformat(draft.due_date)
        except ValueError:
            errors.append(FieldError("due_date", "error.bad_date"))
        else:
            if due <= today:
                errors.append(FieldError("due_date", "error.due_date_past"))

    if baseline is not None and target is not None and direction is not None:
        if target == baseline:
            errors.append(FieldError("target", "error.target_equals_baseline"))
        elif direction is Direction.UP and target < baseline:
            errors.append(FieldError("target", "error.target_below_baseline"))
        elif direction is Direction.DOWN and target > baseline:
            errors.append(FieldError("target", "error.target_above_baseline"))

    if errors:
        return errors
    assert baseline is not None and target is not None and direction is not None and due is not None
    return ValidGoal(
        title=title,
        metric=metric,
        unit=unit,
        baseline=baseline,
        target=target,
        due_date=due,
        direction=direction,
        product_line=product_line or None,
    )


def expected_value(*, baseline: float, target: float, start: dt.date, due: dt.date, on: dt.date) -> float:
    """Where the metric should be on `on` if it moved in a straight line from baseline to target."""
    span = (due - start).days
    if span <= 0 or on >= due:
        return target
    if on <= start:
        return baseline
    return baseline + (target - baseline) * (on - start).days / span
