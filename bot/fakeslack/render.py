"""Plain-text rendering of Slack messages and views, for people reading a terminal.

`pmpulse demo` prints what each person received this way, close to what Slack would show:
mentions become @names, mrkdwn escapes are undone and its bold/italic markers dropped, emoji
shortcodes become the characters Slack draws, buttons show as `[ Label ]`, inputs as labelled
fields, and a modal or App Home as a framed panel.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# The shortcodes pmpulse writes, as Slack draws them. Kept to what the catalogs use (a test
# checks every one is here); an unknown shortcode is printed as it was written.
EMOJI: Mapping[str, str] = {
    "alarm_clock": "⏰",
    "calendar": "📆",
    "construction": "🚧",
    "dart": "🎯",
    "fast_forward": "⏩",
    "hourglass": "⌛",
    "large_green_circle": "🟢",
    "large_orange_circle": "🟠",
    "lock": "🔒",
    "memo": "📝",
    "palm_tree": "🌴",
    "pencil2": "✏️",
    "red_circle": "🔴",
    "tada": "🎉",
    "thread": "🧵",
    "warning": "⚠️",
    "wave": "👋",
    "white_check_mark": "✅",
}

_SHORTCODE = re.compile(r":([a-z0-9_+-]+):")
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(channel|here|everyone)>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")
# Slack formats *bold* and _italic_ only between whitespace or punctuation; the markers vanish.
_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])")


def emojize(text: str) -> str:
    """Known shortcodes as their characters: ":wave: Hi" -> "👋 Hi"."""
    return _SHORTCODE.sub(lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def render_text(text: str, names: Mapping[str, str], *, mrkdwn: bool = True) -> str:
    """Text as a person would read it in Slack."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or names.get(m.group(1), m.group(1))), text)
    text = _SPECIAL.sub(lambda m: "@" + m.group(1), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    if mrkdwn:
        text = _BOLD.sub(r"\1", text)
        text = _ITALIC.sub(r"\1", text)
    text = emojize(text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any, names: Mapping[str, str]) -> str:
    if isinstance(obj, dict):
        return render_text(str(obj.get("text", "")), names, mrkdwn=obj.get("type") == "mrkdwn")
    return ""


def _button(label: str) -> str:
    return f"[ {label} ]"


def _element(element: dict[str, Any], names: Mapping[str, str]) -> str:
    """An interactive or context element, on one line."""
    kind = element.get("type")
    if kind == "button":
        return _button(_text_of(element.get("text"), names))
    if kind in ("mrkdwn", "plain_text"):
        return _text_of(element, names)
    if kind == "image":
        return f"(image: {element.get('alt_text', '')})"
    if kind == "overflow":
        return _button("⋯")
    if kind == "datepicker":
        return _button(f"📅 {element.get('initial_date') or _text_of(element.get('placeholder'), names)}")
    if kind in ("static_select", "external_select", "radio_buttons"):
        chosen = element.get("initial_option")
        label = _text_of(chosen.get("text"), names) if isinstance(chosen, dict) else ""
        return _button(f"{label or _text_of(element.get('placeholder'), names) or 'Choose…'} ▾")
    if kind in ("plain_text_input", "number_input", "email_text_input", "url_text_input"):
        value = str(element.get("initial_value") or "")
        if value:
            return _button(value.replace("\n", " ⏎ "))
        hint = _text_of(element.get("placeholder"), names)
        return f"[ {hint}… ]" if hint else "[ ______________ ]"
    label = _text_of(element.get("placeholder"), names)
    return _button(label or str(kind))


def render_blocks(blocks: list[dict[str, Any]], names: Mapping[str, str]) -> list[str]:
    """One or more lines per block."""
    lines: list[str] = []
    for block in blocks:
        kind = block.get("type")
        if kind == "header":
            lines.append(f"== {_text_of(block.get('text'), names)} ==")
        elif kind == "section":
            if block.get("text"):
                lines.extend(_text_of(block["text"], names).splitlines())
            for field in block.get("fields", []):
                lines.append("  " + _text_of(field, names))
            if block.get("accessory"):
                lines.append("  " + _element(block["accessory"], names))
        elif kind == "context":
            lines.append("  " + "  ".join(_element(e, names) for e in block.get("elements", [])))
        elif kind == "actions":
            lines.append("  ".join(_element(e, names) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("──────────")
        elif kind == "input":
            label = _text_of(block.get("label"), names)
            optional = " (optional)" if block.get("optional") else ""
            lines.append(f"{label}{optional}")
            lines.append("  " + _element(block.get("element", {}), names))
            if block.get("hint"):
                lines.append("  " + _text_of(block["hint"], names))
        elif kind == "image":
            lines.append(f"(image: {block.get('alt_text', '')})")
        else:
            lines.append(f"({kind})")
    return lines


def render_message(message: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    """A message's blocks, or its text when it has none."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, names)
    return render_text(str(message.get("text", "")), names).splitlines()


def render_view(view: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    """A modal or an App Home tab as a framed panel: title, blocks, then the modal's buttons."""
    title = _text_of(view.get("title"), names) or ("App Home" if view.get("type") == "home" else "")
    lines = [f"┌── {title} " + "─" * 20]
    lines += [f"│ {line}".rstrip() for line in render_blocks(view.get("blocks", []), names)]
    buttons = [_text_of(view.get(key), names) for key in ("close", "submit") if view.get(key)]
    if buttons:
        lines.append("│")
        lines.append("│ " + "  ".join(_button(b) for b in buttons))
    lines.append("└" + "─" * 24)
    return lines
