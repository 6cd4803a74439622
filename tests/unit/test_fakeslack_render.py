"""The terminal rendering `pmpulse demo` prints: close to what Slack shows a person."""

from __future__ import annotations

import re
from pathlib import Path

from bot.fakeslack.render import EMOJI, emojize, render_blocks, render_text, render_view
from bot.i18n.catalog import MESSAGES

ROOT = Path(__file__).resolve().parents[2]
SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
NAMES = {"U1": "Li Na", "C1": "pm-weekly"}


def shortcodes_pmpulse_writes() -> set[str]:
    found = {
        code for entry in MESSAGES.values() for text in entry.values() for code in SHORTCODE.findall(text)
    }
    for package in ("bot/ui", "handlers"):
        for path in (ROOT / package).rglob("*.py"):
            found |= set(SHORTCODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_shortcode_pmpulse_writes_has_its_character() -> None:
    used = shortcodes_pmpulse_writes()
    assert {"wave", "large_orange_circle", "hourglass"} <= used  # the scan sees the catalogs
    assert sorted(used - set(EMOJI)) == []


def test_the_map_holds_only_what_pmpulse_writes() -> None:
    assert sorted(set(EMOJI) - shortcodes_pmpulse_writes()) == []


def test_emojize_draws_known_shortcodes_and_leaves_others() -> None:
    assert emojize(":wave: Hi :red_circle::large_green_circle:") == "👋 Hi 🔴🟢"
    assert emojize("at 10:30:00 :not_an_emoji:") == "at 10:30:00 :not_an_emoji:"


def test_mrkdwn_reads_as_slack_shows_it() -> None:
    text = "*Health* _(open since W48)_ <@U1> in <#C1> &lt;!channel&gt; <!here> 2*3*4 snake_case_name"
    assert (
        render_text(text, NAMES)
        == "Health (open since W48) @Li Na in #pm-weekly <!channel> @here 2*3*4 snake_case_name"
    )
    # Plain text keeps its asterisks: Slack shows them as typed.
    assert render_blocks([{"type": "header", "text": {"type": "plain_text", "text": "*a*"}}], NAMES) == [
        "== *a* =="
    ]


def test_a_modal_is_a_framed_form_with_labelled_fields_and_buttons() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Weekly update"},
        "submit": {"type": "plain_text", "text": "Submit"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": "For *2026-W49*"}]},
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Progress"},
                "optional": True,
                "element": {
                    "type": "plain_text_input",
                    "placeholder": {"type": "plain_text", "text": "What shipped"},
                },
                "hint": {"type": "plain_text", "text": "One line is fine."},
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Health"},
                "element": {
                    "type": "static_select",
                    "initial_option": {"text": {"type": "plain_text", "text": ":large_green_circle: Green"}},
                },
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "KPI"},
                "element": {"type": "plain_text_input", "initial_value": "126"},
            },
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Due"},
                "element": {"type": "datepicker", "initial_date": "2027-03-31"},
            },
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "Notes"},
                "accessory": {"type": "overflow"},
            },
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Write update"}}],
            },
        ],
    }
    assert render_view(view, NAMES) == [
        "┌── Weekly update ────────────────────",
        "│   For 2026-W49",
        "│ Progress (optional)",
        "│   [ What shipped… ]",
        "│   One line is fine.",
        "│ Health",
        "│   [ 🟢 Green ▾ ]",
        "│ KPI",
        "│   [ 126 ]",
        "│ Due",
        "│   [ 📅 2027-03-31 ]",
        "│ Notes",
        "│   [ ⋯ ]",
        "│ [ Write update ]",
        "│",
        "│ [ Cancel ]  [ Submit ]",
        "└────────────────────────",
    ]


def test_app_home_is_titled_as_slack_titles_the_tab() -> None:
    home = render_view({"type": "home", "blocks": [{"type": "divider"}]}, NAMES)
    assert home[0].startswith("┌── App Home ") and home[1] == "│ ──────────" and len(home) == 3
