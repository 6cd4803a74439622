"""Modals and App Home for the fake Slack: trigger ids, views.open/push/update/publish.

Slack only opens a modal for a fresh trigger id (single use, about 3 seconds) and
rejects invalid views with ``invalid_arguments``; the fake enforces both so slow or
double-opening handlers and bad views are caught in tests.
"""

from __future__ import annotations

import copy
import time
import uuid
from collections.abc import Callable
from typing import Any

from bot.fakeslack.blockkit import validate_view

__all__ = ["TRIGGER_TTL_SECONDS", "ViewStore", "err"]

Json = dict[str, Any]
TRIGGER_TTL_SECONDS = 3.0


def err(error: str, **extra: Any) -> Json:
    """A Slack error response body."""
    return {"ok": False, "error": error, **extra}


class ViewStore:
    """Views by id, each user's home view, and issued trigger ids."""

    def __init__(
        self,
        *,
        team_id: str,
        app_id: str,
        bot_id: str,
        clock: Callable[[], float],
        new_id: Callable[[str], str],
    ) -> None:
        self.team_id, self.app_id, self.bot_id = team_id, app_id, bot_id
        self.clock = clock
        self._new_id = new_id
        self.views: dict[str, Json] = {}
        self.home_by_user: dict[str, str] = {}
        self.triggers: dict[str, tuple[float, bool]] = {}

    def handlers(self) -> dict[str, Callable[[Json], Json]]:
        return {
            "views.open": self.views_open,
            "views.push": self.views_push,
            "views.update": self.views_update,
            "views.publish": self.views_publish,
        }

    def issue_trigger_id(self) -> str:
        trigger = f"{int(time.time())}.{uuid.uuid4().int % 10**12}.{uuid.uuid4().hex[:16]}"
        self.triggers[trigger] = (self.clock(), False)
        return trigger

    def _trigger_problem(self, params: Json) -> Json | None:
        trigger = params.get("trigger_id") or params.get("interactivity_pointer")
        if not trigger:
            return err("invalid_arguments")
        entry = self.triggers.get(str(trigger))
        if entry is None:
            return err("invalid_trigger_id")
        issued_at, used = entry
        if used or self.clock() - issued_at >= TRIGGER_TTL_SECONDS:
            return err("expired_trigger_id")
        return None

    def _view_problem(self, view: Any) -> Json | None:
        if isinstance(view, str):
            return err(
                "invalid_arguments",
                response_metadata={"messages": ["[ERROR] must provide an object"]},
            )
        errors = validate_view(view)
        if errors:
            return err(
                "invalid_arguments",
                errors=errors,
                response_metadata={"messages": [f"[ERROR] {e}" for e in errors]},
            )
        return None

    def _store_view(self, view: Json, *, view_id: str | None = None, previous: Json | None = None) -> Json:
        vid = view_id or self._new_id("V")
        external_id = view.get("external_id", "")
        full: Json = {
            **copy.deepcopy(view),
            "id": vid,
            "team_id": self.team_id,
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "external_id": external_id,
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{uuid.uuid4().hex[:8]}",
            "clear_on_close": bool(view.get("clear_on_close", False)),
            "notify_on_close": bool(view.get("notify_on_close", False)),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "previous_view_id": previous["previous_view_id"] if previous else None,
            "root_view_id": previous["root_view_id"] if previous else vid,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[vid] = full
        return copy.deepcopy(full)

    def _duplicate_external(self, view: Json, own_id: str | None = None) -> bool:
        ext = view.get("external_id")
        return bool(ext) and any(
            v.get("external_id") == ext and vid != own_id for vid, v in self.views.items()
        )

    def _open_or_push(self, params: Json) -> Json:
        problem = self._trigger_problem(params) or self._view_problem(params.get("view"))
        if problem:
            return problem
        view: Json = params["view"]
        if view.get("type") != "modal":
            return err("invalid_arguments")
        if self._duplicate_external(view):
            return err("duplicate_external_id")
        trigger = str(params.get("trigger_id") or params.get("interactivity_pointer"))
        self.triggers[trigger] = (self.triggers[trigger][0], True)
        return {"ok": True, "view": self._store_view(view)}

    def views_open(self, params: Json) -> Json:
        return self._open_or_push(params)

    def views_push(self, params: Json) -> Json:
        return self._open_or_push(params)

    def views_update(self, params: Json) -> Json:
        vid = params.get("view_id")
        if not vid and params.get("external_id"):
            vid = next(
                (k for k, v in self.views.items() if v.get("external_id") == params["external_id"]),
                None,
            )
        old = self.views.get(str(vid)) if vid else None
        if old is None:
            return err("not_found")
        if params.get("hash") and params["hash"] != old["hash"]:
            return err("hash_conflict")
        problem = self._view_problem(params.get("view"))
        if problem:
            return problem
        if self._duplicate_external(params["view"], own_id=old["id"]):
            return err("duplicate_external_id")
        return {
            "ok": True,
            "view": self._store_view(params["view"], view_id=old["id"], previous=old),
        }

    def views_publish(self, params: Json) -> Json:
        user_id = params.get("user_id")
        if not user_id:
            return err("invalid_arguments")
        problem = self._view_problem(params.get("view"))
        if problem:
            return problem
        if params["view"].get("type") != "home":
            return err("invalid_arguments")
        old_id = self.home_by_user.get(str(user_id))
        if old_id and params.get("hash") and params["hash"] != self.views[old_id]["hash"]:
            return err("hash_conflict")
        stored = self._store_view(params["view"], view_id=old_id)
        self.home_by_user[str(user_id)] = stored["id"]
        return {"ok": True, "view": stored}
