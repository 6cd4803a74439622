"""The team settings service: one transaction, audited, authorised on every call, and never
overwriting what someone else changed after the form was opened."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.domain.goals import FieldError
from bot.services import settings as service
from bot.services.errors import FormErrors, PermissionDenied, ServiceError
from bot.services.workspaces import parse_setting, set_team_setting
from storage.uow import UnitOfWork
from tests.support.factories import add_member, add_workspace


def _workspace(session_factory: sessionmaker[Session], team: str = "TA") -> int:
    ref = add_workspace(session_factory, team, name=team, bot_user_id="UB", timezone="Asia/Shanghai")
    with UnitOfWork(session_factory, ref.id) as uow:
        add_member(uow, "UMGR", role="manager", name="Mei")
        add_member(uow, "UADM", role="admin", name="Ada")
        add_member(uow, "UPM", role="pm", name="Li")
        add_member(uow, "UGONE", role="manager", name="Gone", active=False)
        uow.commit()
    return ref.id


def _factory(session_factory: sessionmaker[Session]) -> Callable[[int], UnitOfWork]:
    return lambda workspace_id: UnitOfWork(session_factory, workspace_id)


def _save(uow: Callable[[int], UnitOfWork], **given: object) -> service.SettingsSaved:
    given.setdefault("check_channel", service.any_channel)
    return service.save_settings(uow, **given)  # type: ignore[arg-type]


def _keys(errors: FormErrors) -> dict[str, str]:
    """Setting key -> catalog key of the message under it."""
    return {e.field: e.key for e in errors.fields}


def _current(errors: FormErrors) -> dict[str, object]:
    """The value now stored, for each field someone else changed meanwhile."""
    return {e.field: dict(e.params)["current"] for e in errors.fields if e.key == service.CHANGED_MEANWHILE}


def _audit(session_factory: sessionmaker[Session], workspace_id: int) -> list[dict[str, object]]:
    with UnitOfWork(session_factory, workspace_id) as uow:
        return [e.detail for e in uow.audit.recent() if e.entity == "team_settings"]


def test_read_settings_gives_the_form_text_parse_setting_reads_back(
    session_factory: sessionmaker[Session],
) -> None:
    ws = _workspace(session_factory)

    form = service.read_settings(_factory(session_factory), workspace_id=ws, actor="UMGR")

    assert form.values["timezone"] == "Asia/Shanghai"
    assert form.values["digest_channel"] == ""
    assert form.values["digest_day"] == "fri" and form.values["digest_time"] == "17:00"
    for key, text in form.values.items():
        assert service.setting_text(key, parse_setting(key, text)) == text


@pytest.mark.parametrize("actor", ["UPM", "UGONE", "UNOBODY"])
def test_only_active_managers_and_admins_may_read_or_save(
    session_factory: sessionmaker[Session], actor: str
) -> None:
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UADM").values

    with pytest.raises(PermissionDenied):
        service.read_settings(uow, workspace_id=ws, actor=actor)
    with pytest.raises(PermissionDenied):
        _save(uow, workspace_id=ws, actor=actor, submitted={"digest_time": "06:00"}, shown=shown)
    assert _audit(session_factory, ws) == []


def test_a_manager_of_another_workspace_is_not_a_manager_here(session_factory: sessionmaker[Session]) -> None:
    ws = _workspace(session_factory)
    other = add_workspace(session_factory, "TB", name="B", bot_user_id=None)
    with UnitOfWork(session_factory, other.id) as uow:
        add_member(uow, "UMGRB", role="manager", name="B")
        uow.commit()
    shown = service.read_settings(_factory(session_factory), workspace_id=ws, actor="UMGR").values

    with pytest.raises(PermissionDenied):
        _save(
            _factory(session_factory),
            workspace_id=ws,
            actor="UMGRB",
            submitted={"digest_time": "06:00"},
            shown=shown,
        )


def test_all_changes_are_saved_together_and_each_audited(session_factory: sessionmaker[Session]) -> None:
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values

    saved = _save(
        uow,
        workspace_id=ws,
        actor="UMGR",
        submitted={
            **shown,
            "digest_time": "18:00",
            "digest_channel": "#C0DIGEST",
            "one_on_one_cadence_days": "14",
        },
        shown=shown,
    )

    assert saved.changes == (
        service.SettingChange("digest_channel", "", "C0DIGEST"),
        service.SettingChange("digest_time", "17:00", "18:00"),
        service.SettingChange("one_on_one_cadence_days", "30", "14"),
    )
    with UnitOfWork(session_factory, ws) as work:
        settings = work.team_settings.get()
        assert settings is not None
        assert (settings.digest_time, settings.digest_channel) == (dt.time(18, 0), "C0DIGEST")
    assert sorted(str(d["key"]) for d in _audit(session_factory, ws)) == [
        "digest_channel",
        "digest_time",
        "one_on_one_cadence_days",
    ]


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("one_on_one_cadence_days", "0"),
        ("one_on_one_cadence_days", "100000"),
        ("one_on_one_cadence_days", "1e3"),
        ("one_on_one_cadence_days", "nan"),
        ("timezone", "Mars/Olympus"),
        ("timezone", "posixrules"),
        ("timezone", "Factory"),
        ("timezone", "../../../etc/passwd"),
        ("locale", "fr"),
        ("digest_time", "25:99"),
        ("digest_time", ""),
        ("digest_day", "someday"),
        ("digest_channel", "U0PERSON"),
        ("digest_channel", "C0<!here>"),
    ],
)
def test_absurd_values_are_per_field_errors_and_nothing_is_saved(
    session_factory: sessionmaker[Session], key: str, text: str
) -> None:
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values

    with pytest.raises(FormErrors) as refused:
        _save(uow, workspace_id=ws, actor="UMGR", submitted={key: text, "meeting_time": "11:00"}, shown=shown)

    kind = {"one_on_one_cadence_days": "days", "digest_time": "time", "digest_day": "day"}.get(key, key)
    kind = "channel" if key == "digest_channel" else kind
    assert _keys(refused.value) == {key: f"settings.error.{kind}"}
    assert _audit(session_factory, ws) == []
    # The CLI refuses exactly the same values: one validation.
    with UnitOfWork(session_factory, ws) as work, pytest.raises(ValueError):
        set_team_setting(work, actor="cli", setting=key, text=text)


def test_the_channel_check_plugs_in_for_changed_channels_only(session_factory: sessionmaker[Session]) -> None:
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values
    asked: list[str] = []

    def cannot_post(channel: str) -> str:
        asked.append(channel)
        raise ServiceError("channels.error.archived", name="risk")

    with pytest.raises(FormErrors) as refused:
        _save(
            uow,
            workspace_id=ws,
            actor="UMGR",
            submitted={**shown, "risk_channel": "C0RISK"},
            shown=shown,
            check_channel=cannot_post,
        )

    assert asked == ["C0RISK"]
    assert refused.value.fields == (
        FieldError("risk_channel", "channels.error.archived", (("name", "risk"),)),
    )
    assert _audit(session_factory, ws) == []


def test_someone_elses_change_meanwhile_is_a_conflict_not_overwritten(
    session_factory: sessionmaker[Session],
) -> None:
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values
    with UnitOfWork(session_factory, ws) as work:
        set_team_setting(work, actor="UADM", setting="digest_time", text="18:00")

    with pytest.raises(FormErrors) as conflict:
        _save(
            uow,
            workspace_id=ws,
            actor="UMGR",
            submitted={**shown, "digest_time": "19:00", "meeting_day": "wed"},
            shown=shown,
        )
    assert _current(conflict.value) == {"digest_time": "18:00"}

    # The same change made by both is no conflict; a field left alone keeps the other's change.
    saved = _save(
        uow,
        workspace_id=ws,
        actor="UMGR",
        submitted={**shown, "digest_time": "18:00", "meeting_day": "wed"},
        shown=shown,
    )
    assert [c.key for c in saved.changes] == ["meeting_day"]
    saved = _save(uow, workspace_id=ws, actor="UMGR", submitted=shown, shown=shown)
    assert saved.changes == ()
    with UnitOfWork(session_factory, ws) as work:
        settings = work.team_settings.get()
        assert settings is not None and settings.digest_time == dt.time(18, 0)


def test_a_form_that_does_not_say_what_it_showed_is_refused(session_factory: sessionmaker[Session]) -> None:
    ws = _workspace(session_factory)

    with pytest.raises(FormErrors) as refused:
        _save(
            _factory(session_factory),
            workspace_id=ws,
            actor="UMGR",
            submitted={"digest_time": "06:00"},
            shown={},
        )

    assert _keys(refused.value) == {"digest_time": "settings.error.stale_form"}


def test_two_submissions_at_once_save_once(session_factory: sessionmaker[Session]) -> None:
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values
    barrier = threading.Barrier(2)
    results: list[object] = []

    def submit(actor: str, time: str) -> None:
        barrier.wait()
        try:
            results.append(
                _save(
                    uow, workspace_id=ws, actor=actor, submitted={**shown, "digest_time": time}, shown=shown
                )
            )
        except FormErrors as conflict:
            results.append(conflict)

    threads = [
        threading.Thread(target=submit, args=("UMGR", "18:00")),
        threading.Thread(target=submit, args=("UADM", "19:00")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    saved = [r for r in results if isinstance(r, service.SettingsSaved)]
    conflicts = [r for r in results if isinstance(r, FormErrors)]
    assert len(saved) == 1 and len(conflicts) == 1, results
    winner = saved[0].changes[0].new
    assert _current(conflicts[0]) == {"digest_time": winner}
    assert [d["new"] for d in _audit(session_factory, ws)] == [winner]


def test_a_change_committing_while_a_submission_runs_is_not_overwritten(
    session_factory: sessionmaker[Session],
) -> None:
    """The submission waits for the settings' lock, then sees the other change: no lost update."""
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values
    outcome: list[object] = []

    def submit() -> None:
        try:
            outcome.append(
                _save(
                    uow,
                    workspace_id=ws,
                    actor="UMGR",
                    submitted={**shown, "digest_time": "19:00"},
                    shown=shown,
                )
            )
        except FormErrors as conflict:
            outcome.append(conflict)

    with UnitOfWork(session_factory, ws) as other:
        settings = other.team_settings.get_for_update()
        assert settings is not None
        settings.digest_time = dt.time(18, 0)
        other.session.flush()
        thread = threading.Thread(target=submit)
        thread.start()
        thread.join(timeout=0.5)  # the submission is now waiting on the lock
        other.commit()
    thread.join(timeout=30)

    assert len(outcome) == 1 and isinstance(outcome[0], FormErrors), outcome
    assert _current(outcome[0]) == {"digest_time": "18:00"}
    with UnitOfWork(session_factory, ws) as work:
        stored = work.team_settings.get()
        assert stored is not None and stored.digest_time == dt.time(18, 0)


def test_slack_is_asked_about_a_channel_only_for_a_form_that_could_be_saved(
    session_factory: sessionmaker[Session],
) -> None:
    """The check may join the channel: a PM's forged form, a stale one or a bad value joins nothing."""
    ws = _workspace(session_factory)
    uow = _factory(session_factory)
    shown = service.read_settings(uow, workspace_id=ws, actor="UMGR").values
    asked: list[str] = []

    def check(channel: str) -> str:
        asked.append(channel)
        return channel

    with pytest.raises(PermissionDenied):
        _save(
            uow,
            workspace_id=ws,
            actor="UPM",
            submitted={**shown, "risk_channel": "C0RISK"},
            shown=shown,
            check_channel=check,
        )
    with pytest.raises(FormErrors):
        _save(
            uow,
            workspace_id=ws,
            actor="UMGR",
            submitted={**shown, "risk_channel": "C0RISK", "digest_time": "25:99"},
            shown=shown,
            check_channel=check,
        )
    with UnitOfWork(session_factory, ws) as work:
        set_team_setting(work, actor="UADM", setting="risk_channel", text="C0OTHER")
    with pytest.raises(FormErrors) as conflict:
        _save(
            uow,
            workspace_id=ws,
            actor="UMGR",
            submitted={**shown, "risk_channel": "C0RISK"},
            shown=shown,
            check_channel=check,
        )

    assert asked == []
    assert _current(conflict.value) == {"risk_channel": "C0OTHER"}
    # The channel stored is the one the check answers for.
    fresh = service.read_settings(uow, workspace_id=ws, actor="UMGR").values
    saved = _save(
        uow,
        workspace_id=ws,
        actor="UMGR",
        submitted={**fresh, "digest_channel": "C0DIGEST"},
        shown=fresh,
        check_channel=lambda channel: "C0RESOLVED",
    )
    assert [(c.key, c.new) for c in saved.changes] == [("digest_channel", "C0RESOLVED")]
