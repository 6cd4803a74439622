"""Workspace members for the fake Slack: users.info and users.list.

Slack computes ``tz_offset`` for the current date and only returns ``locale`` when
asked with ``include_locale``; bots that localise or schedule by time zone depend
on both, so the fake does the same.
"""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.fakeslack.views import err

__all__ = ["UserDirectory"]

Json = dict[str, Any]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("1", "true", "yes")


class UserDirectory:
    """Users by id, in the order they were added (users.list pages in that order)."""

    def __init__(self, *, team_id: str) -> None:
        self.team_id = team_id
        self.users: dict[str, Json] = {}

    def handlers(self) -> dict[str, Callable[[Json], Json]]:
        return {"users.info": self.users_info, "users.list": self.users_list}

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str,
        tz: str,
        locale: str,
        is_bot: bool,
        deleted: bool,
        team_id: str | None,
    ) -> Json:
        ZoneInfo(tz)  # fail at setup time rather than on the first users.info
        user: Json = {
            "id": user_id,
            "team_id": team_id or self.team_id,
            "name": name,
            "real_name": real_name or name,
            "deleted": deleted,
            "is_bot": is_bot,
            "is_admin": False,
            "is_app_user": False,
            "tz": tz,
            "locale": locale,
            "profile": {
                "real_name": real_name or name,
                "display_name": name,
                "real_name_normalized": real_name or name,
                "team": team_id or self.team_id,
            },
        }
        self.users[user_id] = user
        return copy.deepcopy(user)

    def update_user(self, user_id: str, **changes: Any) -> Json:
        """Change a member as Slack would (``deleted``, ``tz``, ``locale``, ``real_name``...);
        returns the user object Slack sends with the ``user_change`` event."""
        user = self.users[user_id]
        if "tz" in changes:
            ZoneInfo(changes["tz"])
        if "real_name" in changes:
            user["profile"]["real_name"] = user["profile"]["real_name_normalized"] = changes["real_name"]
        user.update(changes)
        return self._user_view(user, include_locale=True)

    def _user_view(self, user: Json, *, include_locale: bool) -> Json:
        out = copy.deepcopy(user)
        try:
            now = datetime.now(ZoneInfo(user["tz"]))
        except ZoneInfoNotFoundError:
            now = datetime.now(ZoneInfo("UTC"))
        offset = now.utcoffset()
        out["tz_offset"] = int(offset.total_seconds()) if offset is not None else 0
        out["tz_label"] = now.tzname() or user["tz"]
        if not include_locale:
            out.pop("locale", None)
        return out

    def users_info(self, params: Json) -> Json:
        user = self.users.get(str(params.get("user", "")))
        if user is None:
            return err("user_not_found")
        return {
            "ok": True,
            "user": self._user_view(user, include_locale=_truthy(params.get("include_locale"))),
        }

    def users_list(self, params: Json) -> Json:
        limit = int(params.get("limit") or 0) or len(self.users) or 1
        offset = 0
        cursor = params.get("cursor")
        if cursor:
            try:
                offset = int(base64.b64decode(str(cursor)).decode().removeprefix("offset:"))
            except ValueError:
                return err("invalid_cursor")
        everyone = list(self.users.values())
        page = everyone[offset : offset + limit]
        more = offset + limit < len(everyone)
        next_cursor = base64.b64encode(f"offset:{offset + limit}".encode()).decode() if more else ""
        include_locale = _truthy(params.get("include_locale"))
        return {
            "ok": True,
            "members": [self._user_view(u, include_locale=include_locale) for u in page],
            "cache_ts": int(time.time()),
            "response_metadata": {"next_cursor": next_cursor},
        }
