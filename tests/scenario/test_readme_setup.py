"""README.md's "Put it into a workspace", followed step by step against the fake Slack.

The steps and their commands are read from the README itself (the numbered steps, their fenced
blocks and `code` spans), so a README change that no longer works, or that reorders the steps
into an order that cannot work, fails here. Each command runs as the operator would run it: the
environment the README exports, `pmpulse run --http` as a process, the CLI as processes, and
`/pm` commands and the settings form as Slack sends them, signed, to that process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bot.fakeslack import FakeSlack, SlackRequestSender
from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_view
from bot.ids import SettingsAction, StatusAction
from tests.support.cli import pmpulse, pmpulse_started
from tests.support.harness import SIGNING_SECRET, TEAM_ID
from tests.support.slack import block, values_of

pytestmark = pytest.mark.waits  # a server started and a prompt waited for: started first in a parallel run

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MANIFEST: dict[str, Any] = yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))
# The README's example member ID, and the fake workspace's people its examples name.
EXAMPLE_MEMBER_ID = "U0123ABCD"
ADMIN = "UADMIN"
PEOPLE = {"mei": "UMGR", "li": "UPM1"}


# -- the README, read ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    number: int
    title: str
    text: str
    blocks: tuple[tuple[str, ...], ...]  # fenced blocks: their lines, comments and blanks dropped

    @property
    def spans(self) -> list[str]:
        return re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", self.text, flags=re.S))

    def lines(self) -> list[str]:
        return [line for b in self.blocks for line in b]


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def _steps() -> list[Step]:
    section = _section(README, "## Put it into a workspace").split("\n### ")[0]
    parts = re.split(r"^(\d+)\. \*\*(.+?)\*\*", section, flags=re.M)
    steps = []
    for number, title, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        blocks = []
        for fenced in re.findall(r"```[a-z]*\n(.*?)```", body, flags=re.S):
            lines = (re.sub(r"\s+#.*$", "", line).strip() for line in fenced.splitlines())
            blocks.append(tuple(line for line in lines if line and not line.startswith("#")))
        steps.append(Step(int(number), title, body, tuple(blocks)))
    return steps


STEPS = _steps()


def step_with(command: str) -> Step:
    """The one step whose fenced blocks or `code` spans hold a line starting with `command`."""
    found = [s for s in STEPS if any(line.startswith(command) for line in s.lines() + s.spans)]
    assert len(found) == 1, f"README: {command!r} should be in exactly one setup step, is in {found}"
    return found[0]


def line_of(step: Step, command: str) -> str:
    return next(line for line in step.lines() + step.spans if line.startswith(command))


def test_the_steps_are_numbered_in_order_and_each_command_comes_when_it_can_work() -> None:
    assert [s.number for s in STEPS] == list(range(1, len(STEPS) + 1))
    order = [
        step_with("export SLACK_BOT_TOKEN=").number,  # the environment, with the first admin
        step_with("pmpulse run --http").number,
        step_with("pmpulse doctor").number,
        step_with("/pm settings").number,  # needs an admin, and the workspace the start stored
        step_with("/pm team add @li pm").number,
        step_with("pmpulse jobs run status-prompts").number,  # needs a PM
    ]
    assert order == sorted(order), order
    assert any(
        line.startswith("export PMPULSE_ADMINS=") for line in step_with("export SLACK_BOT_TOKEN=").lines()
    )
    # The alternative first admin comes before the settings, which an admin must open.
    assert step_with("pmpulse team add U").number < step_with("/pm settings").number


def test_what_the_first_step_says_of_the_manifest_is_what_it_holds() -> None:
    said = STEPS[0].text
    scopes = MANIFEST["oauth_config"]["scopes"]["bot"]
    events = MANIFEST["settings"]["event_subscriptions"]["bot_events"]
    between = re.search(r"scopes (.*?); it subscribes", said, flags=re.S)
    assert between is not None
    assert re.findall(r"`([a-z.:_]+)`", between.group(1)) == scopes
    named_events = re.search(r"bot events (.*?); it declares", said, flags=re.S)
    assert named_events is not None
    assert re.findall(r"`([a-z._]+)`", named_events.group(1)) == events
    for needed in ("channels:read", "groups:read", "channels:join"):
        assert needed in scopes
    for needed in ("message.im", "app_uninstalled", "tokens_revoked"):
        assert needed in events
    assert [c["command"] for c in MANIFEST["features"]["slash_commands"]] == ["/pm"] and "`/pm`" in said
    shortcuts = [s["name"] for s in MANIFEST["features"]["shortcuts"]]
    assert all(f"*{name}*" in said.replace("\n   ", " ") for name in shortcuts), shortcuts
    interactivity = MANIFEST["settings"]["interactivity"]
    assert interactivity["is_enabled"] and interactivity["message_menu_options_url"].endswith("/slack/events")
    assert "options URL for the settings form's time zone search" in said.replace("\n   ", " ")
    # "Ships for Socket Mode", and the HTTP-mode host to replace is the manifest's.
    assert MANIFEST["settings"]["socket_mode_enabled"] is True and "socket_mode_enabled: false" in said
    assert "pmpulse.example.com" in said and "pmpulse.example.com" in interactivity["request_url"]


# -- the operator's shell ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def exported(step: Step) -> dict[str, str]:
    """The README's `export NAME=value` lines, as NAME -> the example value."""
    found: dict[str, str] = {}
    for line in step.lines():
        export = re.fullmatch(r"export (\w+)=(\S+)", line)
        assert export is not None, f"README: not an export line: {line!r}"
        found[export.group(1)] = export.group(2)
    documented = set(re.findall(r"^\| `(\w+)`", _section(README, "## Configuration"), flags=re.M))
    documented |= {"SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"}
    assert set(found) <= documented, set(found) - documented
    return found


def shell(command: str, env: dict[str, str], **values: str) -> subprocess.CompletedProcess[str]:
    """A README command line, with the README's example values replaced by this workspace's."""
    argv = shlex.split(command)
    assert argv[0] == "pmpulse", command
    argv = [values.get(arg, arg) for arg in argv]
    return pmpulse(env, *argv[1:], timeout=90)


@dataclass
class Operator:
    fake: FakeSlack
    env: dict[str, str]
    url: str = ""

    def sender(self) -> SlackRequestSender:
        return SlackRequestSender(
            app_url=f"{self.url}/slack/events", signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=self.fake
        )

    def slash(self, user_id: str, line: str) -> dict[str, Any]:
        """`/pm …` typed in Slack: Slack escapes @mentions (`should_escape`), signs and sends it."""
        assert line.startswith("/pm "), line
        text = re.sub(r"@(\w+)", lambda m: f"<@{PEOPLE[m.group(1)]}|{m.group(1)}>", line.removeprefix("/pm "))
        response_url = self.fake.response_url()
        reply = self.sender().slash_command(user_id=user_id, text=text, response_url=response_url)
        assert reply.status_code == 200, reply.text
        if reply.text:
            body: dict[str, Any] = reply.json()
            return body
        call = self.fake.wait_for("response_url", lambda c: c.params.get("_url") == response_url, timeout=15)
        return call.params


@pytest.fixture
def started(
    fake: FakeSlack, database_url: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Operator]:
    """Steps 3 and 4: the README's environment (the fake Slack's URL added), and `pmpulse run --http`."""
    environment = exported(step_with("export SLACK_BOT_TOKEN="))
    ours = {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "DATABASE_URL": database_url,
        "PMPULSE_ADMINS": ADMIN,
        "PORT": str(free_port()),
    }
    assert set(ours) <= set(environment), set(ours) - set(environment)
    assert environment["PMPULSE_ADMINS"] == EXAMPLE_MEMBER_ID
    if request.param == "team add":  # the README's other way to the first admin
        del ours["PMPULSE_ADMINS"]
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PMPULSE_", "DATABASE_URL"))}
    env = {**clean, **ours, "SLACK_API_URL": fake.api_url}

    argv = shlex.split(line_of(step_with("pmpulse run --http"), "pmpulse run --http"))
    log = tmp_path / "pmpulse-run.log"  # a file, not a pipe nobody reads that could fill and stall it
    output = log.open("w")
    process = pmpulse_started(env, *argv[1:], stdout=output, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{env['PORT']}"
    try:
        deadline = time.monotonic() + 45
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pmpulse did not start: {log.read_text()}")
            time.sleep(0.1)
        yield Operator(fake=fake, env=env, url=url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def next_thursday(at: dt.time, tz: dt.tzinfo) -> dt.datetime:
    today = dt.datetime.now(tz).date()
    day = today + dt.timedelta(days=(3 - today.weekday()) % 7 or 7)
    return dt.datetime.combine(day, at, tzinfo=tz)


@pytest.mark.parametrize("started", ["PMPULSE_ADMINS", "team add"], indirect=True)
def test_an_operator_follows_the_readme_to_the_first_prompt(started: Operator, fake: FakeSlack) -> None:
    op = started
    channel = fake.add_channel("pm-weekly", bot_member=False)  # public; pmpulse is not in it yet

    # 5. Check it: every check that can pass without a channel does.
    check = step_with("pmpulse doctor")
    doctor = shell(line_of(check, "pmpulse doctor"), op.env)
    assert doctor.returncode == 0, doctor.stdout
    listed = re.search(r"One line per check \((.*?)\)", check.text.replace("\n   ", " "))
    assert listed is not None
    checks = [c.strip() for c in listed.group(1).split(",") if c.strip() != "each configured channel"]
    for name in checks:
        assert any(line.startswith(f"ok   {name}:") for line in doctor.stdout.splitlines()), (
            name,
            doctor.stdout,
        )
    if "PMPULSE_ADMINS" not in op.env:
        # Not on the roster yet: the settings are refused, then the README's command makes one.
        assert "not on the pmpulse roster" in op.slash(ADMIN, "/pm settings")["text"]
        made = shell(line_of(check, "pmpulse team add U"), op.env, **{EXAMPLE_MEMBER_ID: ADMIN})
        assert made.returncode == 0, made.stderr
        time.sleep(5.5)  # the running process keeps who is asking for 5 seconds (README: Deployment)

    # 6. /pm settings: the form, the time zone searched as a person types it, a channel, the prompt time.
    settings = step_with("/pm settings")
    assert "/pm settings" in settings.spans
    fake.clear_calls()
    reply = op.sender().slash_command(user_id=ADMIN, text="settings")
    assert reply.status_code == 200, reply.text
    opened = fake.wait_for("views.open", timeout=15)
    assert opened.response["ok"], opened.response
    view: dict[str, Any] = opened.response["view"]
    assert validate_view(view) == []
    found = op.sender().block_suggestion(
        ADMIN, action_id=SettingsAction.TIMEZONE, value="shanghai", view=view, block_id=block("timezone")
    )
    assert [o["value"] for o in found.json()["options"]] == ["Asia/Shanghai"]
    submitted = op.sender().view_submission(
        ADMIN,
        view=view,
        values=values_of(
            view,
            timezone=S.external("Asia/Shanghai"),
            digest_channel=S.conversation(channel),
            prompt_day=S.select("thu"),
            prompt_time=S.timepicker("09:30"),
        ),
    )
    assert submitted.status_code == 200 and submitted.text == "", submitted.text
    assert [c.params["channel"] for c in fake.calls_to("conversations.join")] == [channel]
    confirmed = fake.wait_for("chat.postMessage", lambda c: c.response.get("ok"), timeout=15)
    assert fake.messages(ADMIN)[-1]["text"] == confirmed.params["text"]
    assert "• Digest channel none → <#" + channel + ">" in confirmed.params["text"]
    assert "• Update prompt time 16:00 → 09:30" in confirmed.params["text"]
    assert "Asia/Shanghai" in confirmed.params["text"]
    # The README's shell forms of the same settings are commands `config set` knows.
    for span in settings.spans:
        if span.startswith("pmpulse config set "):
            assert shlex.split(span)[3] in {"timezone", "digest_channel", "prompt_time"}, span
    # The channel is now checked by doctor, as the README says.
    again = shell("pmpulse doctor", op.env)
    assert again.returncode == 0 and f"ok   digest_channel: #pm-weekly ({channel})" in again.stdout, (
        again.stdout
    )

    # 7. The team, in Slack, line by line as the README writes it.
    team = step_with("/pm team add @li pm")
    for line in team.lines():
        answer = op.slash(ADMIN, line)
        person = PEOPLE[re.search(r"@(\w+)", line).group(1)]  # type: ignore[union-attr]
        assert f"<@{person}>" in answer["text"], answer
    assert "/pm team" in team.spans
    roster = json.dumps(op.slash(ADMIN, "/pm team"), ensure_ascii=False)
    assert "<@UPM1> · Credit Cards" in roster and "<@UMGR>" in roster, roster
    # Their names came from Slack, as the README says.
    listing = shell("pmpulse team list", op.env).stdout
    assert any(row.startswith("UPM1") and "Li Wei" in row for row in listing.splitlines()), listing

    # 8. The first prompt: the README's command, at the prompt time just set, on the next prompt day.
    first = step_with("pmpulse jobs run status-prompts")
    command = line_of(first, "pmpulse jobs run status-prompts")
    example = shlex.split(command)[-1]
    assert dt.datetime.fromisoformat(example).weekday() == 3  # the README's example is a Thursday
    at = next_thursday(dt.time(9, 30), dt.timezone(dt.timedelta(hours=8)))  # Li is in Asia/Shanghai
    fake.clear_calls()
    ran = shell(command, op.env, **{example: at.isoformat()})
    assert ran.returncode == 0, ran.stderr
    week = at.isocalendar()
    label = f"{week.year}-W{week.week:02d}"
    # Delivered before exit. On a Thursday after 09:30 in Shanghai the running app's own tick may
    # already have prompted Li for the current week (the same day is its catch-up window): the
    # prompt for the week the command names is this command's.
    assert any(label in str(c.params) and c.response.get("ok") for c in fake.calls_to("chat.postMessage"))
    [prompt] = [m for m in fake.messages("UPM1") if label in str(m)]
    buttons = [e for b in prompt["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(e["action_id"], e["text"]["text"]) for e in buttons][:2] == [
        (StatusAction.WRITE, "填写周报"),  # Li's Slack language is Simplified Chinese
        (StatusAction.SKIP, "跳过本周"),
    ]
    assert fake.messages(PEOPLE["mei"]) == []  # a manager is not prompted
