"""`pmpulse demo`: one week of a bank PM team, told as who sees what, no Slack account needed.

The real app (Bolt listeners, services, scheduler jobs, outbox sender, the production WSGI app
on a real HTTP server) runs against the in-process fake Slack Web API and a throwaway SQLite
database. People act through signed requests exactly as Slack would send them; the clock moves
through the week in steps, running the minute tick. After each step the demo prints what the
fake Slack received since the last one (DMs, the digest and its thread, changed messages, the
modal, App Home, command answers), rendered as a person would read them. Nothing the bot says
is written here: the narration only says who did what, and when.

The clock and the data are fixed, so the output is the same on every run
(`tests/scenario/golden/demo.txt` holds it).
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
from bot.domain.weeks import iso_week
from bot.fakeslack import FakeSlack, SlackRequestSender
from bot.fakeslack.render import render_message, render_view
from bot.fakeslack.server import RecordedCall
from bot.i18n.dates import format_week
from bot.ids import GoalBlock, StatusAction, StatusBlock
from bot.jobs import run_job
from bot.services.workspaces import set_team_setting
from bot.slack_client import build_web_client
from bot.web import build_wsgi_app
from storage.db import make_engine, make_session_factory, upgrade

TEAM_ID = "T0HARBOUR"
SIGNING_SECRET = "demo-signing-secret"
DIGEST_CHANNEL = "C0PMDIGEST"
DIGEST_CHANNEL_NAME = "pm-weekly"
HOME = ZoneInfo("Europe/London")  # the team's time zone: the digest goes out at 17:00 here
# Monday of the simulated week (2026-W49). The week runs to Friday evening, after the digest.
MONDAY = dt.date(2026, 11, 30)
WEEK = iso_week(MONDAY)
STEP = dt.timedelta(hours=1)  # every prompt, reminder and digest here falls on the hour
INDENT = "    "
# Slack has gone quiet when no call arrived for QUIET_POLLS polls in a row.
POLL_SECONDS = 0.05
QUIET_POLLS = 3
WAIT_SECONDS = 30.0
README_SECTION = 'README.md, section "Put it into a workspace"'

S = SlackRequestSender


@dataclass(frozen=True)
class Person:
    user_id: str
    name: str
    real_name: str
    title: str
    tz: str
    locale: str
    role: str
    product: str = ""
    manager: str = ""

    @property
    def language(self) -> str:
        return "Chinese (pmpulse writes to them in Chinese)" if self.locale.startswith("zh") else "English"


TEAM = (
    Person("U0HELEN", "helen", "Helen Zhou", "Head of Retail Products", "Europe/London", "en-GB", "admin"),
    Person(
        "U0JAMES", "james", "James Wright", "Head of Lending & Wealth", "Europe/London", "en-GB", "manager"
    ),
    Person(
        "U0ZHANG",
        "zhangwei",
        "张伟 Zhang Wei",
        "Head of Cards & Deposits",
        "Asia/Shanghai",
        "zh-CN",
        "manager",
    ),
    Person(
        "U0LINA", "lina", "李娜 Li Na", "PM", "Asia/Shanghai", "zh-CN", "pm", "信用卡 Credit Cards", "U0ZHANG"
    ),
    Person(
        "U0CHEN", "chenjie", "陈杰 Chen Jie", "PM", "Asia/Shanghai", "zh-CN", "pm", "存款 Deposits", "U0ZHANG"
    ),
    Person("U0TOM", "tom", "Tom Baker", "PM", "Europe/London", "en-GB", "pm", "Personal Loans", "U0JAMES"),
    Person("U0MARIA", "maria", "Maria Lopez", "PM", "America/New_York", "en-US", "pm", "Wealth", "U0JAMES"),
    Person("U0PRIYA", "priya", "Priya Nair", "PM", "Asia/Singapore", "en-GB", "pm", "Payments", "U0JAMES"),
)
BY_ID = {p.user_id: p for p in TEAM}
HEAD = TEAM[0]

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

# When each sets it, their time on Monday: after being added at 08:30 London, in the story's order.
GOAL_HOURS = {"U0LINA": 17, "U0TOM": 11, "U0MARIA": 11}

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
    app, served = create_app(
        settings, session_factory=deps.session_factory, client=deps.client, clock=deps.clock
    )
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
        served.home_refresh.stop()
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
        self.names = {p.user_id: p.real_name for p in TEAM} | {DIGEST_CHANNEL: DIGEST_CHANNEL_NAME}
        self.answered: set[str] = set()
        self.seen = 0  # calls to the fake Slack already shown
        self.dm_of: dict[str, str] = {}  # DM channel ID -> the person it is with
        self.threads: set[str] = set()  # ts of the digest messages shown, to tell replies apart

    # -- telling the story ---------------------------------------------------------------------

    def stamp(self, tz: str) -> str:
        """The clock as the person concerned reads it, and as the team's home does, so the story
        reads in order: "Thu 16:00 Asia/Shanghai (08:00 in London)"."""
        local = f"{self.clock.now.astimezone(ZoneInfo(tz)):%a %H:%M} {tz}"
        if tz == HOME.key:
            return local
        return f"{local} ({self.clock.now.astimezone(HOME):%a %H:%M} in London)"

    def narrate(self, person: Person, text: str) -> None:
        self.out("")
        self.out(f"{self.stamp(person.tz)} — {person.real_name} {text}")

    def heading(self, text: str) -> None:
        self.out("")
        self.out(text)
        self.out("─" * len(text))

    def block(self, lines: list[str]) -> None:
        for line in lines:
            self.out(f"{INDENT}{line}".rstrip())

    def show_new(self) -> None:
        """Everything Slack showed someone since the last call, person by person in team order."""
        calls = self.fake.calls
        new, self.seen = calls[self.seen :], len(calls)
        for call in new:
            if call.method == "conversations.open" and call.response.get("ok"):
                channel = call.response.get("channel") or {}
                users = str(call.params.get("users", "")).split(",")
                if isinstance(channel, dict) and len(users) == 1:
                    self.dm_of[str(channel.get("id"))] = users[0]
        shown = [c for c in new if c.method in ("chat.postMessage", "chat.update") and c.response.get("ok")]
        rank = {p.user_id: n for n, p in enumerate(TEAM, start=1)} | {DIGEST_CHANNEL: 0}
        shown.sort(key=lambda c: rank.get(self._recipient(c), len(rank)))  # stable: keeps each one's order
        for call in shown:
            self._show_message(call)

    def _recipient(self, call: RecordedCall) -> str:
        channel = str(call.params.get("channel", ""))
        return self.dm_of.get(channel, channel)

    def _show_message(self, call: RecordedCall) -> None:
        recipient = self._recipient(call)
        message = call.params
        thread = str(message.get("thread_ts") or "")
        if recipient == DIGEST_CHANNEL:
            if thread and thread in self.threads:
                what = "in the digest's thread:"
            else:
                what = "#" + DIGEST_CHANNEL_NAME + " gets a message:"
                self.threads.add(str(call.response.get("ts", "")))
            self.out("")
            self.out(f"{self.stamp(HOME.key)} — {what}")
        else:
            person = BY_ID.get(recipient)
            if person is None:
                return
            verb = "sees the message change to:" if call.method == "chat.update" else "gets a DM:"
            self.narrate(person, verb)
        self.block(render_message(message, self.names))

    def show_view(self, view: dict[str, Any]) -> None:
        self.block(render_view(view, self.names))

    # -- acting as Slack would -----------------------------------------------------------------

    def at(self, person: Person, day: int, hour: int, minute: int = 0) -> None:
        """Move the clock to a local time of `person`, `day` days after Monday."""
        local = dt.datetime.combine(
            MONDAY + dt.timedelta(days=day), dt.time(hour, minute), ZoneInfo(person.tz)
        )
        self.clock.now = local.astimezone(dt.UTC)

    def command(self, user_id: str, text: str) -> dict[str, Any]:
        """`/pm <text>` as typed by `user_id`; returns the ephemeral answer only they see."""
        before = len(self.fake.calls_to("response_url"))
        reply = self.sender.slash_command(user_id=user_id, text=text)
        body = reply.json() if reply.content else {}
        if isinstance(body, dict) and (body.get("text") or body.get("blocks")):
            self.settle()
            return body  # answered in the acknowledgement
        self.until("the command's answer", self._more("response_url", than=before))
        return self.fake.calls_to("response_url")[-1].params

    def until(self, what: str, done: Callable[[], bool]) -> None:
        """Deliver the outbox until `done`: each step shows what it caused, however slow the machine."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            drain_now(self.deps, max_seconds=10)
            if done():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"the demo waited {WAIT_SECONDS}s for {what} in vain")
            time.sleep(POLL_SECONDS)

    def _more(self, method: str, *, than: int) -> Callable[[], bool]:
        return lambda: len(self.fake.calls_to(method)) > than

    def settle(self) -> None:
        """Let the listeners finish their work after the ack (Slack goes quiet), then drain the outbox."""
        seen, quiet = -1, 0
        while quiet < QUIET_POLLS:
            time.sleep(POLL_SECONDS)
            count = len(self.fake.calls)
            quiet = quiet + 1 if count == seen else 0
            seen = count
        drain_now(self.deps, max_seconds=10)

    # -- the story -----------------------------------------------------------------------------

    def introduce(self) -> None:
        self.out(
            "pmpulse demo: one week at Harbour Bank's retail product team, on a simulated Slack "
            "(no account needed)."
        )
        self.out("Everything indented below is what the real bot sent, as each person would see it in Slack.")
        self.heading("The team")
        managers = [p for p in TEAM if p.role == "manager"]
        self.out(f"{HEAD.real_name}, {HEAD.title} — pmpulse admin · {HEAD.tz} · {HEAD.language}")
        for m_index, manager in enumerate(managers):
            last_manager = m_index == len(managers) - 1
            branch, stem = ("└─", "   ") if last_manager else ("├─", "│  ")
            self.out(
                f"{branch} {manager.real_name}, {manager.title} — manager · {manager.tz} · {manager.language}"
            )
            reports = [p for p in TEAM if p.manager == manager.user_id]
            for r_index, pm in enumerate(reports):
                twig = "└─" if r_index == len(reports) - 1 else "├─"
                self.out(f"{stem}{twig} {pm.real_name} — PM, {pm.product} · {pm.tz} · {pm.language}")
        self.out("")
        self.out(
            f"The week: {format_week('en', WEEK)}. pmpulse asks each PM for a weekly update on Thursday "
            "at 16:00 their time, reminds them the next morning, and posts the digest to "
            f"#{DIGEST_CHANNEL_NAME} on Friday at 17:00 London time."
        )

    def setup(self) -> None:
        self.heading("Monday: the team moves in")
        self.at(HEAD, 0, 8)
        self.narrate(
            HEAD,
            f"names #{DIGEST_CHANNEL_NAME} the digest channel and adds the two managers "
            "(/pm team add @James Wright manager, …).",
        )
        with self.deps.uow(1) as uow:
            set_team_setting(uow, actor=HEAD.user_id, setting="digest_channel", text=DIGEST_CHANNEL)
        for person in TEAM[1:]:
            if person.role == "manager":
                self.command(HEAD.user_id, f"team add <@{person.user_id}|{person.name}> manager")
        self.at(HEAD, 0, 8, 30)
        for manager in (p for p in TEAM if p.role == "manager"):
            reports = [p for p in TEAM if p.manager == manager.user_id]
            self.out("")
            self.out(
                f"{self.stamp(manager.tz)} — {manager.real_name} adds "
                + ", ".join(f"{p.real_name} ({p.product})" for p in reports)
                + " with /pm team add @name pm PRODUCT."
            )
            for person in reports:
                self.command(
                    manager.user_id, f"team add <@{person.user_id}|{person.name}> pm {person.product}"
                )
        self.show_new()
        for user_id, goal in GOALS.items():
            self.add_goal(BY_ID[user_id], goal)

    def add_goal(self, person: Person, goal: dict[str, str]) -> None:
        self.at(person, 0, GOAL_HOURS[person.user_id])
        self.narrate(person, f"sets a quarterly goal with /pm goal add: “{goal['title']}”.")
        before = len(self.fake.calls_to("views.open"))
        self.sender.slash_command(user_id=person.user_id, text="goal add")
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
        before = len(self.fake.messages(person.user_id))
        self.sender.view_submission(
            user_id=person.user_id, view=view, values={str(k): v for k, v in values.items()}
        )
        self.until("the goal's confirmation", lambda: len(self.fake.messages(person.user_id)) > before)
        self.show_new()

    def run_week(self) -> None:
        """The minute tick, every hour from Thursday 07:00 to Friday 17:00 London time."""
        self.heading(f"Thursday and Friday: the weekly update for {format_week('en', WEEK)}")
        start = dt.datetime.combine(MONDAY + dt.timedelta(days=3), dt.time(7, 0), HOME)
        end = dt.datetime.combine(MONDAY + dt.timedelta(days=4), dt.time(17, 0), HOME)
        moment = start
        while moment <= end:
            self.clock.now = moment.astimezone(dt.UTC)
            run_job("tick", self.deps, self.clock.now)
            drain_now(self.deps, max_seconds=10)
            self.show_new()
            self.react(moment)
            moment += STEP

    def react(self, moment: dt.datetime) -> None:
        """PMs answer the prompts (and reminders) that reached them, ten minutes later."""
        for user_id, update in UPDATES.items():
            if user_id in self.answered or update is None:
                continue
            prompts = self._prompts(user_id)
            needed = 2 if user_id in ANSWERS_AFTER_REMINDER else 1
            if len(prompts) < needed:
                continue
            week, channel, ts = prompts[-1]
            self.answered.add(user_id)
            self.clock.now = (moment + dt.timedelta(minutes=10)).astimezone(dt.UTC)
            person = BY_ID[user_id]
            if update == "skip":
                label = self.button_label(user_id, StatusAction.SKIP)
                self.narrate(person, f"is away for the rest of the week and presses {label}.")
                updates = len(self.fake.calls_to("chat.update"))
                self.sender.block_action(
                    user_id=user_id,
                    action_id=StatusAction.SKIP,
                    value=week,
                    channel_id=channel,
                    message_ts=ts,
                )
                self.until("the skipped prompt", self._more("chat.update", than=updates))
                self.show_new()
            elif isinstance(update, dict):
                self.write_update(person, week, update, show_form=not self.answered - {user_id})

    def button_label(self, user_id: str, action_id: str) -> str:
        """The label of the newest button `action_id` in the person's DM, as they read it."""
        label = action_id
        for message in self.fake.messages(user_id):
            for block in message.get("blocks", []):
                for element in block.get("elements", []) if block.get("type") == "actions" else []:
                    if element.get("action_id") == action_id:
                        label = str(element.get("text", {}).get("text", action_id))
        return f"[ {label} ]"

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

    def write_update(self, person: Person, week: str, update: dict[str, str], *, show_form: bool) -> None:
        label = self.button_label(person.user_id, StatusAction.WRITE)
        before = len(self.fake.calls_to("views.open"))
        self.sender.block_action(user_id=person.user_id, action_id=StatusAction.WRITE, value=week)
        view = self.fake.wait_for("views.open", count=before + 1).response["view"]
        if show_form:
            self.narrate(person, f"presses {label}; this form opens:")
            self.show_view(view)
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
        if not show_form:
            self.narrate(
                person, f"presses {label}, writes the update (health: {update['health']}) and submits it."
            )
        else:
            self.narrate(person, f"fills it in (health: {update['health']}) and submits it.")
        before = len(self.fake.messages(person.user_id))
        reply = self.sender.view_submission(
            user_id=person.user_id, view=view, values={str(k): v for k, v in values.items()}
        )
        if reply.text:
            raise RuntimeError(f"the status modal refused the demo's update: {reply.text}")
        self.until("the update's confirmation", lambda: len(self.fake.messages(person.user_id)) > before)
        self.show_new()

    def after_the_digest(self) -> None:
        self.heading("After the digest: the managers look")
        james = BY_ID["U0JAMES"]
        self.at(james, 4, 17, 40)
        self.narrate(james, "types /pm status team; only he sees the answer:")
        self.block(render_message(self.command(james.user_id, "status team"), self.names))
        zhang = BY_ID["U0ZHANG"]
        self.at(zhang, 5, 9)
        self.narrate(zhang, "opens pmpulse's App Home tab in Slack:")
        # Hers: another person's App Home refresh, coalesced after an edit, may come in between.
        def hers(call: RecordedCall) -> bool:
            return call.params.get("user_id") == zhang.user_id

        before = len([c for c in self.fake.calls_to("views.publish") if hers(c)])
        self.sender.event(
            {
                "type": "app_home_opened",
                "user": zhang.user_id,
                "channel": "D0HOMEZHANG",
                "tab": "home",
                "event_ts": f"{self.clock.now.timestamp():.6f}",
            }
        )
        view = self.fake.wait_for("views.publish", hers, count=before + 1).params["view"]
        self.show_view(view if isinstance(view, dict) else {})
        self.seen = len(self.fake.calls)

    def close(self) -> None:
        self.heading("Put pmpulse into your own workspace")
        self.out(
            "1. Create a Slack app from manifest.yml (api.slack.com/apps → From a manifest) and install it."
        )
        self.out("2. Set SLACK_BOT_TOKEN (xoxb-…), SLACK_SIGNING_SECRET and DATABASE_URL; run `pmpulse run`.")
        self.out(
            "3. Make yourself the first admin: PMPULSE_ADMINS=<your member ID> (or "
            f"`pmpulse team add U… --role admin`). Details: {README_SECTION}."
        )


def run_demo(*, out: Callable[[str], None] = print) -> int:
    """Run the simulated week and print it; returns the exit status."""
    with (
        tempfile.TemporaryDirectory(prefix="pmpulse-demo-") as tmp,
        FakeSlack(team_id=TEAM_ID, team_name="Harbour Bank") as fake,
    ):
        fake.add_channel("pm-weekly", channel_id=DIGEST_CHANNEL)
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
            PMPULSE_ADMINS=(HEAD.user_id,),
            PMPULSE_DEFAULT_TIMEZONE=HOME.key,
            # Whatever the shell exports, the demo tells the same story.
            PMPULSE_DEFAULT_LOCALE="en",
            SLACK_APP_TOKEN=None,
            SLACK_CLIENT_ID=None,
            SLACK_CLIENT_SECRET=None,
            PMPULSE_ENCRYPTION_KEY=None,
        )
        engine = make_engine(settings.database_url)
        upgrade(engine)
        clock = DemoClock(dt.datetime.combine(MONDAY, dt.time(8, 0), HOME))
        deps = AppDeps(settings, make_session_factory(engine), build_web_client(settings), clock)
        with _serving(deps, settings) as url:
            sender = SlackRequestSender(
                app_url=url, signing_secret=SIGNING_SECRET, team_id=TEAM_ID, fake=fake
            )
            demo = Demo(fake, sender, deps, clock, out)
            demo.introduce()
            demo.setup()
            demo.run_week()
            demo.after_the_digest()
            demo.close()
        engine.dispose()
    return 0
