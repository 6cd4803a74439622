"""Slack's user objects as the roster's plain Profile, beside the client that fetches them.

Listeners (commands, the `user_change` event), the daily profile refresh and the CLI all read
people from Slack; the roster service takes a plain lookup, so it never sees slack_sdk.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.services.roster import Profile, ProfileLookup


def profile_lookup(client: WebClient) -> ProfileLookup:
    """users.info (with locale) as the plain lookup the roster service expects."""

    def lookup(user_id: str) -> Profile | None:
        try:
            user = client.users_info(user=user_id, include_locale=True)["user"]
        except SlackApiError as exc:
            if exc.response.get("error") in ("user_not_found", "users_not_found"):
                return None
            raise
        return profile_of(user_id, user)

    return lookup


def profile_of(user_id: str, user: dict[str, Any]) -> Profile:
    """A Slack user object (users.info, or the `user_change` event) as the roster's plain Profile."""
    profile = user.get("profile") or {}
    return Profile(
        user_id=user_id,
        # The full name reads best in rosters and digests; the display name is often a nickname.
        name=user.get("real_name")
        or profile.get("real_name")
        or profile.get("display_name")
        or user.get("name")
        or user_id,
        timezone=user.get("tz"),
        locale=user.get("locale"),
        is_bot=bool(user.get("is_bot")),
        deleted=bool(user.get("deleted")),
    )
