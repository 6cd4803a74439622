"""Safe mrkdwn: user text escaped, mentions built by us only, long text clipped."""

from __future__ import annotations

import math

from bot.domain.goals import NUMBER_LIMIT
from bot.i18n import t

SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150


def escape(text: str) -> str:
    """Escape the three characters Slack treats as control sequences.

    After this, `<!channel>`, `<@U123>` and `<https://x|y>` typed by a user render as text.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mention(user_id: str) -> str:
    """A user mention; the ID comes from Slack or the roster, never from free text."""
    return f"<@{user_id}>"


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>"


def clip(text: str, limit: int, *, locale: str) -> str:
    """Shorten text to `limit` characters with a pointer that the rest is stored."""
    if len(text) <= limit:
        return text
    suffix = "\n" + t(locale, "text.truncated")
    return text[: max(0, limit - len(suffix))].rstrip() + suffix


def number(value: float) -> str:
    """A figure for display: no trailing .0, thousands separators.

    Figures people can type are below NUMBER_LIMIT (10**15); rows stored
    before that bound may hold anything a float can, so those show as "1.2e+20", and a value
    that is not a number at all (infinity, NaN) as "–", never a traceback or 300 digits.
    """
    if not math.isfinite(value):
        return "–"
    if abs(value) >= NUMBER_LIMIT:
        return f"{value:.3g}"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def chunk_lines(lines: list[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Pack lines into texts of at most `limit` characters (a line longer than that is cut)."""
    chunks: list[str] = []
    current = ""
    for line in lines:
        line = line[:limit]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            chunks.append(current)
            current = line
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks
