"""Message catalogs in English and Simplified Chinese, and locale resolution.

Every user-facing string lives in `bot.i18n.catalog`; code asks for it by key.
"""

from __future__ import annotations

from typing import Final

from bot.i18n.catalog import MESSAGES

LOCALES: Final = ("en", "zh-CN")
DEFAULT_LOCALE: Final = "en"


def normalize_locale(slack_locale: str | None) -> str | None:
    """Map a Slack locale ("zh-CN", "zh-TW", "en-US", "ja-JP"...) to a catalog locale."""
    if not slack_locale:
        return None
    lowered = slack_locale.lower().replace("_", "-")
    if lowered.startswith("zh"):
        return "zh-CN"
    if lowered.startswith("en"):
        return "en"
    return None


def resolve_locale(member_locale: str | None, team_locale: str | None) -> str:
    """The member's Slack locale when we speak it, else the team default, else English."""
    return normalize_locale(member_locale) or normalize_locale(team_locale) or DEFAULT_LOCALE


def t(locale: str, key: str, /, **params: object) -> str:
    """The message `key` in `locale`, formatted with `params`."""
    entry = MESSAGES[key]
    template = entry.get(locale) or entry[DEFAULT_LOCALE]
    return template.format(**params) if params else template


__all__ = ["DEFAULT_LOCALE", "LOCALES", "normalize_locale", "resolve_locale", "t"]
