"""Goals: validation of a new goal and where a metric should stand on its way to target."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

TITLE_MAX = 200
METRIC_MAX = 200
UNIT_MAX = 32
# The one limit on a product line's name, wherever it is typed (`/pm team add`, `pmpulse team add
# --product`, the goal modal); the `product_line.name` column is String(100) to match.
PRODUCT_LINE_MAX = 100

# Every number a person types (goal baseline and target, weekly KPI values) is bounded. Bank
# metrics, even a whole bank's balances in yuan, stay below a quadrillion (10**15, 千万亿);
# anything larger is a typo or an attack, and near float's limits the straight line from
# baseline to target overflows to infinity. Below 10**15 a double still holds whole numbers
# exactly. Six decimals cover rates typed as fractions (0.0325); more is noise nobody reads,
# since figures are shown with at most two.
NUMBER_MAX_DIGITS = 15
NUMBER_MAX_DECIMALS = 6
NUMBER_LIMIT = 10.0**NUMBER_MAX_DIGITS


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
    exact = _decimal(text)
    value = float(exact) if exact is not None else math.nan
    return value if math.isfinite(value) else None


def read_number(text: str, field: str) -> float | FieldError:
    """A number a person typed into `field`, within the bounds above, or what is wrong with it."""
    exact = _decimal(text)
    if exact is None:
        return FieldError(field, "error.not_a_number")
    if exact.copy_abs() >= _LIMIT or not in_bounds(float(exact)):
        return FieldError(field, "error.number_too_large", (("digits", NUMBER_MAX_DIGITS),))
    if _decimal_places(exact) > NUMBER_MAX_DECIMALS:
        return FieldError(field, "error.too_many_decimals", (("places", NUMBER_MAX_DECIMALS),))
    return float(exact)


def in_bounds(value: float) -> bool:
    """Whether a stored figure is one a person could have typed (rows older than the bounds may not be)."""
    return math.isfinite(value) and abs(value) < NUMBER_LIMIT


def _decimal_places(exact: Decimal) -> int:
    """Digits after the decimal point, trailing zeros not counted ("1.50" has 1); exact, no rounding."""
    _, digits, exponent = exact.as_tuple()
    assert isinstance(exponent, int)  # finite
    if not any(digits):
        return 0
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -exponent - trailing)


def _decimal(text: str) -> Decimal | None:
    """The exact number in user text, or None when it is not a finite number."""
    cleaned = text.strip().translate(_FULL_WIDTH).replace(",", "").replace("_", "")
    cleaned = cleaned.removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        exact = Decimal(cleaned)
    except (InvalidOperation, ValueError):
        return None
    return exact if exact.is_finite() else None


_LIMIT = Decimal(10) ** NUMBER_MAX_DIGITS
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

    baseline: float | None = None
    target: float | None = None
    read = read_number(draft.baseline, "baseline")
    if isinstance(read, FieldError):
        errors.append(read)
    else:
        baseline = read
    read = read_number(draft.target, "target")
    if isinstance(read, FieldError):
        errors.append(read)
    else:
        target = read

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
    """Where the metric should be on `on` if it moved in a straight line from baseline to target.

    Weighted, not `baseline + (target - baseline) * share`: the difference of two finite figures
    can overflow (stored rows predate the bounds), their weighted sum cannot.
    """
    span = (due - start).days
    if span <= 0 or on >= due:
        return target
    if on <= start:
        return baseline
    share = (on - start).days / span
    return baseline * (1 - share) + target * share


def goal_set_key(team: str, owner: str, goal_id: int) -> str:
    """The outbox key of the notice telling `owner` someone else set goal `goal_id` for them."""
    return f"goal-set:{team}:{owner}:{goal_id}"
