"""`pmpulse doctor`: check configuration, database, migrations, Slack token, scopes and clock.

Every check is reported, whatever failed before it; the exit code is 1 when any check failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import parsedate_to_datetime

from sqlalchemy import text

from bot.app import BOT_SCOPES
from bot.config import Settings
from bot.runtime import database_failure
from bot.slack_client import build_web_client
from storage.clock import system_now
from storage.db import make_engine, pending_migrations

CLOCK_SKEW_MAX = dt.timedelta(seconds=60)  # Slack rejects signatures older than 5 minutes


def run_doctor(settings: Settings, *, out: Callable[[str], None] = print) -> int:
    failures = 0

    def report(ok: bool, name: str, detail: str) -> None:
        nonlocal failures
        failures += 0 if ok else 1
        out(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")

    report(True, "configuration", "environment read")
    safe_url = settings.safe_database_url
    try:
        engine = make_engine(settings.database_url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # report any database failure as a failed check, and go on
        report(False, "database", f"DATABASE_URL: cannot open the database at {safe_url}: {_reason(exc)}")
        out("skip migrations: not checked without a database")
    else:
        report(True, "database", f"{safe_url} reachable")
        try:
            pending = pending_migrations(engine)
        except Exception as exc:  # a schema the migrations cannot read is a failed check too
            report(False, "migrations", _reason(exc))
        else:
            report(
                not pending,
                "migrations",
                "up to date" if not pending else f"{len(pending)} pending: run `pmpulse db upgrade`",
            )

    if not settings.SLACK_BOT_TOKEN:
        report(
            settings.oauth_enabled,
            "slack token",
            "OAuth mode: tokens come from installations"
            if settings.oauth_enabled
            else "SLACK_BOT_TOKEN is not set",
        )
    else:
        try:
            auth = build_web_client(settings, timeout=5).auth_test()
        except Exception as exc:  # unreachable or refused: either way the check fails
            report(False, "slack token", f"auth.test failed: {exc}")
        else:
            report(
                True,
                "slack token",
                f"valid for workspace {auth.get('team')} ({auth.get('team_id')}), "
                f"bot user {auth.get('user_id')}",
            )
            granted = {s.strip() for s in (auth.headers.get("x-oauth-scopes") or "").split(",") if s.strip()}
            missing = sorted(set(BOT_SCOPES) - granted)
            report(
                not missing,
                "scopes",
                "all granted: " + ", ".join(BOT_SCOPES) if not missing else "missing: " + ", ".join(missing),
            )
            server_date = auth.headers.get("date") or auth.headers.get("Date")
            if server_date:
                skew = abs(system_now() - parsedate_to_datetime(server_date))  # the real time, on purpose
                report(
                    skew <= CLOCK_SKEW_MAX,
                    "clock",
                    f"{skew.total_seconds():.1f} s from Slack's clock",
                )
            else:
                report(False, "clock", "Slack sent no Date header to compare with")
            _check_channels(settings, str(auth.get("team_id")), report, out)
    if settings.SLACK_SIGNING_SECRET or settings.socket_mode:
        report(
            True,
            "request verification",
            "Socket Mode" if settings.socket_mode else "signing secret set (HTTP mode)",
        )
    else:
        report(False, "request verification", "set SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN")
    out("all checks passed" if failures == 0 else f"{failures} check(s) failed")
    return 0 if failures == 0 else 1


def _check_channels(
    settings: Settings,
    team_id: str,
    report: Callable[[bool, str, str], None],
    out: Callable[[str], None],
) -> None:
    """Each configured channel, checked as `config set` checks it, without joining: pmpulse can post there."""
    from bot.i18n import t
    from bot.services.errors import ServiceError
    from bot.services.workspaces import configured_channels
    from bot.slack_channels import stored_channel_check
    from storage.db import make_session_factory

    try:
        channels = configured_channels(make_session_factory(make_engine(settings.database_url)), team_id)
    except Exception:  # the database check above has reported why
        out("skip channels: not checked without the database")
        return
    if channels is None:
        out(f"skip channels: workspace {team_id} is not stored yet (the first start stores it)")
        return
    client = build_web_client(settings, timeout=5)
    for key, channel_id in channels.items():
        if not channel_id:
            out(f"skip {key}: not set")
            continue
        try:
            checked = stored_channel_check(client, channel_id)
        except ServiceError as exc:
            report(False, key, f"{channel_id}: {t('en', exc.key, **exc.params)}")
        except Exception as exc:  # Slack failing here fails this check only
            report(False, key, f"{channel_id}: Slack could not be asked: {exc}")
        else:
            report(True, key, f"{checked.label}: pmpulse is in it and can post")


def _reason(exc: Exception) -> str:
    lines = str(exc).strip().splitlines()
    return database_failure(exc) or f"{type(exc).__name__}: {lines[0] if lines else ''}".rstrip(": ")
