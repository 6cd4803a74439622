"""Message catalogs in English and Simplified Chinese, and locale resolution.

Every user-facing string lives in `bot.i18n.catalog`; code asks for it by key.

A template picks a word by a count with `{count:plural=ONE|OTHER}`: "{count} {count:plural=prompt|prompts}"
reads "1 prompt", "2 prompts". Chinese has no plural forms, so zh-CN templates do not need it.
"""

from __future__ import annotations

import string
from typing import Any, Final

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


PLURAL_SPEC: Final = "plural="


def plural(count: object, one: str, other: str) -> str:
    """`one` for exactly one, else `other` (English: 0 reports, 1 report, 2 reports)."""
    return one if isinstance(count, int) and not isinstance(count, bool) and count == 1 else other


class _CatalogFormatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec.startswith(PLURAL_SPEC):
            one, _, other = format_spec.removeprefix(PLURAL_SPEC).partition("|")
            return plural(value, one, other)
        return str(super().format_field(value, format_spec))


_FORMATTER: Final = _CatalogFormatter()


def t(locale: str, key: str, /, **params: object) -> str:
    """The message `key` in `locale`, formatted with `params`."""
    entry = MESSAGES[key]
    template = entry.get(locale) or entry[DEFAULT_LOCALE]
    return _FORMATTER.format(template, **params) if params else template


__all__ = ["DEFAULT_LOCALE", "LOCALES", "normalize_locale", "plural", "resolve_locale", "t"]
