"""Block Kit builders stay within Slack's limits and escape user text."""

from __future__ import annotations

import datetime as dt

from bot.fakeslack.blockkit import validate_message_blocks, validate_view
from bot.services.goals import GoalView
from bot.services.home import Dashboard, MyWeek
from bot.services.roster import MemberView
from bot.ui.goals import build_goal_list, build_goal_modal
from bot.ui.help import build_help
from bot.ui.home import build_home, my_week_line
from bot.ui.mrkdwn import escape, number
from bot.ui.team import build_team, products_text


def member(i: int, role: str = "pm") -> MemberView:
    return MemberView(
        slack_user_id=f"U{i:06d}",
        name=f"Person {i}",
        role=role,
        manager_slack_id="UMGR",
        manager_name="Mei",
        product_lines=("Credit Cards", "Wealth <!here>"),
        timezone="Asia/Shanghai",
        locale="zh-CN",
        active=True,
    )


def goal(i: int) -> GoalView:
    return GoalView(
        id=i,
        owner_slack_id="U1",
        owner_name="Li",
        title=f"Goal {i} <@U999>",
        product_line="Loans",
        metric="NPL ratio",
        unit="%",
        baseline=2.5,
        target=1.8,
        due_date=dt.date(2027, 6, 30),
        direction="down",
        expected_now=2.31,
    )


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> <@U123> <https://evil|click> & co") == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp; co"
    )


def test_number_formatting() -> None:
    assert (number(1200.0), number(2.5), number(1.234567)) == ("1,200", "2.5", "1.23")


def test_help_is_a_valid_message_in_both_languages() -> None:
    for locale in ("en", "zh-CN"):
        message = build_help(locale, unknown="<!channel>")
        assert validate_message_blocks(message["blocks"]) == []
        assert "<!channel>" not in message["text"]


def test_team_of_500_fits_one_message() -> None:
    members = [member(i) for i in range(480)] + [member(i, "manager") for i in range(500, 520)]
    message = build_team("en", members)
    assert validate_message_blocks(message["blocks"]) == []
    text = str(message["blocks"])
    assert "&lt;!here&gt;" in text and "<!here>" not in text
    assert "(480)" in text


def test_team_too_large_for_one_message_says_how_many_are_left_out() -> None:
    members = [member(i) for i in range(3000)]
    message = build_team("en", members)
    assert validate_message_blocks(message["blocks"]) == []
    assert "more. `pmpulse team list` prints the whole roster" in str(message["blocks"][-1])


def test_goal_modal_is_valid() -> None:
    view = build_goal_modal(
        "zh-CN",
        actor_id="UMGR",
        can_assign_others=True,
        default_product_line="信用卡",
        today=dt.date(2026, 11, 26),
    )
    assert validate_view(view) == []
    assert view["blocks"][1]["element"]["type"] == "users_select"
    due = next(b for b in view["blocks"] if b.get("block_id") == "goal_due_date")
    assert due["element"]["initial_date"] == "2027-02-24"


def test_goal_list_and_home_with_many_items_are_valid() -> None:
    goals = [goal(i) for i in range(200)]
    listing = build_goal_list("en", owner_name="Li", goals=goals)
    assert validate_message_blocks(listing["blocks"]) == []
    assert "<@U999>" not in str(listing)

    me = member(1, "manager")
    data = Dashboard(
        me=me,
        my_week=MyWeek(
            "2026-W48", "submitted", "red", dt.datetime(2026, 11, 26, 9, tzinfo=dt.UTC), 20, "UTC"
        ),
        my_goals=goals,
        team=[member(i) for i in range(400)],
        team_goal_counts={f"U{i:06d}": 2 for i in range(400)},
    )
    home = build_home("en", data)
    assert validate_view(home) == []
    assert ":white_check_mark: Submitted · :red_circle:" in str(home)  # a manager who wrote one sees it
    assert "<@U999>" not in str(home)


def test_long_product_lines_are_shortened_with_the_readers_ellipsis_and_escaped() -> None:
    person = MemberView(
        slack_user_id="U1",
        name="Li",
        role="pm",
        manager_slack_id=None,
        manager_name=None,
        product_lines=tuple("信用卡 & <!here> " * 20 for _ in range(6)),
        timezone="Asia/Shanghai",
        locale="zh-CN",
        active=True,
    )
    for locale, ellipsis in (("zh-CN", "……"), ("en", "…")):
        text = products_text(locale, person)
        assert "<!here>" not in text and text.endswith(ellipsis) and not text.endswith("…" + ellipsis)
        assert len(text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")) <= 500


def test_home_says_where_this_weeks_update_stands() -> None:
    saved_at = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
    none = MyWeek("2026-W48", None, None, None, 0, "Asia/Shanghai")
    skipped = MyWeek("2026-W48", "skipped", None, saved_at, 0, "Asia/Shanghai")
    submitted = MyWeek("2026-W48", "submitted", "green", saved_at, 1, "Asia/Shanghai")

    assert my_week_line("en", none) == "Not written yet: press “Write my update” above."
    assert my_week_line("zh-CN", none) == "尚未填写，请点击上方的“填写周报”。"
    away = MyWeek("2026-W48", None, None, None, 0, "Asia/Shanghai", on_leave=True)
    assert my_week_line("zh-CN", away) == ":palm_tree: 本周休假，无需填写周报。"
    assert my_week_line("en", skipped) == ":fast_forward: Skipped · updated 2026-11-26 17:30"
    assert my_week_line("zh-CN", submitted) == (
        ":white_check_mark: 已提交 · :large_green_circle: 绿色：进展顺利 · "
        "1 项未解决阻碍 · 更新于 2026-11-26 17:30"
    )
    assert my_week_line("en", submitted).endswith("· 1 open blocker · updated 2026-11-26 17:30")
