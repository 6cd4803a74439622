"""App Home: the dashboard published on app_home_opened, and its buttons."""

from __future__ import annotations

from tests.scenario.conftest import Harness, seed_team


def home_opened(user_id: str) -> dict[str, str]:
    return {
        "type": "app_home_opened",
        "user": user_id,
        "channel": "D0HOME",
        "tab": "home",
        "event_ts": "1700000000.000100",
    }


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
