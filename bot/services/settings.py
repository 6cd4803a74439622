"""Team settings changed from Slack (`/pm settings`): who may, what changes, and what someone
else changed in the meantime.

Guarantees:
- One source of truth for what a setting may be: `workspaces.parse_setting`, the same check
  `pmpulse config set` runs. A value it refuses is a per-field error; nothing is saved.
- A channel is stored only once the channel check (Slack, given by the caller) says pmpulse can
  post there; it runs after the person's right to change settings is checked and only when the
  rest of the form is fine, because it may join the channel.
- All changes of one submission are saved in one transaction, each audited like the CLI's.
- Only what the person changed in the form is written. A setting someone else changed after the
  form was opened is never overwritten silently: if this person changed it too (to something
  else), the whole submission is refused with that field named and the value now stored
  (`settings.error.changed_meanwhile`, param `current`), and nothing is saved.
- Submitting the same form twice changes nothing the second time (the values are already so).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bot.domain.goals import FieldError
from bot.domain.roster import can_manage
from bot.services.errors import FormErrors, PermissionDenied, ServiceError
from bot.services.workspaces import EDITABLE, apply_team_setting, format_setting, parse_setting
from storage.uow import UnitOfWork
from storage.workspaces import TeamSettings

UowFactory = Callable[[int], UnitOfWork]

# The channel pmpulse will post in for a picked one (its ID), ready for it (joined if need be);
# a ServiceError says why it cannot be used, and becomes the message under that field.
ChannelCheck = Callable[[str], str]

CHANGED_MEANWHILE = "settings.error.changed_meanwhile"


def any_channel(channel: str) -> str:
    """A check that asks nobody: for callers without Slack (tests of everything but channels)."""
    return channel


@dataclass(frozen=True)
class SettingChange:
    key: str
    old: str  # as `setting_text` shows it ("" for no channel)
    new: str


@dataclass(frozen=True)
class TeamSettingsForm:
    """The editable settings as text, the form the modal shows them in (and parse_setting reads)."""

    values: Mapping[str, str]


@dataclass(frozen=True)
class SettingsSaved:
    changes: tuple[SettingChange, ...]


def setting_text(key: str, value: object) -> str:
    """A stored value as the form holds it: parse_setting reads it back to the same value."""
    return "" if value is None else format_setting(key, value)


def read_settings(uow: UowFactory, *, workspace_id: int, actor: str) -> TeamSettingsForm:
    """The team's settings for the form; managers and admins only."""
    with uow(workspace_id) as work:
        _authorize(work, actor)
        settings = _settings(work.team_settings.get())
        return TeamSettingsForm({key: setting_text(key, getattr(settings, key)) for key in EDITABLE})


def save_settings(
    uow: UowFactory,
    *,
    workspace_id: int,
    actor: str,
    submitted: Mapping[str, str],
    shown: Mapping[str, str],
    check_channel: ChannelCheck,
) -> SettingsSaved:
    """Save what `actor` changed from `shown` (what their form opened with) to `submitted`.

    Raises PermissionDenied (not a manager or admin of this workspace, checked again now) and
    FormErrors, one per field: a value parse_setting or the channel check refuses, or a field
    someone else changed after the form opened (CHANGED_MEANWHILE with the value now stored).
    """
    wanted, errors = _parse(submitted, shown)
    if errors:
        raise FormErrors(errors)
    with uow(workspace_id) as work:
        # Before Slack is asked anything: a refused form joins no channel.
        _authorize(work, actor)
        _plan(_settings(work.team_settings.get()), wanted, shown)
    for key, value in wanted.items():
        if EDITABLE[key] == "channel" and value:
            try:
                wanted[key] = check_channel(value)
            except ServiceError as refused:
                errors.append(FieldError(key, refused.key, tuple(refused.params.items())))
    if errors:
        raise FormErrors(errors)
    with uow(workspace_id) as work:
        # The lock first, so the reads below see every change committed before this one.
        settings = _settings(work.team_settings.get_for_update())
        _authorize(work, actor)
        changes = _plan(settings, wanted, shown)
        for change in changes:
            apply_team_setting(
                work, settings, actor=actor, key=change.key, value=parse_setting(change.key, change.new)
            )
        if changes:
            work.commit()
    return SettingsSaved(tuple(changes))


def _plan(settings: TeamSettings, wanted: Mapping[str, str], shown: Mapping[str, str]) -> list[SettingChange]:
    """The changes to make; FormErrors when someone else changed a field this person changed."""
    changes: list[SettingChange] = []
    conflicts: list[FieldError] = []
    for key, new in wanted.items():
        current = setting_text(key, getattr(settings, key))
        if current == new:
            continue  # already so: submitted twice, or someone made the same change
        if current != shown[key]:
            conflicts.append(FieldError(key, CHANGED_MEANWHILE, (("current", current),)))
            continue
        changes.append(SettingChange(key, current, new))
    if conflicts:
        raise FormErrors(conflicts)
    return changes


def _parse(submitted: Mapping[str, str], shown: Mapping[str, str]) -> tuple[dict[str, str], list[FieldError]]:
    """The fields the person changed, normalised to `setting_text`, and per-field errors."""
    wanted: dict[str, str] = {}
    errors: list[FieldError] = []
    for key in EDITABLE:
        if key not in submitted:
            continue
        if key not in shown:
            # The form did not say what it showed: nothing to tell a change from a stale value.
            errors.append(FieldError(key, "settings.error.stale_form"))
            continue
        try:
            new = setting_text(key, parse_setting(key, submitted[key]))
        except ValueError:
            errors.append(FieldError(key, f"settings.error.{EDITABLE[key]}"))
            continue
        if new != shown[key]:
            wanted[key] = new
    return wanted, errors


def _authorize(work: UnitOfWork, actor: str) -> None:
    member = work.members.get_by_slack_id(actor)
    if member is None or not member.active or not can_manage(member.role):
        raise PermissionDenied("settings.error.not_allowed")


def _settings(settings: TeamSettings | None) -> TeamSettings:
    if settings is None:
        raise ServiceError("settings.error.no_settings")
    return settings
