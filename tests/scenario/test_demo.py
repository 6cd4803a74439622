"""`pmpulse demo`, run as a user runs it (a process of its own), against its golden transcript.

The demo is deterministic (fixed clock, fixed team), so its whole output is kept in
`tests/scenario/golden/demo.txt`. When a message changes on purpose, regenerate it with

    PMPULSE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/scenario/test_demo.py

and read the diff of the golden file before committing it.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from tests.support.cli import pmpulse
from tests.support.once import once_per_run

GOLDEN = Path(__file__).parent / "golden" / "demo.txt"
SHORTCODE = re.compile(r":[a-z0-9_+-]+:")


@pytest.fixture(scope="module")
def transcript(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(once_per_run(tmp_path_factory, "demo-transcript", _run_demo))


def _run_demo() -> str:
    # The demo tells the same story whatever the shell exports: a bot's settings, another zone.
    env = {key: os.environ[key] for key in ("PATH", "HOME", "SYSTEMROOT") if key in os.environ}
    env |= {
        "TZ": "Asia/Tokyo",
        "PMPULSE_DEFAULT_LOCALE": "zh-CN",
        "PMPULSE_DEFAULT_TIMEZONE": "America/Los_Angeles",
        "PMPULSE_ADMINS": "U0SOMEONE",
        "SLACK_APP_TOKEN": "xapp-1-not-used",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",
        "DATABASE_URL": "sqlite:////nonexistent/pmpulse.db",
    }
    done = pmpulse(env, "demo", timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return done.stdout


def test_demo_prints_its_golden_transcript(transcript: str) -> None:
    if os.environ.get("PMPULSE_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(transcript, encoding="utf-8")
        pytest.skip(f"rewrote {GOLDEN}; review its diff before committing")
    expected = GOLDEN.read_text(encoding="utf-8")
    if transcript != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                transcript.splitlines(keepends=True),
                fromfile="golden/demo.txt",
                tofile="pmpulse demo",
            )
        )
        pytest.fail(
            "pmpulse demo no longer prints the golden transcript. If the change is intended, run\n"
            "  PMPULSE_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/scenario/test_demo.py\n"
            "and review the golden file's diff.\n\n" + diff,
            pytrace=False,
        )


def test_the_team_is_introduced_with_reporting_lines_timezones_and_languages(transcript: str) -> None:
    intro = transcript.split("Monday: the team moves in")[0]
    assert transcript.startswith("pmpulse demo:")
    assert "├─ James Wright, Head of Lending & Wealth — manager · Europe/London · English" in intro
    assert "│  ├─ Tom Baker — PM, Personal Loans · Europe/London · English" in intro
    assert "└─ 张伟 Zhang Wei" in intro
    assert "   ├─ 李娜 Li Na — PM, 信用卡 Credit Cards · Asia/Shanghai · Chinese" in intro
    assert "The week: 2026-W49, 30 Nov – 6 Dec." in intro


def test_each_step_says_who_sees_what_in_their_time_zone(transcript: str) -> None:
    assert "Thu 16:00 Asia/Shanghai (Thu 08:00 in London) — 李娜 Li Na gets a DM:" in transcript
    assert "Thu 16:00 America/New_York (Thu 21:00 in London) — Maria Lopez gets a DM:" in transcript
    assert "Fri 10:00 Asia/Singapore (Fri 02:00 in London) — Priya Nair gets a DM:" in transcript
    assert "Fri 17:00 Europe/London — #pm-weekly gets a message:" in transcript
    assert transcript.count("Fri 17:00 Europe/London — in the digest's thread:") == 3
    # The Chinese-speaking PM reads pmpulse in Chinese, with the week written the Chinese way.
    assert "    👋 李娜 Li Na，" in transcript and "2026年第49周（11月30日—12月6日）" in transcript
    assert "陈杰 Chen Jie sees the message change to:" in transcript


def test_emoji_are_drawn_not_spelled(transcript: str) -> None:
    assert SHORTCODE.findall(transcript) == []
    assert "👋" in transcript and "🟠 Amber" in transcript and "⌛ 1 of your reports" in transcript


def test_first_week_has_no_comparison_and_counts_agree(transcript: str) -> None:
    digest = transcript.split("#pm-weekly gets a message:")[1].split("in the digest's thread")[0]
    assert "Submitted: 3 of 4 (75%)\n" in digest
    assert "vs last week" not in transcript and "▲" not in transcript and "(+1)" not in transcript
    assert "Health  🟢 Green 1   🟠 Amber 1   🔴 Red 1\n" in digest
    assert "1 of your reports has not sent their update for 2026-W49, 30 Nov – 6 Dec" in transcript
    assert re.search(r"\b1 (prompts|reminders|updates|blockers)\b", transcript) is None


def test_the_form_the_command_answer_and_app_home_are_shown(transcript: str) -> None:
    form = transcript.split("presses [ 填写周报 ]; this form opens:")[1].split("└")[0]
    assert "┌── " in form and "│ 健康度\n" in form and "[ 取消 ]  [ 提交 ]" in form
    assert "Choose… ▾" in form  # the health select, as an empty dropdown
    status = transcript.split("types /pm status team; only he sees the answer:")[1]
    assert "== Team status for 2026-W49, 30 Nov – 6 Dec ==" in status
    assert "@Priya Nair · ⌛ Missing" in status
    home = transcript.split("opens pmpulse's App Home tab in Slack:")[1].split("└")[0]
    assert "┌── App Home" in home and "@李娜 Li Na · 信用卡 Credit Cards" in home
    assert "[ 填写周报 ]" in home


def test_it_ends_with_how_to_install_for_real(transcript: str) -> None:
    ending = transcript.rstrip("\n").splitlines()[-4:]
    assert ending[0] == "Put pmpulse into your own workspace" or ending[0].startswith("───")
    steps = transcript.rstrip("\n").splitlines()[-3:]
    assert [s[:3] for s in steps] == ["1. ", "2. ", "3. "]
    assert "manifest.yml" in steps[0] and "SLACK_BOT_TOKEN" in steps[1] and "PMPULSE_ADMINS" in steps[2]
    assert 'README.md, section "Put it into a workspace"' in steps[2]
    assert "## Put it into a workspace" in (Path(__file__).parents[2] / "README.md").read_text("utf-8")
