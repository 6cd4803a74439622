"""The shared Block Kit builders, and the one style: every builder in bot/ui uses slack_sdk models."""

from __future__ import annotations

import ast
from pathlib import Path

from slack_sdk.models.blocks import ButtonElement, ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.ui.blocks import button, context, divider, header, section, to_dicts

UI = Path(__file__).resolve().parents[2] / "bot" / "ui"


def test_builders_make_what_the_models_make() -> None:
    assert section("*hi*").to_dict() == SectionBlock(text=MarkdownTextObject(text="*hi*")).to_dict()
    assert context("note").to_dict() == ContextBlock(elements=[MarkdownTextObject(text="note")]).to_dict()
    assert header("Title").to_dict() == HeaderBlock(text="Title").to_dict()
    assert divider().to_dict() == {"type": "divider"}
    assert (
        button("a", "Go", value="v", style="primary").to_dict()
        == ButtonElement(action_id="a", text="Go", value="v", style="primary").to_dict()
    )
    with_button = section("x", accessory=button("a", "Go")).to_dict()
    assert with_button["accessory"]["action_id"] == "a"
    assert to_dicts([divider(), section("y")]) == [{"type": "divider"}, section("y").to_dict()]


def test_a_header_is_cut_to_slacks_limit_without_splitting_a_glyph() -> None:
    text = "x" * 149 + "👍🏽" + "tail"
    block = header(text).to_dict()  # a HeaderBlock over 150 characters would raise here
    assert block["text"]["text"] == "x" * 149
    assert "emoji" not in header("Digest", emoji=None).to_dict()["text"]


def _raw_blocks(path: Path) -> list[int]:
    """Lines holding a dict literal with a "type" key: a block or element built by hand."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Dict)
        and any(isinstance(k, ast.Constant) and k.value == "type" for k in node.keys)
    ]


def test_no_builder_in_bot_ui_writes_block_kit_by_hand() -> None:
    found = {path.name: lines for path in sorted(UI.glob("*.py")) if (lines := _raw_blocks(path))}
    assert found == {}
