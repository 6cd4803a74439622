"""App Home: the dashboard published on app_home_opened, and its buttons."""

from __future__ import annotations

from bot.i18n import t
from bot.ids import CallbackId, StatusAction
from bot.ui.help import build_help_modal
from tests.support.harness import WEEK, Harness, seed_team
from tests.support.slack import (
    click,
    confirmation,
    home_opened,
    open_from_home,
    open_from_prompt,
    post_prompt,
    submit,
    values,
)


def test_pm_dashboard_shows_role_products_and_goals(harness: Harness) -> None:
    seed_team(harness)

    reply = harness.sender.event(home_opened("UPM1"))

    assert reply.status_code == 200
    call = harness.fake.wait_for("views.publish")
    assert call.response["ok"], call.response
    view = str(call.params["view"])
    assert call.params["user_id"] == "UPM1"
    assert "产品经理" in view and "Credit Cards" in view and "汇报对象：<@UMGR>" in view
    assert "暂无进行中的目标" in view
    assert "我的团队" not in view


def test_manager_dashboard_shows_the_team(harness: Harness) -> None:
    seed_team(harness)

    harness.sender.event(home_opened("UMGR"))

    view = str(harness.fake.wait_for("views.publish").params["view"])
    assert "我的团队" in view
    assert "尚未填写" not in view  # managers are not prompted for an update: no nagging
    assert "<@UPM1> · Credit Cards · 0 个进行中目标" in view
    assert "<@UPM2> · Deposits" in view


def test_someone_off_the_roster_sees_how_to_join(harness: Harness) -> None:
    harness.sender.event(home_opened("UOUT"))
    view = str(harness.fake.wait_for("views.publish").params["view"])
    assert "not on the pmpulse roster" in view


def test_event_redelivered_by_slack_is_handled_once(harness: Harness) -> None:
    seed_team(harness)

    first = harness.sender.event(home_opened("UPM2"), event_id="Ev0001")
    harness.fake.wait_for("views.publish")
    again = harness.sender.event(home_opened("UPM2"), event_id="Ev0001", retry_num=1)
    later = harness.sender.event(home_opened("UPM2"), event_id="Ev0002")

    assert (first.status_code, again.status_code, later.status_code) == (200, 200, 200)
    harness.fake.wait_for("views.publish", count=2)
    assert len(harness.fake.calls_to("views.publish")) == 2


def test_home_button_opens_the_goal_modal(harness: Harness) -> None:
    seed_team(harness)
    harness.sender.event(home_opened("UPM2"))
    home = harness.fake.wait_for("views.publish").response["view"]

    harness.sender.block_action(user_id="UPM2", action_id="home_add_goal", view=home)

    opened = harness.fake.wait_for("views.open")
    assert opened.response["ok"] and opened.params["view"]["callback_id"] == "goal_add"


def test_home_help_button_opens_help(harness: Harness) -> None:
    seed_team(harness)
    harness.sender.event(home_opened("UPM2"))
    home = harness.fake.wait_for("views.publish").response["view"]

    harness.sender.block_action(user_id="UPM2", action_id="home_help", view=home)

    opened = harness.fake.wait_for("views.open")
    assert opened.response["ok"], opened.response
    assert "/pm goal add" in str(opened.params["view"])


def test_someone_off_the_roster_gets_help_and_the_feedback_answer_in_their_slack_language(
    harness: Harness,
) -> None:
    """Home's Help and the feedback shortcut serve everyone; off the roster, Slack says the language."""
    seed_team(harness)
    harness.fake.add_user("UGUESTZH", name="wang", real_name="Wang Fang", tz="Asia/Shanghai", locale="zh-CN")
    harness.sender.event(home_opened("UGUESTZH"))
    home = harness.fake.wait_for("views.publish").response["view"]

    harness.sender.block_action(user_id="UGUESTZH", action_id="home_help", view=home)

    opened = harness.fake.wait_for("views.open")
    assert opened.response["ok"], opened.response
    assert opened.params["view"] == build_help_modal("zh-CN")

    url = harness.fake.response_url()
    reply = harness.sender.message_shortcut(
        "UGUESTZH",
        callback_id=CallbackId.FEEDBACK_SHORTCUT,
        message={"type": "message", "ts": "1764000000.000100", "text": "客户反馈"},
        response_url=url,
    )
    assert reply.status_code == 200
    answer = harness.fake.wait_for("response_url", lambda c: c.params.get("_url") == url)
    assert answer.params["text"] == t("zh-CN", "common.not_available_yet", command="feedback")
    assert answer.params["response_type"] == "ephemeral"


def home_text(harness: Harness, count: int = 1) -> str:
    call = harness.fake.wait_for("views.publish", count=count)
    assert call.response["ok"], call.response
    return str(harness.fake.calls_to("views.publish")[count - 1].params["view"])


def test_the_tab_shows_this_weeks_update_not_written_then_as_saved_from_the_tab(harness: Harness) -> None:
    seed_team(harness)
    harness.sender.event(home_opened("UPM2"))
    before = home_text(harness)
    assert "My update for 2026-W48, 23–29 Nov" in before
    assert "Not written yet: press “Write my update” above." in before

    view = open_from_home(harness, "UPM2")  # clears the calls recorded so far
    submit(harness, "UPM2", view, values())

    after = home_text(harness)  # republished at once: the tab is in front of them
    assert "Not written yet" not in after
    line = ":white_check_mark: Submitted · :large_orange_circle: Amber: at risk · 2 open blockers"
    assert f"{line} · updated 2026-11-26 09:00" in after  # on their own clock (London)


def test_a_save_from_the_prompt_shows_the_next_time_the_tab_is_opened(harness: Harness) -> None:
    seed_team(harness)
    submit(harness, "UPM1", open_from_prompt(harness, "UPM1"), values())
    confirmation(harness)
    harness.settle()
    assert harness.fake.calls_to("views.publish") == []

    harness.sender.event(home_opened("UPM1"))

    shown = home_text(harness)
    assert "我的2026年第48周（11月23日—29日）周报" in shown
    line = ":white_check_mark: 已提交 · :large_orange_circle: 黄色：存在风险 · 2 项未解决阻碍"
    assert f"{line} · 更新于 2026-11-26 17:00" in shown  # on their own clock (Shanghai)


def test_a_skipped_week_shows_as_skipped(harness: Harness) -> None:
    seed_team(harness)
    click(harness, "UPM2", StatusAction.SKIP, WEEK, where=post_prompt(harness, "UPM2"))
    harness.fake.wait_for("views.publish")  # a skip republishes the tab
    assert ":fast_forward: Skipped" in home_text(harness)


def test_leave_over_the_status_window_says_no_update_is_expected(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UPM2", "leave 2026-11-24 2026-12-04")

    harness.sender.event(home_opened("UPM2"))

    assert ":palm_tree: On leave this week: no update is expected." in home_text(harness)


def test_leave_outside_the_status_window_still_asks_for_the_update(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UPM2", "leave 2026-11-23 2026-11-24")  # Monday and Tuesday only

    harness.sender.event(home_opened("UPM2"))

    assert "Not written yet" in home_text(harness)
