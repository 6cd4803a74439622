"""The roster through `/pm team`, as managers and PMs use it in Slack."""

from __future__ import annotations

from tests.support.harness import Harness, seed_team


def text_of(body: dict[str, object]) -> str:
    return str(body.get("text", "")) + str(body.get("blocks", ""))


def test_admin_adds_manager_with_profile_from_slack(harness: Harness) -> None:
    body = harness.command("UADMIN", "team add <@UMGR|mei> manager")

    assert body["response_type"] == "ephemeral"
    assert "<@UMGR>" in body["text"] and "Manager" in body["text"]
    info = [c for c in harness.fake.calls_to("users.info") if c.params["user"] == "UMGR"]
    assert info and str(info[-1].params.get("include_locale")).lower() in ("1", "true")
    member = harness.member("UMGR")
    assert member is not None
    assert (member.role, member.timezone, member.locale) == ("manager", "Asia/Shanghai", "zh-CN")


def test_manager_adds_pm_in_chinese_and_becomes_their_manager(harness: Harness) -> None:
    harness.command("UADMIN", "team add <@UMGR|mei> manager")

    body = harness.command("UMGR", "team add <@UPM1|li> pm Credit Cards")

    assert "已将 <@UPM1> 以产品经理身份加入团队名单，负责 Credit Cards" in body["text"]
    with harness.deps.uow(1) as uow:
        pm = uow.members.get_by_slack_id("UPM1")
        assert pm is not None and pm.manager is not None
        assert pm.manager.slack_user_id == "UMGR"
        assert [line.name for line in pm.product_lines] == ["Credit Cards"]
        actions = [(e.actor, e.action, e.entity_id) for e in uow.audit.recent()]
    assert ("UMGR", "create", "UPM1") in actions


def test_team_lists_members_by_role_with_escaped_product_names(harness: Harness) -> None:
    seed_team(harness)
    harness.command("UMGR", "team add <@UPM3|jo> pm <!channel> Loans")

    body = harness.command("UPM2", "team")

    listing = text_of(body)
    assert "Product managers* (3)" in listing
    assert "<@UPM1> · Credit Cards · reports to <@UMGR>" in listing
    assert "&lt;!channel&gt; Loans" in listing
    assert "<!channel>" not in listing


def test_pm_cannot_change_the_roster(harness: Harness) -> None:
    seed_team(harness)

    added = harness.command("UPM2", "team add <@UOUT|out> pm")
    removed = harness.command("UPM2", "team remove <@UPM1|li>")

    assert "Only managers and admins can change the roster" in added["text"]
    assert "Only managers and admins can change the roster" in removed["text"]
    assert harness.member("UOUT") is None
    member = harness.member("UPM1")
    assert member is not None and member.active


def test_manager_cannot_make_admins(harness: Harness) -> None:
    seed_team(harness)
    body = harness.command("UMGR", "team add <@UOUT|out> admin")
    assert "只有管理员可以任命新的管理员" in body["text"]
    assert harness.member("UOUT") is None


def test_remove_deactivates_and_keeps_history(harness: Harness) -> None:
    seed_team(harness)

    body = harness.command("UMGR", "team remove <@UPM2|sam>")

    assert "<@UPM2>" in body["text"]
    member = harness.member("UPM2")
    assert member is not None and member.active is False
    assert "<@UPM2>" not in text_of(harness.command("UMGR", "team"))
    readded = harness.command("UMGR", "team add <@UPM2|sam> pm")
    assert "<@UPM2>" in readded["text"]
    member = harness.member("UPM2")
    assert member is not None and member.active


def test_bad_roster_arguments_get_usage(harness: Harness) -> None:
    seed_team(harness)
    for text in (
        "team add",
        "team add <@UPM3|jo>",
        "team add jo pm",
        "team add <@UPM3|jo> boss",
        "team remove",
        "team frobnicate",
    ):
        body = harness.command("UADMIN", text)
        assert (
            "/pm team add @user pm|manager [PRODUCT]" in body["text"]
            or "/pm team remove @user" in body["text"]
        ), text


def test_unknown_slack_user_and_bots_are_refused(harness: Harness) -> None:
    missing = harness.command("UADMIN", "team add <@UNOPE|x> pm")
    bot = harness.command("UADMIN", "team add <@UBOT2|otherbot> pm")

    assert "can't find <@UNOPE>" in missing["text"]
    assert "is a bot" in bot["text"]
    assert harness.member("UNOPE") is None and harness.member("UBOT2") is None


def test_someone_off_the_roster_is_told_how_to_join(harness: Harness) -> None:
    body = harness.command("UOUT", "goals")
    assert "not on the pmpulse roster" in body["text"]
    assert "/pm team add" in body["text"]
    assert harness.member("UOUT") is None
