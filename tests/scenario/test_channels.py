"""Channel settings from the shell: typed as people type them, checked in Slack, joined when public.

`pmpulse config set <x>_channel` and `pmpulse doctor` run as processes against the fake Slack,
whose channels are declared per test (public, private, archived, with the bot in them or not).
"""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from bot.fakeslack import FakeSlack
from tests.support.cli import DOCTOR_CHECKS, pmpulse

INVITE = "invite pmpulse with /invite @pmpulse in #{name}, then run this again"


def setting(env: dict[str, str], key: str) -> str:
    shown = pmpulse(env, "config", "show")
    assert shown.returncode == 0, shown.stderr
    for line in shown.stdout.splitlines():
        if line.split()[:1] == [key]:
            return line.split()[1]
    raise AssertionError(f"{key} not in {shown.stdout}")


def refused(result: subprocess.CompletedProcess[str], key: str) -> str:
    """The one line of a refusal with exit 2; the line is returned without its prefix."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pmpulse: {key}: "), lines
    return lines[0].removeprefix(f"pmpulse: {key}: ")


def test_a_channel_is_named_as_people_type_or_paste_it(env: dict[str, str], fake: FakeSlack) -> None:
    weekly = fake.add_channel("pm-weekly")
    risks = fake.add_channel("pm-risks")
    meetings = fake.add_channel("pm-meeting", private=True)

    by_name = pmpulse(env, "config", "set", "digest_channel", "#PM-Weekly")
    assert by_name.returncode == 0, by_name.stderr
    assert by_name.stdout.strip() == f"digest_channel set to #pm-weekly ({weekly})"
    assert setting(env, "digest_channel") == weekly

    assert pmpulse(env, "config", "set", "risk_channel", f"<#{risks}|pm-risks>").returncode == 0
    assert setting(env, "risk_channel") == risks
    link = f"https://acme-bank.slack.com/archives/{meetings}"
    assert pmpulse(env, "config", "set", "meeting_channel", link).returncode == 0
    assert setting(env, "meeting_channel") == meetings
    # A private channel the bot is in, by name.
    assert pmpulse(env, "config", "set", "meeting_channel", "pm-meeting").returncode == 0
    assert pmpulse(env, "config", "set", "risk_channel", weekly).returncode == 0
    assert setting(env, "risk_channel") == weekly
    assert fake.calls_to("conversations.join") == []  # the bot was in each already

    cleared = pmpulse(env, "config", "set", "risk_channel", "none")
    assert cleared.returncode == 0 and setting(env, "risk_channel") == "-"


def test_the_bot_joins_a_public_channel_it_is_not_in_and_can_then_post(
    env: dict[str, str], fake: FakeSlack
) -> None:
    channel = fake.add_channel("pm-weekly", bot_member=False)

    result = pmpulse(env, "config", "set", "digest_channel", "pm-weekly")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"digest_channel set to #pm-weekly ({channel}); pmpulse joined it"
    assert [c.params["channel"] for c in fake.calls_to("conversations.join")] == [channel]
    assert setting(env, "digest_channel") == channel

    # Set again: already in, no second join.
    again = pmpulse(env, "config", "set", "digest_channel", channel)
    assert again.returncode == 0 and "joined" not in again.stdout
    assert len(fake.calls_to("conversations.join")) == 1

    # The digest falls due on Friday at 17:00 (the default, UTC): run the job then.
    today = dt.datetime.now(dt.UTC)
    friday = (today + dt.timedelta(days=(4 - today.weekday()) % 7 or 7)).replace(hour=17, minute=1)
    digest = pmpulse(env, "jobs", "run", "status-digest", "--at", friday.isoformat(), "--drain-seconds", "20")
    assert digest.returncode == 0, digest.stderr
    posts = [c for c in fake.calls_to("chat.postMessage") if c.params["channel"] == channel]
    assert posts and all(c.response["ok"] for c in posts), [c.response for c in posts]
    assert fake.messages(channel)


def test_a_name_is_found_on_any_page_of_the_channel_list(env: dict[str, str], fake: FakeSlack) -> None:
    for n in range(450):
        fake.add_channel(f"team-{n:03d}")
    last = fake.add_channel("pm-weekly")

    result = pmpulse(env, "config", "set", "digest_channel", "pm-weekly")

    assert result.returncode == 0, result.stderr
    assert setting(env, "digest_channel") == last
    pages = fake.calls_to("conversations.list")
    assert len(pages) == 3 and pages[1].params["cursor"] and pages[2].params["cursor"]
    assert {p.params["types"] for p in pages} == {"public_channel,private_channel"}


def test_channels_pmpulse_cannot_post_in_are_refused_and_nothing_is_stored(
    env: dict[str, str], fake: FakeSlack
) -> None:
    secret = fake.add_channel("secret-pm", private=True, bot_member=False)
    old = fake.add_channel("pm-2019", archived=True)
    old_private = fake.add_channel("old-private", private=True, archived=True)
    fake.add_channel("pm-weekly")
    assert pmpulse(env, "config", "set", "digest_channel", "pm-weekly").returncode == 0
    stored = setting(env, "digest_channel")

    # Slack hides a private channel from a bot outside it: by name or by ID, it is not found.
    by_name = refused(pmpulse(env, "config", "set", "digest_channel", "#secret-pm"), "digest_channel")
    invite = INVITE.format(name="secret-pm")
    assert by_name == f"pmpulse cannot find #secret-pm: check the name. If it is a private channel, {invite}."
    by_id = refused(pmpulse(env, "config", "set", "digest_channel", secret), "digest_channel")
    assert by_id.startswith(f"pmpulse cannot find channel {secret}: check the ID.")
    assert "/invite @pmpulse" in by_id

    archived = refused(pmpulse(env, "config", "set", "digest_channel", "pm-2019"), "digest_channel")
    assert archived == "#pm-2019 is archived, so pmpulse cannot post there: choose another channel."
    assert "archived" in refused(pmpulse(env, "config", "set", "risk_channel", old), "risk_channel")
    assert "archived" in refused(pmpulse(env, "config", "set", "risk_channel", old_private), "risk_channel")

    unknown = refused(pmpulse(env, "config", "set", "digest_channel", "C0NOTREAL"), "digest_channel")
    assert unknown.startswith("pmpulse cannot find channel C0NOTREAL")
    nope = refused(pmpulse(env, "config", "set", "meeting_channel", "pm-nope"), "meeting_channel")
    assert nope.startswith("pmpulse cannot find #pm-nope")
    for text in ("pm weekly!", "#", "<#U0123ABCD|mei>", "x" * 81, "<!channel>"):
        bad = refused(pmpulse(env, "config", "set", "digest_channel", text), "digest_channel")
        assert "is not a channel: give #name, name, a channel ID like C0123ABCD" in bad, text

    assert fake.calls_to("conversations.join") == []  # nothing archived or private was joined
    assert setting(env, "digest_channel") == stored
    assert setting(env, "risk_channel") == "-" and setting(env, "meeting_channel") == "-"


def test_a_private_channel_the_bot_sees_but_is_not_in_says_how_to_invite_it(
    env: dict[str, str], fake: FakeSlack
) -> None:
    # Slack can list a private channel whose membership changed since (the bot was removed).
    channel = fake.add_channel("pm-leads", private=True)
    assert pmpulse(env, "config", "set", "digest_channel", channel).returncode == 0
    fake.update_channel(channel, is_member=False)

    answer = refused(pmpulse(env, "config", "set", "digest_channel", channel), "digest_channel")

    assert "/invite @pmpulse" in answer and answer.endswith("then run this again.")


def test_the_fake_refuses_a_post_where_the_bot_is_not(fake: FakeSlack) -> None:
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    outside = fake.add_channel("outside", bot_member=False)
    hidden = fake.add_channel("hidden", private=True, bot_member=False)
    archived = fake.add_channel("archived", archived=True)
    expected = {outside: "not_in_channel", hidden: "channel_not_found", archived: "is_archived"}
    for channel, error in expected.items():
        with pytest.raises(SlackApiError) as caught:
            client.chat_postMessage(channel=channel, text="hi")
        assert caught.value.response["error"] == error
    with pytest.raises(SlackApiError) as private_join:
        client.conversations_join(channel=hidden)
    assert private_join.value.response["error"] == "channel_not_found"
    assert client.conversations_join(channel=outside)["channel"]["is_member"] is True
    assert client.chat_postMessage(channel=outside, text="hi")["ok"] is True
    assert fake.messages(outside)[0]["text"] == "hi"


def test_doctor_checks_every_configured_channel_and_reports_each(
    env: dict[str, str], fake: FakeSlack
) -> None:
    digest = fake.add_channel("pm-weekly")
    risks = fake.add_channel("pm-risks")
    meeting = fake.add_channel("pm-meeting", private=True)
    for key, channel in (("digest_channel", digest), ("risk_channel", risks), ("meeting_channel", meeting)):
        assert pmpulse(env, "config", "set", key, channel).returncode == 0
    healthy = pmpulse(env, "doctor")
    assert healthy.returncode == 0, healthy.stdout
    assert f"ok   digest_channel: #pm-weekly ({digest}): pmpulse is in it and can post" in healthy.stdout
    assert f"ok   meeting_channel: #pm-meeting ({meeting})" in healthy.stdout

    fake.update_channel(risks, is_archived=True)
    fake.update_channel(meeting, is_member=False)  # removed from a private channel: Slack hides it
    broken = pmpulse(env, "doctor")

    assert broken.returncode == 1
    lines = broken.stdout.splitlines()
    assert f"ok   digest_channel: #pm-weekly ({digest}): pmpulse is in it and can post" in lines
    assert f"FAIL risk_channel: {risks}: #pm-risks is archived, so pmpulse cannot post there" in broken.stdout
    assert any(line.startswith(f"FAIL meeting_channel: {meeting}: pmpulse cannot find") for line in lines)
    for check in DOCTOR_CHECKS:
        assert any(line.startswith(f"ok   {check}:") for line in lines), (check, lines)
    assert lines[-1] == "2 check(s) failed"
    assert fake.calls_to("conversations.join") == []  # the doctor looks, it does not change anything


def test_doctor_fails_a_public_channel_the_bot_left(env: dict[str, str], fake: FakeSlack) -> None:
    channel = fake.add_channel("pm-weekly")
    assert pmpulse(env, "config", "set", "digest_channel", channel).returncode == 0
    fake.update_channel(channel, is_member=False)

    result = pmpulse(env, "doctor")

    assert result.returncode == 1
    left = f"FAIL digest_channel: {channel}: pmpulse is not in #pm-weekly, so it cannot post there"
    assert left in result.stdout
    assert "skip risk_channel: not set" in result.stdout


def test_doctor_reports_a_missing_channel_scope(fake: FakeSlack, env: dict[str, str]) -> None:
    fake.scopes = tuple(s for s in fake.scopes if s != "channels:join")
    result = pmpulse(env, "doctor")
    assert result.returncode == 1
    assert "FAIL scopes: missing: channels:join" in result.stdout


def test_an_app_without_the_join_scope_is_told_which_scope_to_add(
    env: dict[str, str], fake: FakeSlack
) -> None:
    fake.scopes = tuple(s for s in fake.scopes if s != "channels:join")
    fake.add_channel("pm-weekly", bot_member=False)

    answer = refused(pmpulse(env, "config", "set", "digest_channel", "pm-weekly"), "digest_channel")

    assert answer == (
        "pmpulse lacks the Slack permission channels:join: add it to the app (manifest.yml), "
        "reinstall the app, then run this again."
    )
    assert setting(env, "digest_channel") == "-"


def test_slack_failing_at_the_join_stores_nothing(env: dict[str, str], fake: FakeSlack) -> None:
    channel = fake.add_channel("pm-weekly", bot_member=False)
    fake.fail_next("conversations.join", status=503, count=10)

    result = pmpulse(env, "config", "set", "digest_channel", "pm-weekly")

    assert result.returncode == 1
    assert result.stderr == (
        "pmpulse: cannot reach Slack: conversations.join answered HTTP 503: internal_error\n"
    )
    assert setting(env, "digest_channel") == "-"
    fake.clear_faults()
    assert pmpulse(env, "config", "set", "digest_channel", "pm-weekly").returncode == 0  # as it was, again
    assert setting(env, "digest_channel") == channel
