"""Block Kit IDs shared by the builders in `bot.ui` and the listeners in `handlers`.

One place, so a renamed ID cannot drift between what is sent and what is listened for.
"""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/pm"


class Subcommand(StrEnum):
    """The `/pm` subcommands that work today; handlers.commands routes each one."""

    HELP = "help"
    TEAM = "team"
    GOAL = "goal"
    GOALS = "goals"
    DIGEST = "digest"
    STATUS = "status"
    LEAVE = "leave"
    SETTINGS = "settings"


# Subcommands of features still to come (docs/product.md#the-pm-command): answered honestly until then.
NOT_YET_AVAILABLE = frozenset(
    {"agenda", "action", "actions", "1on1", "feedback", "risk", "review", "export"}
)


class CallbackId(StrEnum):
    GOAL_ADD = "goal_add"
    FEEDBACK_SHORTCUT = "log_customer_feedback"
    SETTINGS = "team_settings"


class EventType(StrEnum):
    """Events API event types pmpulse listens for."""

    APP_HOME_OPENED = "app_home_opened"
    USER_CHANGE = "user_change"
    MESSAGE = "message"  # subscribed as `message.im`: direct messages to pmpulse
    APP_UNINSTALLED = "app_uninstalled"
    TOKENS_REVOKED = "tokens_revoked"


class ActionId(StrEnum):
    HOME_ADD_GOAL = "home_add_goal"
    HOME_HELP = "home_help"
    VALUE = "value"


class GoalBlock(StrEnum):
    OWNER = "goal_owner"
    TITLE = "goal_title"
    PRODUCT_LINE = "goal_product_line"
    METRIC = "goal_metric"
    UNIT = "goal_unit"
    BASELINE = "goal_baseline"
    TARGET = "goal_target"
    DUE_DATE = "goal_due_date"
    DIRECTION = "goal_direction"


class StatusAction(StrEnum):
    """Buttons of the weekly status flow; each button's `value` is the ISO week it is about."""

    WRITE = "status_write"
    SKIP = "status_skip"
    EDIT = "status_edit"
    RESOLVE_BLOCKER = "status_resolve_blocker"
    HOME_WRITE = "home_status_write"


class StatusCallback(StrEnum):
    MODAL = "status_update"


class StatusBlock(StrEnum):
    """Input blocks of the status modal; each goal's KPI input is KPI_PREFIX + the goal ID."""

    PROGRESS = "status_progress"
    PLANS = "status_plans"
    BLOCKERS = "status_blockers"
    HEALTH = "status_health"
    HEALTH_REASON = "status_health_reason"
    TOPIC = "status_topic"
    RISK = "status_risk"
    KPI_PREFIX = "status_kpi_"


class SettingsAction(StrEnum):
    """The settings modal's time zone picker asks for its options under this action_id."""

    TIMEZONE = "settings_timezone"


class SettingsBlock(StrEnum):
    """Each setting's input block is FIELD_PREFIX + its key (`settings_digest_time`)."""

    FIELD_PREFIX = "settings_"
    CLEAR_CHANNELS = "settings_clear_channels"
