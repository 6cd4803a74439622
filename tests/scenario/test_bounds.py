"""Numbers and names people type are bounded at the edge, and figures stored before the bounds
(rows of any size a float can hold, or infinite) are shown sensibly instead of failing.

Issue 6, section 3: a goal from -1e308 to 1e308 passed validation; from the next day its
straight line was infinite and `/pm goals`, App Home and the digest raised. Product lines had no
length limit on `/pm team add` and `pmpulse team add --product`.
"""

from __future__ import annotations

import datetime as dt
import math
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.domain.goals import PRODUCT_LINE_MAX
from bot.fakeslack import FakeSlack
from bot.fakeslack import SlackRequestSender as S
from bot.fakeslack.blockkit import validate_view
from bot.ids import GoalBlock, StatusBlock
from storage.goals import Goal
from storage.roster import Member, ProductLine
from tests.support.cli import PMPULSE, cli_environment, pmpulse
from tests.support.database import PG_URL
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import (
    goal_values,
    home_opened,
    open_from_prompt,
    open_goal_modal,
    saved,
    submit,
    values,
)

TOO_LARGE_ZH = "整数部分最多 15 位，请检查数值或改用更大的单位（如万元、亿元）。"


def store_goal(h: Harness, user_id: str, *, title: str, baseline: float, target: float) -> int:
    """A goal written straight to the database, as rows from before the bounds were."""
    return h.add_goal(
        user_id, title=title, metric="Deposit balance", unit="CNY", baseline=baseline, target=target
    )


def goals_of(h: Harness, user_id: str) -> list[Goal]:
    with h.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id(user_id)
        assert member is not None
        return list(uow.goals.for_owners([member.id]))


# -- numbers typed into the goal modal ------------------------------------------------------------


def test_goal_modal_refuses_float_sized_baseline_and_target_per_field_in_english(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")  # en-GB

    reply = harness.sender.view_submission(
        user_id="UPM2",
        view=view,
        values=goal_values(
            **{
                GoalBlock.BASELINE: {"value": S.plain("-1e308")},
                GoalBlock.TARGET: {"value": S.plain("1e308")},
            }
        ),
    )

    assert reply.status_code == 200
    body = reply.json()
    assert body["response_action"] == "errors"
    too_large = (
        "Please use at most 15 digits before the decimal point, or a larger unit (millions, billions)."
    )
    assert body["errors"] == {GoalBlock.BASELINE: too_large, GoalBlock.TARGET: too_large}
    assert goals_of(harness, "UPM2") == []


def test_goal_modal_refuses_a_quadrillion_and_seven_decimals_in_chinese(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM1")  # zh-CN

    body = harness.sender.view_submission(
        user_id="UPM1",
        view=view,
        values=goal_values(
            **{
                GoalBlock.BASELINE: {"value": S.plain("0.1234567")},
                GoalBlock.TARGET: {"value": S.plain("1,000,000,000,000,000")},
            }
        ),
    ).json()

    assert body["errors"] == {
        GoalBlock.BASELINE: "最多保留 6 位小数。",
        GoalBlock.TARGET: TOO_LARGE_ZH,
    }
    assert goals_of(harness, "UPM1") == []


def test_goal_modal_takes_the_largest_figures_within_the_bounds(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")

    reply = harness.sender.view_submission(
        user_id="UPM2",
        view=view,
        values=goal_values(
            **{
                GoalBlock.BASELINE: {"value": S.plain("-999,999,999,999,999")},
                GoalBlock.TARGET: {"value": S.plain("999999999999999.5")},
            }
        ),
    )

    assert reply.status_code == 200 and reply.text == ""
    (goal,) = goals_of(harness, "UPM2")
    assert (goal.baseline, goal.target) == (-999_999_999_999_999, 999_999_999_999_999.5)
    harness.clock.now += dt.timedelta(days=30)
    listed = harness.command("UPM2", "goals")
    assert "Grow active cardholders" in str(listed["blocks"])


# -- numbers typed into the weekly status modal ---------------------------------------------------


def test_status_modal_refuses_out_of_bounds_kpi_values_per_field_in_the_users_language(
    harness: Harness,
) -> None:
    seed_team(harness)
    first = store_goal(harness, "UPM1", title="Deposits", baseline=100, target=200)
    second = store_goal(harness, "UPM1", title="Cards", baseline=1, target=2)
    view = open_from_prompt(harness, "UPM1")

    body = submit(
        harness,
        "UPM1",
        view,
        values(
            **{
                f"{StatusBlock.KPI_PREFIX}{first}": {"value": S.plain("1e308")},
                f"{StatusBlock.KPI_PREFIX}{second}": {"value": S.plain("1.00000001")},
            }
        ),
    )

    assert body["response_action"] == "errors"
    assert body["errors"] == {
        f"{StatusBlock.KPI_PREFIX}{first}": TOO_LARGE_ZH,
        f"{StatusBlock.KPI_PREFIX}{second}": "最多保留 6 位小数。",
    }
    assert saved(harness, "UPM1") is None


# -- figures stored before the bounds -------------------------------------------------------------


def store_extremes(h: Harness, user_id: str) -> list[int]:
    """What old rows may hold: a float-sized span, infinity, and a KPI value that overflows."""
    ids = [
        store_goal(h, user_id, title="Span overflows", baseline=-1e308, target=1e308),
        store_goal(h, user_id, title="Infinite target", baseline=0, target=math.inf),
        store_goal(h, user_id, title="Infinite both ways", baseline=-math.inf, target=math.inf),
    ]
    with h.deps.uow(1) as uow:
        uow.status.set_kpi(ids[0], WEEK, 1e308)
        uow.status.set_kpi(ids[1], WEEK, math.inf)
        uow.commit()
    return ids


def test_goals_list_home_and_status_modal_show_stored_extreme_figures_without_failing(
    harness: Harness,
) -> None:
    seed_team(harness)
    first, second, _ = store_extremes(harness, "UPM2")
    harness.clock.now += dt.timedelta(days=1)  # the straight line has moved off the baseline

    listed = harness.command("UPM2", "goals")
    text = str(listed["blocks"])
    assert "Span overflows" in text and "Infinite target" in text and "Infinite both ways" in text
    assert "1e+308" in text and "–" in text and "went wrong" not in text

    harness.sender.event(home_opened("UPM2"))
    home = harness.fake.wait_for("views.publish")
    assert home.response["ok"], home.response
    assert "Span overflows" in str(home.params["view"])

    harness.clock.now -= dt.timedelta(days=1)
    view = open_from_prompt(harness, "UPM2")
    assert validate_view(view) == []
    prefilled = {
        b["block_id"]: b["element"].get("initial_value")
        for b in view["blocks"]
        if b.get("block_id", "").startswith(StatusBlock.KPI_PREFIX)
    }
    # Stored values nobody could type now are not offered back for resubmission.
    assert not prefilled[f"{StatusBlock.KPI_PREFIX}{first}"]
    assert not prefilled[f"{StatusBlock.KPI_PREFIX}{second}"]


# -- product lines --------------------------------------------------------------------------------


def product_lines(h: Harness) -> list[str]:
    with h.session_factory() as session:
        return list(session.scalars(select(ProductLine.name)))


def test_team_add_refuses_a_product_line_longer_than_the_limit_with_a_clear_message(harness: Harness) -> None:
    seed_team(harness)

    too_long = harness.command("UADMIN", "team add <@UPM3|jo> pm " + "Mortgages " * 11)  # 109 characters

    assert too_long["text"] == (
        "A product line name can be at most 100 characters; please use a shorter name."
    )
    assert "Credit Cards" in product_lines(harness) and not any(len(p) > 100 for p in product_lines(harness))
    assert harness.member("UPM3") is None

    at_limit = harness.command("UADMIN", "team add <@UPM3|jo> pm " + "M" * PRODUCT_LINE_MAX)
    assert "M" * PRODUCT_LINE_MAX in at_limit["text"]
    assert "M" * PRODUCT_LINE_MAX in product_lines(harness)


def test_team_add_answers_a_chinese_manager_in_chinese(harness: Harness) -> None:
    seed_team(harness)

    reply = harness.command("UMGR", "team add <@UPM3|jo> pm " + "信用卡" * 34)  # 102 characters

    assert reply["text"] == "产品线名称最多 100 个字符，请使用更短的名称。"
    assert harness.member("UPM3") is None


def test_goal_modal_refuses_a_long_product_line_per_field(harness: Harness) -> None:
    seed_team(harness)
    view = open_goal_modal(harness, "UPM2")

    body = harness.sender.view_submission(
        user_id="UPM2",
        view=view,
        values=goal_values(**{GoalBlock.PRODUCT_LINE: {"value": S.plain("D" * (PRODUCT_LINE_MAX + 1))}}),
    ).json()

    assert body["errors"] == {GoalBlock.PRODUCT_LINE: "Please keep this under 100 characters."}
    assert goals_of(harness, "UPM2") == []


def test_product_line_limit_matches_the_column() -> None:
    assert ProductLine.__table__.c.name.type.length == PRODUCT_LINE_MAX  # type: ignore[attr-defined]


@pytest.mark.skipif(bool(PG_URL), reason="PostgreSQL never stored such a name: the column refuses it")
def test_a_long_product_line_stored_before_the_limit_still_shows_home_and_goal_modal(
    harness: Harness,
) -> None:
    seed_team(harness)
    with harness.deps.uow(1) as uow:
        member = uow.members.get_by_slack_id("UPM1")
        assert member is not None
        uow.product_lines.assign(member, uow.product_lines.get_or_create("A" * 3100), now=harness.clock.now)
        uow.commit()

    harness.sender.event(home_opened("UPM1"))
    home = harness.fake.wait_for("views.publish")
    assert home.response["ok"], home.response

    view = open_goal_modal(harness, "UPM1")
    product = next(b for b in view["blocks"] if b.get("block_id") == GoalBlock.PRODUCT_LINE)
    assert len(product["element"]["initial_value"]) <= PRODUCT_LINE_MAX


def test_cli_team_add_refuses_a_long_product_line_in_one_line_with_exit_2(
    fake: FakeSlack, database_url: str, harness: Harness
) -> None:
    assert Path(PMPULSE).exists()
    env = cli_environment(fake, database_url)

    refused: subprocess.CompletedProcess[str] = pmpulse(
        env, "team", "add", "UPM1", "--role", "pm", "--product", "P" * (PRODUCT_LINE_MAX + 1)
    )

    assert refused.returncode == 2, refused.stderr
    assert refused.stderr.strip() == "pmpulse: --product: at most 100 characters"
    assert refused.stdout == ""
    with harness.session_factory() as session:
        assert session.scalar(select(func.count(Member.id))) == 0
        assert session.scalar(select(func.count(ProductLine.id))) == 0

    accepted = pmpulse(env, "team", "add", "UPM1", "--role", "pm", "--product", "P" * PRODUCT_LINE_MAX)
    assert accepted.returncode == 0, accepted.stderr


# -- weeks named in commands ----------------------------------------------------------------------


def test_a_week_beyond_the_calendar_gets_the_usage_not_an_apology(harness: Harness) -> None:
    seed_team(harness)

    for text in ("status team 9999-W52", "status 9999-W52", "status team 0001-W01"):
        reply = harness.command("UMGR", text)
        assert "/pm status" in reply["text"] and "抱歉" not in reply["text"], (text, reply)
    assert harness.fake.calls_to("views.open") == []
