"""`pmpulse demo`: one simulated week of a bank PM team, no Slack account needed.

The real app (Bolt listeners, services, scheduler jobs, outbox sender, the production
WSGI app on a real HTTP server) runs against the in-process fake Slack Web API and a
throwaway SQLite database. People act through signed requests exactly as Slack would
send them; the clock moves through the week in steps, running the minute tick. At the
end every DM and channel is printed as a person would read it.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from zoneinfo import ZoneInfo

from pydantic import SecretStr

from bot.app import create_app
from bot.config import Settings, secret_value
from bot.delivery.sender import drain_now
from bot.deps import AppDeps
from bot.fakeslack import FakeSlack, SlackRequestSender
from bot.fakeslack.render import render_message
from bot.ids import GoalBlock, StatusAction, StatusBlock
from bot.services.workspaces import set_team_setting
from bot.slack_client import build_web_client
from bot.web import build_wsgi_app
from handlers.jobs import run_job
from storage.db import make_engine, make_session_factory, upgrade

TEAM_ID = "T0HARBOUR"
SIGNING_SECRET = "demo-signing-secret"
DIGEST_CHANNEL = "C0PMDIGEST"
# Monday of the simulated week (2026-W49), at 08:00 in London, the team's home.
WEEK_START = dt.datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Europe/London"))
STEP = dt.timedelta(minutes=30)

S = SlackRequestSender


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    real_name: str
    tz: str
    locale: str
    role: str
    product: str = ""
    manager: str = ""


TEAM = (
    Person("U0HELEN", "helen", "Helen Zhou", "Europe/London", "en-GB", "admin"),
    Person("U0ZHANG", "zhangwei", "张伟 Zhang Wei", "Asia/Shanghai", "zh-CN", "manager"),
    Person("U0JAMES", "james", "James Wright", "Europe/London", "en-GB", "manager"),
    Person("U0LINA", "lina", "李娜 Li Na", "Asia/Shanghai", "zh-CN", "pm", "信用卡 Credit Cards", "U0ZHANG"),
    Person("U0CHEN", "chenjie", "陈杰 Chen Jie", "Asia/Shanghai", "zh-CN", "pm", "存款 Deposits", "U0ZHANG"),
    Person("U0TOM", "tom", "Tom Baker", "Europe/London", "en-GB", "pm", "Personal Loans", "U0JAMES"),
    Person("U0MARIA", "maria", "Maria Lopez", "America/New_York", "en-US", "pm", "Wealth", "U0JAMES"),
    Person("U0PRIYA", "priya", "Priya Nair", "Asia/Singapore", "en-GB", "pm", "Payments", "U0JAMES"),
)

GOALS: dict[str, dict[str, str]] = {
    "U0LINA": {
        "title": "提升信用卡月活",
        "metric": "月活跃持卡人",
        "unit": "万户",
        "baseline": "120",
        "target": "150",
        "due": "2027-03-31",
        "direction": "up",
    },
    "U0TOM": {
        "title": "Cut loan decision time",
        "metric": "Median decision time",
        "unit": "hours",
        "baseline": "48",
        "target": "24",
        "due": "2027-02-26",
        "direction": "down",
    },
    "U0MARIA": {
        "title": "Grow wealth AUM",
        "metric": "Assets under management",
        "unit": "USD m",
        "baseline": "820",
        "target": "900",
        "due": "2027-06-30",
        "direction": "up",
    },
}

# What each PM writes when prompted (None: they never answer; "skip": they skip the week).
UPDATES: dict[str, dict[str, str] | str | None] = {
    "U0LINA": {
        "progress": "完成新客首刷活动上线，首周激活率 38%。",
        "plans": "下周与风控评审额度策略。",
        "blockers": "风控模型审批排期延迟，影响提额上线",
        "health": "amber",
        "reason": "提额策略依赖风控审批",
        "kpi": "126",
        "topic": "风控审批流程提速",
    },
    "U0CHEN": "skip",
    "U0TOM": {
        "progress": "Straight-through approvals piloted in two branches.",
        "plans": "Roll out to all branches once the credit-bureau feed is fixed.",
        "blockers": "Credit-bureau feed failing since Monday <!channel>\nVendor contract renewal stuck",
        "health": "red",
        "reason": "Bureau outage blocks automated decisions",
        "kpi": "41",
        "risk": "Bureau outage could breach our SLA with brokers",
    },
    "U0MARIA": {
        "progress": "Two new model portfolios approved by the investment committee.",
        "plans": "Client webinars next week.",
        "blockers": "",
        "health": "green",
        "kpi": "834",
    },
    "U0PRIYA": None,
}
# Maria answers only after her reminder; the others as soon as they are prompted.
ANSWERS_AFTER_REMINDER = {"U0MARIA"}


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class DemoClock:
    """The app's clock, moved by the demo."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now.astimezone(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@contextmanager
def _serving(deps: AppDeps, settings: Settings) -> Iterator[str]:
    app, _ = create_app(settings, session_factory=deps.session_factory, client=deps.client, clock=deps.clock)
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi_app(
            app,
            deps.session_factory,
            signing_secret=secret_value(settings.SLACK_SIGNING_SECRET) or "",
            clock=deps.clock,
        ),
        server_class=_Server,
        handler_class=_Quiet,
    )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/slack/events"
    finally:
        server.shutdown()
        server.server_close()


class Demo:
    def __init__(
        self,
        fake: FakeSlack,
        sender: SlackRequestSender,
        deps: AppDeps,
        clock: DemoClock,
        out: Callable[[str], None],
    ) -> None:
        self.fake, self.sender, self.deps, self.clock, self.out = fake, sender, deps, clock, out
        self.names = {p.user_id: p.real_name for p in TEAM} | {DIGEST_CHANNEL: "pm-weekly"}
        self.answered: set[str] = set()

    def say(self, text: str) -> None:
        local = self.clock.now.astimezone(ZoneInfo("Europe/London"))
        self.out(f"[{local:%a %H:%M} London] {text}")

    def command(self, user_id: str, text: str) -> None:
        self.sender.slash_command(user_id=user_id, text=text)
        self.settle()

    def settle(self) -> None:
        """Let the listeners finish their work after the ack (Slack goes quiet), then drain the outbox."""
        seen = -1
        while seen != len(self.fake.calls):
            seen = len(self.fake.calls)
            time.sleep(0.15)
        drain_now(self.deps, max_seconds=10)

    def setup(self) -> None:
        head = TEAM[0]
        self.say(f"{head.real_name} sets up the team with /pm team add and the digest channel")
        with self.deps.uow(1) as uow:
            set_team_setting(uow, actor=head.user_id, setting="digest_channel", text=DIGEST_CHANNEL)
        for person in TEAM[1:]:
            if person.role == "manager":
                self.command(head.user_id, f"team add <@{person.user_id}|{person.name}> manager")
        for person in TEAM[1:]:
            if person.role == "pm":
                self.command(
                    person.manager, f"team add <@{person.user_id}|{person.name}> pm {person.product}"
                )
        for user_id, goal in GOALS.items():
            self.add_goal(user_id, goal)

    def add_goal(self, user_id: str, goal: dict[str, str]) -> None:
        before = len(self.fake.calls_to("views.open"))
        self.sender.slash_command(user_id=user_id, text="goal add")
        view = self.fake.wait_for("views.open", count=before + 1).response["view"]
        values = {
            GoalBlock.TITLE: {"value": S.plain(goal["title"])},
            GoalBlock.METRIC: {"value": S.plain(goal["metric"])},
            GoalBlock.UNIT: {"value": S.plain(goal["unit"])},
            GoalBlock.BASELINE: {"value": S.plain(goal["baseline"])},
            GoalBlock.TARGET: {"value": S.plain(goal["target"])},
            GoalBlock.DUE_DATE: {"value": S.datepicker(goal["due"])},
            GoalBlock.DIRECTION: {"value": S.select(goal["direction"])},
        }
        self.sender.view_submission(user_id=user_id, view=view, values={str(k): v for k, v in values.items()})
        self.settle()
        self.say(f"{self.names[user_id]} sets a goal: {goal['title']}")

    def run_week(self) -> None:
        end = WEEK_START + dt.timedelta(days=5)
        self.clock.now = WEEK_START.astimezone(dt.UTC)
        while self.clock.now < end:
            summary = run_job("tick", self.deps, self.clock.now)
            report = drain_now(self.deps, max_seconds=10)
            if report.sent:
                self.say(f"tick: {summary}; delivered {report.sent}")
            self.react()
            self.clock.now += STEP

    def react(self) -> None:
        """PMs answer the prompts (and reminders) that reached them, as the script says."""
        for user_id, update in UPDATES.items():
            if user_id in self.answered or update is None:
                continue
            prompts = self._prompts(user_id)
            needed = 2 if user_id in ANSWERS_AFTER_REMINDER else 1
            if len(prompts) < needed:
                continue
            week, channel, ts = prompts[-1]
            self.answered.add(user_id)
            if update == "skip":
                self.sender.block_action(
                    user_id=user_id,
                    action_id=StatusAction.SKIP,
                    value=week,
                    channel_id=channel,
                    message_ts=ts,
                )
                self.settle()
                self.say(f"{self.names[user_id]} presses Skip this week for {week} (on holiday)")
            elif isinstance(update, dict):
                self.write_update(user_id, week, update)

    def _prompts(self, user_id: str) -> list[tuple[str, str, str]]:
        """(week, channel, ts) of each prompt or reminder in the user's DM with a Write button."""
        channels = {
            str(call.response.get("ts")): str(call.response.get("channel"))
            for call in self.fake.calls_to("chat.postMessage")
            if call.response.get("ok")
        }
        found = []
        for message in self.fake.messages(user_id):
            for block in message.get("blocks", []):
                if block.get("type") != "actions":
                    continue
                for element in block.get("elements", []):
                    if element.get("action_id") == StatusAction.WRITE:
                        ts = str(message.get("ts"))
                        found.append((str(element.get("value")), channels.get(ts, user_id), ts))
        return found

    def write_update(self, user_id: str, week: str, update: dict[str, str]) -> None:
        before = len(self.fake.calls_to("views.open"))
        self.sender.block_action(user_id=user_id, action_id=StatusAction.WRITE, value=week)
        view = self.fake.wait_for("views.open", count=before + 1).response["view"]
        values: dict[str, Any] = {
            StatusBlock.PROGRESS: {"value": S.plain(update["progress"])},
            StatusBlock.PLANS: {"value": S.plain(update["plans"])},
            StatusBlock.BLOCKERS: {"value": S.plain(update.get("blockers", ""))},
            StatusBlock.HEALTH: {"value": S.select(update["health"])},
            StatusBlock.HEALTH_REASON: {"value": S.plain(update.get("reason", ""))},
            StatusBlock.TOPIC: {"value": S.plain(update.get("topic", ""))},
            StatusBlock.RISK: {"value": S.plain(update.get("risk", ""))},
        }
        for block in view["blocks"]:
            block_id = str(block.get("block_id", ""))
            if block_id.startswith(StatusBlock.KPI_PREFIX):
                values[block_id] = {"value": S.plain(update.get("kpi", ""))}
        reply = self.sender.view_submission(
            user_id=user_id, view=view, values={str(k): v for k, v in values.items()}
        )
        if reply.text:
            raise RuntimeError(f"the status modal refused the demo's update: {reply.text}")
        self.settle()
        self.say(f"{self.names[user_id]} submits the {week} update ({update['health']})")

    def transcript(self) -> None:
        self.out("")
        self.out("=" * 78)
        self.out("What each channel and DM received")
        self.out("=" * 78)
        conversations = [(DIGEST_CHANNEL, "#pm-weekly (digest channel)")]
        conversations += [(p.user_id, f"DM with {p.real_name}") for p in TEAM]
        for channel, title in conversations:
            messages = self.fake.messages(channel)
            if not messages:
                continue
            self.out("")
            self.out(f"--- {title} " + "-" * max(0, 70 - len(title)))
            top = [m for m in messages if not m.get("thread_ts") or m.get("thread_ts") == m.get("ts")]
            for message in top:
                self._print(message, indent="")
                for reply in messages:
                    if reply.get("thread_ts") == message.get("ts") and reply is not message:
                        self._print(reply, indent="    | ")

    def _print(self, message: dict[str, Any], *, indent: str) -> None:
        self.out(indent + "• " + ("(reply in thread)" if indent else ""))
        for line in render_message(message, self.names):
            self.out(f"{indent}  {line}")


def run_demo(*, out: Callable[[str], None] = print) -> int:
    """Run the simulated week and print it; returns the exit status."""
    with (
        tempfile.TemporaryDirectory(prefix="pmpulse-demo-") as tmp,
        FakeSlack(team_id=TEAM_ID, team_name="Harbour Bank") as fake,
    ):
        for person in TEAM:
            fake.add_user(
                person.user_id,
                name=person.name,
                real_name=person.real_name,
                tz=person.tz,
                locale=person.locale,
            )
        settings = Settings(
            SLACK_BOT_TOKEN=SecretStr(fake.token),
            SLACK_SIGNING_SECRET=SecretStr(SIGNING_SECRET),
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=SecretStr(f"sqlite:///{Path(tmp) / 'demo.db'}"),
            PMPULSE_ADMINS=(TEAM[0].user_id,),
            PMPULSE_DEFAULT_TIMEZONE="Europe/London",
        )
        engine = make_engine(settings.database_url)
        upgrade(engine)
        clock = DemoClock(WEEK_START)
        deps = AppDeps(settings, make_session_factory(engine), build_web_client(settings), clock)
        with _serving(deps, settings) as url:
            sender = SlackRequestSender(
                app_url=url, signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
            )
            demo = Demo(fake, sender, deps, clock, out)
            out("pmpulse demo: one week of Harbour Bank's PM team, against a fake Slack (no account needed)")
            out("")
            demo.setup()
            demo.run_week()
            demo.transcript()
        engine.dispose()
    return 0
