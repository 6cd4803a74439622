"""`/pm help`, unknown and not-yet-built subcommands, signatures, workspaces, errors."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from storage.audit import AuditEntry
from storage.roster import Member
from tests.support.harness import Harness, seed_team


def test_help_lists_every_subcommand(harness: Harness) -> None:
    body = harness.command("UADMIN", "help")

    text = str(body["blocks"])
    for usage in (
        "/pm status",
        "/pm agenda add TEXT",
        "/pm 1on1 @user",
        "/pm goal add",
        "/pm team remove @user",
        "/pm export KIND",
        "/pm review @user [2026-Q4]",
    ):
        assert usage in text
    assert body["response_type"] == "ephemeral"


def test_help_in_chinese_for_a_chinese_speaker(harness: Harness) -> None:
    seed_team(harness)
    body = harness.command("UPM1", "")
    assert "pmpulse 命令" in str(body["blocks"]) and "填写本周工作周报" in str(body["blocks"])


def test_unknown_subcommand_gets_the_help(harness: Harness) -> None:
    body = harness.command("UADMIN", "frobnicate <!channel>")
    assert "I don't know `/pm frobnicate`" in body["text"]
    assert "/pm goals [@user]" in str(body["blocks"])


def test_subcommand_not_built_yet_is_answered_honestly(harness: Harness) -> None:
    body = harness.command("UADMIN", "agenda")
    assert "`/pm agenda` is not available yet" in body["text"]


def test_forged_and_stale_signatures_are_rejected(harness: Harness) -> None:
    forged = harness.sender.slash_command(user_id="UADMIN", text="help", signature="v0=" + "0" * 64)
    stale = harness.sender.slash_command(user_id="UADMIN", text="help", timestamp=int(time.time()) - 3600)

    assert (forged.status_code, stale.status_code) == (401, 401)
    harness.settle()
    assert harness.fake.calls_to("response_url") == []


def test_unknown_workspace_touches_no_data(harness: Harness) -> None:
    harness.sender.team_id = "T9999"
    reply = harness.sender.slash_command(user_id="UADMIN", text="team add <@UPM1|li> pm")
    event = harness.sender.event({"type": "app_home_opened", "user": "UADMIN", "tab": "home"})

    assert (reply.status_code, event.status_code) == (200, 200)
    harness.settle()
    assert [c.method for c in harness.fake.calls if c.method != "auth.test"] == []
    with harness.session_factory() as session:
        assert session.scalar(select(func.count(Member.id))) == 0
        assert session.scalar(select(func.count(AuditEntry.id))) == 0


def test_slack_failure_in_a_listener_gets_an_apology(harness: Harness) -> None:
    seed_team(harness)
    harness.fake.fail_next("views.open", kind="slack_error", error="internal_error")

    body = harness.command("UPM1", "goal add")

    assert "抱歉，系统暂时无法处理您的请求" in body["text"]


def test_health_and_metrics(harness: Harness) -> None:
    import requests

    harness.command("UADMIN", "help")

    health = requests.get(f"{harness.url}/healthz", timeout=5)
    metrics = requests.get(f"{harness.url}/metrics", timeout=5).text

    assert health.status_code == 200 and health.json()["database"] == "ok"
    assert 'pmpulse_requests_total{kind="command",name="/pm help"}' in metrics
    assert "pmpulse_request_seconds_bucket" in metrics


def test_someone_off_the_roster_is_answered_in_their_slack_language(harness: Harness, fake: object) -> None:
    harness.fake.add_user("UZH", name="wang", real_name="Wang Fang", tz="Asia/Shanghai", locale="zh-CN")
    body = harness.command("UZH", "team")
    assert "你还不在 pmpulse 的团队名单中" in body["text"]
