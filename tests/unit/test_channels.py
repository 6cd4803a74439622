"""`bot.services.channels` through the Web API adapter, against the fake Slack: what callers reuse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.fakeslack import FakeSlack
from bot.services.channels import ChannelCheck, check_channel, parse_channel, resolve_and_join
from bot.services.errors import ServiceError
from bot.slack_channels import SlackChannels
from bot.slack_client import build_web_client


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack() as server:
        yield server


@pytest.fixture
def slack(fake: FakeSlack) -> SlackChannels:
    settings = Settings(SLACK_API_URL=fake.api_url)
    return SlackChannels(build_web_client(settings, token=fake.token))


@pytest.mark.parametrize(
    ("text", "channel_id", "name"),
    [
        ("#pm-weekly", None, "pm-weekly"),
        ("  PM-Weekly ", None, "pm-weekly"),
        ("周报-频道", None, "周报-频道"),
        ("C0123ABCD", "C0123ABCD", "c0123abcd"),
        ("<#C0123ABCD|pm-weekly>", "C0123ABCD", None),
        ("<#G0123ABCD>", "G0123ABCD", None),
        ("https://acme.slack.com/archives/C0123ABCD", "C0123ABCD", None),
        ("https://acme.slack.com/archives/C0123ABCD/p1700000000000100", "C0123ABCD", None),
    ],
)
def test_text_as_people_type_or_paste_it(text: str, channel_id: str | None, name: str | None) -> None:
    ref = parse_channel(text)
    assert (ref.id, ref.name) == (channel_id, name)


@pytest.mark.parametrize(
    "text", ["", "#", "pm weekly", "<@U0123ABCD>", "<!here>", "x" * 81, "a/b", "C0123ABCD|x"]
)
def test_text_that_names_no_channel_is_refused_with_its_key(text: str) -> None:
    with pytest.raises(ServiceError) as caught:
        parse_channel(text)
    assert caught.value.key == "channels.error.bad_text"


def test_a_name_typed_in_capitals_like_an_id_is_still_found(fake: FakeSlack, slack: SlackChannels) -> None:
    channel = fake.add_channel("cards2024")
    assert resolve_and_join(slack, "CARDS2024") == ChannelCheck(
        id=channel, name="cards2024", is_private=False
    )


def test_check_reports_without_joining_and_resolve_joins(fake: FakeSlack, slack: SlackChannels) -> None:
    channel = fake.add_channel("pm-weekly", bot_member=False)
    with pytest.raises(ServiceError) as caught:
        check_channel(slack, channel)
    assert (caught.value.key, caught.value.params) == ("channels.error.not_member", {"name": "pm-weekly"})
    assert fake.calls_to("conversations.join") == []

    joined = resolve_and_join(slack, channel)
    assert joined.joined and joined.label == f"#pm-weekly ({channel})"
    assert check_channel(slack, channel) == ChannelCheck(id=channel, name="pm-weekly", is_private=False)


def test_a_join_slack_refuses_is_not_stored_and_says_what_holds_now(
    fake: FakeSlack, slack: SlackChannels
) -> None:
    channel = fake.add_channel("pm-weekly", bot_member=False)
    fake.fail_next("conversations.join", kind="slack_error", error="is_archived")
    with pytest.raises(ServiceError) as caught:
        resolve_and_join(slack, "pm-weekly")
    assert caught.value.key == "channels.error.not_member"  # it was not archived after all
    assert fake.calls_to("conversations.info")[-1].params["channel"] == channel  # asked again after the join
