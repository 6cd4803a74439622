"""The text toolkit every builder uses: escape, cut, clip and split, at and around their limits.

A cut is never allowed inside an escape sequence, a `<…>` token, a surrogate pair or a glyph made
of several code points; the tests below put each of those exactly on the limit.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.ui.mrkdwn import clip, cut, cut_point, escape, fit_lines, mention, one_line, split_lines

TRUNCATED_EN = "\n… (shortened; the full text is kept in pmpulse)"
TRUNCATED_ZH = "\n……（内容已截断，完整内容保存在 pmpulse 中）"
THUMB = "👍🏽"  # thumbs up + skin tone: two code points, one glyph
FLAG = "🇨🇳"  # two regional indicators
FAMILY = "👩\u200d👩\u200d👧"  # joined with zero-width joiners
ACCENTED = "e\u0301"  # e + combining acute accent


def test_escape_neutralises_mentions_and_links() -> None:
    assert escape("<!channel> <@U123> <https://evil|click> & co") == (
        "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|click&gt; &amp; co"
    )


# -- cut ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "a", "abc", "中文", THUMB])
def test_text_within_the_limit_is_left_alone(text: str) -> None:
    assert cut(text, 5) == text
    assert cut_point(text, len(text)) == len(text)


def test_exact_limit_and_one_over() -> None:
    assert cut("x" * 10, 10) == "x" * 10
    assert cut("x" * 11, 10) == "x" * 10
    assert clip("x" * 10, 10, locale="en") == "x" * 10


@pytest.mark.parametrize("entity", ["&amp;", "&lt;", "&gt;"])
def test_an_escape_straddling_the_limit_is_left_whole_for_the_next_piece(entity: str) -> None:
    text = "abcd" + entity + "z"
    for limit in range(5, 4 + len(entity)):  # every cut inside the entity
        assert cut(text, limit) == "abcd", limit
    assert cut(text, 4 + len(entity)) == "abcd" + entity


@pytest.mark.parametrize(
    "token", [mention("U123ABC"), "<#C0123>", "<https://example.com|the plan>", "<!here>"]
)
def test_a_mention_or_link_straddling_the_limit_is_never_split(token: str) -> None:
    text = "see " + token + " now"
    for limit in range(5, 4 + len(token)):
        assert cut(text, limit) == "see "
    assert cut(text, 4 + len(token)) == "see " + token


def test_a_token_longer_than_the_limit_on_its_own_is_cut_rather_than_lost() -> None:
    link = "<https://example.com/" + "p" * 100 + ">"
    assert cut(link, 20) == link[:20]
    assert split_lines([link], 20)[0] == link[:20]
    assert "".join(split_lines([link], 20)) == link


def test_escaped_user_text_never_looks_like_a_token() -> None:
    # `&lt;@U1&gt;` holds no `<`: only the entities constrain the cut.
    text = escape("<@U1> hello")
    assert cut(text, 6) == "&lt;@U"


@pytest.mark.parametrize("glyph", [THUMB, FLAG, FAMILY, ACCENTED, "1\ufe0f\u20e3"])
def test_a_glyph_of_several_code_points_straddling_the_limit_stays_whole(glyph: str) -> None:
    text = "ab" + glyph + "cd"
    for limit in range(3, 2 + len(glyph)):
        assert cut(text, limit) == "ab", (glyph, limit)
    assert cut(text, 2 + len(glyph)) == "ab" + glyph


def test_a_run_of_flags_is_cut_between_flags() -> None:
    text = FLAG * 5
    for limit in range(2, 10):
        piece = cut(text, limit)
        assert len(piece) % 2 == 0 and piece == FLAG * (len(piece) // 2)


def test_a_surrogate_pair_is_never_split() -> None:
    # Text decoded from JSON with surrogate escapes can hold the two halves as separate code points.
    pair = "\ud83d\ude00"
    assert cut("ab" + pair, 3) == "ab"
    assert cut(pair * 3, 3) == pair


def test_cjk_is_cut_by_characters() -> None:
    text = "周报" * 10
    assert cut(text, 5) == "周报周报周"
    assert clip(text, 5, locale="zh-CN", inline=True) == "周报周……"


def test_cut_point_always_advances() -> None:
    assert cut_point("&amp;", 2) == 2  # an entity longer than the limit at the start: cut anyway
    assert cut_point(ACCENTED * 3, 1) == 1
    assert cut_point("", 0) == 0
    assert cut_point("abc", 0) == 0


# -- clip -----------------------------------------------------------------------------------------


def test_clip_keeps_short_text_and_points_to_the_rest() -> None:
    assert clip("short", 10, locale="en") == "short"
    clipped = clip("x" * 5000, 3000, locale="zh-CN")
    assert len(clipped) == 3000 and clipped.endswith(TRUNCATED_ZH)
    clipped = clip("x" * 5000, 3000, locale="en")
    assert len(clipped) == 3000 and clipped == "x" * (3000 - len(TRUNCATED_EN)) + TRUNCATED_EN


def test_inline_clip_ends_with_the_ellipsis_of_the_readers_language() -> None:
    assert clip("abcdefghij", 5, locale="en", inline=True) == "abcd…"
    assert clip("abcdefghij", 5, locale="zh-CN", inline=True) == "abc……"
    assert clip("abcde", 5, locale="zh-CN", inline=True) == "abcde"


def test_clip_drops_trailing_space_and_ellipses_before_the_marker() -> None:
    assert clip("abc    defgh", 6, locale="en", inline=True) == "abc…"
    assert clip("ab……cdefgh", 5, locale="zh-CN", inline=True) == "ab……"
    assert clip("ab… cdefgh", 5, locale="en", inline=True) == "ab…"


def test_clipped_escaped_text_ends_on_a_whole_escape() -> None:
    clipped = clip(escape("<" * 5000), 3000, locale="en")
    assert len(clipped) <= 3000
    body = clipped.split("\n")[0]
    assert body == "&lt;" * (len(body) // 4)
    nasty = "<!channel> <@U123> <https://evil|click> & co"
    assert clip(escape(nasty), 3000, locale="en") == escape(nasty)


def test_clip_to_less_than_the_marker_still_fits() -> None:
    assert clip("abcdef", 1, locale="en", inline=True) == "…"
    assert len(clip("x" * 100, 10, locale="en")) <= len(TRUNCATED_EN)


def test_one_line_collapses_breaks_and_runs_of_spaces() -> None:
    assert one_line("  a\n\n b\tc  ") == "a b c"
    assert one_line("") == ""


# -- split_lines ----------------------------------------------------------------------------------


def test_empty_input_gives_no_pieces() -> None:
    assert split_lines([]) == []
    assert split_lines([""]) == []
    assert split_lines(["", ""]) == []


def test_lines_are_packed_without_exceeding_the_limit_and_nothing_is_lost() -> None:
    lines = [f"line {i}" for i in range(1000)]
    pieces = split_lines(lines, limit=100)
    assert all(len(p) <= 100 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines


def test_lines_that_exactly_fill_the_limit_share_a_piece_and_one_more_starts_the_next() -> None:
    assert split_lines(["a" * 4, "b" * 5], 10) == ["aaaa\nbbbbb"]
    assert split_lines(["a" * 4, "b" * 6], 10) == ["aaaa", "bbbbbb"]


def test_a_single_line_longer_than_the_limit_is_split_whole() -> None:
    pieces = split_lines(["z" * 25], 10)
    assert pieces == ["z" * 10, "z" * 10, "z" * 5]
    pieces = split_lines(["a", "z" * 25, "b"], 10)
    assert pieces == ["a", "z" * 10, "z" * 10, "zzzzz\nb"]


def test_split_never_cuts_an_escape_sequence() -> None:
    pieces = split_lines([escape("&" * 5000)], 3000)
    assert "".join(pieces) == "&amp;" * 5000
    assert all(len(p) <= 3000 and p.startswith("&amp;") and p.endswith(";") for p in pieces)


def test_split_never_cuts_a_mention_or_an_emoji() -> None:
    line = " ".join([mention("U0123456"), THUMB, FLAG] * 300)
    pieces = split_lines([line], 97)
    assert "".join(pieces) == line
    for piece in pieces:
        assert len(piece) <= 97
        assert piece.count("<") == piece.count(">")
        assert not piece.startswith(("\U0001f3fd", "\u200d")) and not piece.endswith("\u200d")
        assert sum(1 for c in piece if "\U0001f1e6" <= c <= "\U0001f1ff") % 2 == 0


def test_split_of_cjk_counts_characters() -> None:
    pieces = split_lines(["周" * 7000])
    assert [len(p) for p in pieces] == [3000, 3000, 1000]


# -- fit_lines ------------------------------------------------------------------------------------


def test_fit_lines_stops_at_the_last_piece_and_counts_the_lines_shown_whole() -> None:
    lines = [f"row {i:03d}" for i in range(100)]  # 7 characters each: 12 fit in 95 with breaks
    pieces, shown = fit_lines(lines, 95, max_pieces=3)
    assert len(pieces) == 3 and all(len(p) <= 95 for p in pieces)
    assert shown == 36 == sum(p.count("\n") + 1 for p in pieces)
    assert "\n".join(pieces).split("\n") == lines[:36]


def test_fit_lines_without_a_cap_is_split_lines() -> None:
    lines = ["a" * 40, "b" * 70, "c" * 250, "d"]
    assert fit_lines(lines, 100) == (split_lines(lines, 100), 4)


def test_fit_lines_reads_a_lazy_list_only_as_far_as_it_shows() -> None:
    read: list[int] = []

    def lines() -> Iterator[str]:
        for i in range(1_000_000):
            read.append(i)
            yield f"line {i}"

    pieces, shown = fit_lines(lines(), 50, max_pieces=2)
    assert len(pieces) == 2 and shown < 20 and len(read) == shown + 1


def test_a_long_line_cut_off_by_the_cap_is_not_counted_as_shown() -> None:
    pieces, shown = fit_lines(["short", "x" * 250], 100, max_pieces=2)
    assert pieces == ["short", "x" * 100] and shown == 1


def test_no_room_shows_nothing() -> None:
    assert fit_lines(["a", "b"], 10, max_pieces=0) == ([], 0)
    assert fit_lines([], 10, max_pieces=3) == ([], 0)
