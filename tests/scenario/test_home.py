"""App Home: the dashboard published on app_home_opened, and its buttons."""

from __future__ import annotations

from bot.i18n import t
from bot.ids import CallbackId
from bot.ui.help import build_help_modal
from tests.support.harness import Harness, seed_team
from tests.support.slack import home_opened


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
