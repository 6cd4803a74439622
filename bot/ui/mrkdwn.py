"""Safe mrkdwn: user text escaped, mentions built by us only, long text clipped or split.

Every text job of the builders goes through here: escaping, clipping to a limit (`cut` silently,
`clip` with a marker in the reader's language) and splitting lines over several blocks
(`split_lines`). All of them cut only where a cut is harmless: never inside an escape sequence
(`&amp;`), a token Slack parses (`<@U123>`, `<#C1>`, `<https://x|y>`), a surrogate pair or a
glyph built of several code points (an emoji with a skin tone or joiners, a flag, a letter with
its combining accents). Limits count characters, as Slack does.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable

from bot.domain.goals import NUMBER_LIMIT
from bot.i18n import t

SECTION_TEXT_MAX = 3000
HEADER_TEXT_MAX = 150

_ENTITY = re.compile(r"&#?[0-9A-Za-z]{1,10};")
_ENTITY_LONGEST = 13
_ZWJ = "\u200d"


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


# -- where text may be cut ------------------------------------------------------------------------


def _is_regional(char: str) -> bool:
    return "\U0001f1e6" <= char <= "\U0001f1ff"


def _extends(char: str) -> bool:
    """A code point that belongs to the glyph before it."""
    return (
        char == _ZWJ
        or "\ufe00" <= char <= "\ufe0f"  # variation selectors (text or emoji style)
        or "\U0001f3fb" <= char <= "\U0001f3ff"  # skin tones
        or "\U000e0020" <= char <= "\U000e007f"  # tags (subdivision flags)
        or "\udc00" <= char <= "\udfff"  # the second half of a surrogate pair
        or unicodedata.category(char) in ("Mn", "Mc", "Me")  # combining marks, keycaps
    )


def _splits_glyph(text: str, i: int) -> bool:
    """Would a cut before text[i] split one visible character?"""
    before, after = text[i - 1], text[i]
    if before == _ZWJ or _extends(after):
        return True
    if _is_regional(before) and _is_regional(after):
        run = i - 1
        while run > 0 and _is_regional(text[run - 1]):
            run -= 1
        return (i - run) % 2 == 1  # flags pair up from the start of the run
    return False


def _token_start(text: str, i: int) -> int | None:
    """Where the escape sequence or `<…>` token that a cut before text[i] would split begins."""
    start = text.rfind("<", 0, i)
    if start != -1 and text.find(">", start, i) == -1 and text.find(">", i) != -1:
        return start
    amp = text.rfind("&", max(0, i - _ENTITY_LONGEST), i)
    if amp != -1:
        entity = _ENTITY.match(text, amp)
        if entity is not None and entity.end() > i:
            return amp
    return None


def cut_point(text: str, limit: int) -> int:
    """The longest prefix of `text`, at most `limit` characters, that ends where a cut is harmless.

    A token longer than `limit` on its own (a huge link) is cut anyway rather than dropped; the
    result is at least 1 for non-empty text and a positive limit, so splitting always advances.
    """
    if len(text) <= limit:
        return len(text)
    if limit <= 0:
        return 0
    i = limit
    while i > 0 and _splits_glyph(text, i):
        i -= 1
    token = _token_start(text, i) if i > 0 else None
    if token:  # (a token starting at 0 is longer than the limit: cut inside it, not show nothing)
        i = token
    if i == 0:  # one glyph longer than the limit (absurd, but typed text can be absurd)
        i = limit - 1 if limit > 1 and "\udc00" <= text[limit] <= "\udfff" else limit
    return i


# -- clipping and splitting -----------------------------------------------------------------------


def cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, silently: for plain-text fields such as headers and
    modal labels, where the rest is shown elsewhere."""
    return text[: cut_point(text, limit)]


def clip(text: str, limit: int, *, locale: str, inline: bool = False) -> str:
    """`text` in at most `limit` characters, the marker included.

    Longer text ends with an ellipsis when `inline` (a line in a list: a title, a reason), or
    else with a line saying the full text is kept in pmpulse (a body that was stored whole).
    Clip escaped text when the limit is Slack's (a section's 3,000 characters); clip raw text and
    escape the result when the limit is how much a reader should see (a line in a list).
    """
    if len(text) <= limit:
        return text
    marker = t(locale, "text.ellipsis") if inline else "\n" + t(locale, "text.truncated")
    # An ellipsis already at the cut (a name clipped before) would run into ours: "………".
    return cut(text, max(0, limit - len(marker))).rstrip().rstrip("…").rstrip() + marker


def one_line(text: str) -> str:
    """Text with its line breaks and runs of spaces made single spaces, for a line in a list."""
    return " ".join(text.split())


def split_lines(lines: Iterable[str], limit: int = SECTION_TEXT_MAX) -> list[str]:
    """Join lines into texts of at most `limit` characters each, losing nothing.

    Lines are kept together while they fit; a line longer than `limit` is cut over several texts
    where a cut is harmless. Empty lines before any text are dropped; no text at all gives [].
    """
    return fit_lines(lines, limit)[0]


def fit_lines(
    lines: Iterable[str], limit: int = SECTION_TEXT_MAX, *, max_pieces: int | None = None
) -> tuple[list[str], int]:
    """`split_lines` into at most `max_pieces` texts: the texts, and how many lines they show whole.

    Lines are read only until the texts are full, so a list of thousands can be passed lazily;
    the caller, knowing the total, says how many more there are.
    """
    room = max_pieces if max_pieces is not None else math.inf
    if room <= 0:
        return [], 0
    pieces: list[str] = []
    current = ""
    shown = 0
    for line in lines:
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) <= limit:
            current = candidate
            shown += 1
            continue
        if current:
            pieces.append(current)
            current = ""
        while len(line) > limit and len(pieces) < room:
            at = cut_point(line, limit)
            pieces.append(line[:at])
            line = line[at:]
        if len(pieces) >= room:
            break
        current = line
        shown += 1
    if current and len(pieces) < room:
        pieces.append(current)
    return pieces, shown
