"""The App Home tab: a personal dashboard, and the team's at a glance for managers."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
)
from slack_sdk.models.views import View

from bot.domain.status import team_state
from bot.i18n import t
from bot.i18n.dates import format_date, format_week
from bot.ids import ActionId, StatusAction
from bot.services.home import Dashboard, MyWeek
from bot.ui.blocks import button, context, divider, header, section
from bot.ui.mrkdwn import escape, fit_lines, mention, number
from bot.ui.team import products_text, role_name
from bot.ui.team_status import answer_parts

HOME_BLOCKS_MAX = 100


def build_home(locale: str, data: Dashboard) -> dict[str, Any]:
    me = data.me
    blocks: list[Block] = [
        header(t(locale, "home.title")),
        section(
            t(
                locale,
                "home.me",
                role=role_name(locale, me.role),
                products=products_text(locale, me),
            )
        ),
    ]
    if me.manager_slack_id:
        blocks.append(context(t(locale, "home.reports_to", manager=mention(me.manager_slack_id))))
    blocks.append(
        ActionsBlock(
            elements=[
                button(StatusAction.HOME_WRITE, t(locale, "status.button.write"), style="primary"),
                button(ActionId.HOME_ADD_GOAL, t(locale, "home.add_goal")),
                button(ActionId.HOME_HELP, t(locale, "home.help")),
            ]
        )
    )
    if me.role == "pm" or data.my_week.state is not None:
        # PMs are prompted every week; a manager or an admin who writes one sees it too.
        week = format_week(locale, data.my_week.week)
        blocks += [divider(), header(t(locale, "home.my_update", week=week))]
        blocks.append(section(my_week_line(locale, data.my_week)))
    blocks += [divider(), header(t(locale, "home.my_goals"))]
    goal_lines = [
        t(
            locale,
            "home.goal_line",
            title=escape(g.title),
            metric=escape(g.metric),
            baseline=number(g.baseline),
            target=number(g.target),
            unit=escape(g.unit),
            due=format_date(locale, g.due_date),
        )
        for g in data.my_goals
    ]
    for chunk in fit_lines(goal_lines, max_pieces=20)[0] or [t(locale, "home.no_goals")]:
        blocks.append(section(chunk))

    if me.role in ("manager", "admin"):
        blocks += [divider(), header(t(locale, "home.team"))]
        team_lines = [
            t(
                locale,
                "home.team_line",
                user=mention(m.slack_user_id),
                products=products_text(locale, m),
                goals=data.team_goal_counts.get(m.slack_user_id, 0),
            )
            for m in data.team
        ]
        chunks, shown = fit_lines(team_lines, max_pieces=HOME_BLOCKS_MAX - len(blocks) - 1)
        for chunk in chunks or [t(locale, "home.team_empty")]:
            blocks.append(section(chunk))
        if shown < len(team_lines):
            blocks.append(context(t(locale, "home.team_more", count=len(team_lines) - shown)))
    return View(type="home", blocks=blocks).to_dict()


def my_week_line(locale: str, week: MyWeek) -> str:
    """Where the person's update for this week stands: not written yet, skipped, or submitted
    with its health, open blockers and when it was saved."""
    if week.state is None:
        return t(locale, "home.update.on_leave" if week.on_leave else "home.update.none")
    state = team_state(update_state=week.state, on_leave=False)
    return " · ".join(
        answer_parts(
            locale,
            state=state,
            health=week.health,
            open_blockers=week.open_blockers,
            updated_at=week.updated_at,
            tz=ZoneInfo(week.timezone),
        )
    )


def build_home_not_on_roster(locale: str) -> dict[str, Any]:
    return View(
        type="home",
        blocks=[
            header(t(locale, "home.title")),
            section(t(locale, "home.not_on_roster")),
        ],
    ).to_dict()
