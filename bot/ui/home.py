"""The App Home tab: a personal dashboard, and the team's at a glance for managers."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.i18n import t
from bot.ids import ActionId, StatusAction
from bot.services.home import Dashboard
from bot.ui.mrkdwn import chunk_lines, escape, mention, number
from bot.ui.team import products_text, role_name

HOME_BLOCKS_MAX = 100


def build_home(locale: str, data: Dashboard) -> dict[str, Any]:
    me = data.me
    blocks: list[Block] = [
        HeaderBlock(text=t(locale, "home.title")),
        SectionBlock(
            text=MarkdownTextObject(
                text=t(
                    locale,
                    "home.me",
                    role=role_name(locale, me.role),
                    products=products_text(locale, me),
                )
            )
        ),
    ]
    if me.manager_slack_id:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t(locale, "home.reports_to", manager=mention(me.manager_slack_id))
                    )
                ]
            )
        )
    blocks.append(
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=StatusAction.HOME_WRITE,
                    text=t(locale, "status.button.write"),
                    style="primary",
                ),
                ButtonElement(action_id=ActionId.HOME_ADD_GOAL, text=t(locale, "home.add_goal")),
                ButtonElement(action_id=ActionId.HOME_HELP, text=t(locale, "home.help")),
            ]
        )
    )
    blocks += [DividerBlock(), HeaderBlock(text=t(locale, "home.my_goals"))]
    goal_lines = [
        t(
            locale,
            "home.goal_line",
            title=escape(g.title),
            metric=escape(g.metric),
            baseline=number(g.baseline),
            target=number(g.target),
            unit=escape(g.unit),
            due=g.due_date.isoformat(),
        )
        for g in data.my_goals
    ]
    for chunk in chunk_lines(goal_lines)[:20] or [t(locale, "home.no_goals")]:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))

    if me.role in ("manager", "admin"):
        blocks += [DividerBlock(), HeaderBlock(text=t(locale, "home.team"))]
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
        chunks = chunk_lines(team_lines)
        room = HOME_BLOCKS_MAX - len(blocks) - 1
        for chunk in chunks[:room] or [t(locale, "home.team_empty")]:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=chunk)))
        if len(chunks) > room:
            hidden = sum(c.count("\n") + 1 for c in chunks[room:])
            blocks.append(
                ContextBlock(elements=[MarkdownTextObject(text=t(locale, "home.team_more", count=hidden))])
            )
    return View(type="home", blocks=blocks).to_dict()


def build_home_not_on_roster(locale: str) -> dict[str, Any]:
    return View(
        type="home",
        blocks=[
            HeaderBlock(text=t(locale, "home.title")),
            SectionBlock(text=MarkdownTextObject(text=t(locale, "home.not_on_roster"))),
        ],
    ).to_dict()
