"""Plain-text rendering of Slack messages and views, for people reading a terminal.

`pmpulse demo` prints what each channel and DM received this way: mentions become
@names, mrkdwn escapes are undone, buttons show as [labels].
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|([^>]*))?>")


def render_text(text: str, names: Mapping[str, str]) -> str:
    """mrkdwn as a person would read it in Slack."""
    text = _MENTION.sub(lambda m: "@" + names.get(m.group(1), m.group(1)), text)
    text = _CHANNEL.sub(lambda m: "#" + (m.group(2) or names.get(m.group(1), m.group(1))), text)
    text = _LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) else m.group(1), text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _text_of(obj: Any, names: Mapping[str, str]) -> str:
    if isinstance(obj, dict):
        return render_text(str(obj.get("text", "")), names)
    return ""


def _element(element: dict[str, Any], names: Mapping[str, str]) -> str:
    kind = element.get("type")
    if kind == "button":
        return f"[{_text_of(element.get('text'), names)}]"
    if kind in ("mrkdwn", "plain_text"):
        return _text_of(element, names)
    if kind == "image":
        return f"(image: {element.get('alt_text', '')})"
    label = _text_of(element.get("placeholder"), names)
    return f"[{label or kind}]"


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
        elif kind == "context" or kind == "actions":
            lines.append("  " + " ".join(_element(e, names) for e in block.get("elements", [])))
        elif kind == "divider":
            lines.append("  ---")
        elif kind == "input":
            label = _text_of(block.get("label"), names)
            lines.append(f"  {label}: {_element(block.get('element', {}), names)}")
        elif kind == "image":
            lines.append(f"  (image: {block.get('alt_text', '')})")
        else:
            lines.append(f"  ({kind})")
    return lines


def render_message(message: dict[str, Any], names: Mapping[str, str]) -> list[str]:
    """A message's blocks, or its text when it has none."""
    blocks = message.get("blocks") or []
    if blocks:
        return render_blocks(blocks, names)
    return render_text(str(message.get("text", "")), names).splitlines()
