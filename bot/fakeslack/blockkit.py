"""Block Kit validation with Slack's limits and error style.

Slack rejects a whole message or view when any block breaks a limit, and the app
only finds out at runtime.  These pure functions apply the same documented limits
so tests fail the way production would.  Each returns a list of error strings in
Slack's format (``"<reason> [json-pointer:/blocks/0/text/text]"``); an empty list
means the payload is valid.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["validate_blocks", "validate_message_blocks", "validate_view"]

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100

BLOCK_TYPES = frozenset(
    {"section", "divider", "header", "context", "actions", "input", "image", "rich_text", "file"}
)
TEXT_TYPES = ("plain_text", "mrkdwn")
SELECT_TYPES = frozenset(
    {
        "static_select",
        "external_select",
        "users_select",
        "conversations_select",
        "channels_select",
        "multi_static_select",
        "multi_external_select",
        "multi_users_select",
        "multi_conversations_select",
        "multi_channels_select",
    }
)
INPUT_ELEMENT_TYPES = frozenset(
    {
        "plain_text_input",
        "number_input",
        "email_text_input",
        "url_text_input",
        "rich_text_input",
        "datepicker",
        "timepicker",
        "datetimepicker",
        "checkboxes",
        "radio_buttons",
        "file_input",
    }
)
INTERACTIVE_TYPES = frozenset({"button", "overflow"}) | SELECT_TYPES | INPUT_ELEMENT_TYPES
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class _Ctx:
    """Accumulates errors, the block ids unique within a surface and action ids unique within a block."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def err(self, reason: str, ptr: str) -> None:
        self.errors.append(f"{reason} [json-pointer:{ptr}]")

    def max_len(self, obj: dict[str, Any], key: str, limit: int, ptr: str) -> None:
        value = obj.get(key)
        if value is None:
            return
        if not isinstance(value, str):
            self.err("must be a string", f"{ptr}/{key}")
        elif len(value) > limit:
            self.err(f"must be less than {limit + 1} characters", f"{ptr}/{key}")

    def unique_id(self, obj: dict[str, Any], key: str, seen: set[str], ptr: str) -> None:
        value = obj.get(key)
        if value is None:
            return
        self.max_len(obj, key, 255, ptr)
        if isinstance(value, str):
            if value in seen:
                self.err(f"duplicate {key}", f"{ptr}/{key}")
            seen.add(value)


def _text(
    ctx: _Ctx,
    obj: Any,
    ptr: str,
    *,
    limit: int,
    plain_only: bool = False,
    required: bool = True,
) -> None:
    """Check a composition text object; ``plain_only`` where Slack insists on plain_text."""
    if obj is None:
        if required:
            ctx.err("must provide an object", ptr)
        return
    if not isinstance(obj, dict):
        ctx.err("must provide an object", ptr)
        return
    allowed = ("plain_text",) if plain_only else TEXT_TYPES
    if obj.get("type") not in allowed:
        ctx.err("must be a valid enum value", f"{ptr}/type")
    text = obj.get("text")
    if not isinstance(text, str):
        ctx.err("must provide a string", f"{ptr}/text")
    elif not text:
        ctx.err("must be more than 0 characters", f"{ptr}/text")
    elif len(text) > limit:
        ctx.err(f"must be less than {limit + 1} characters", f"{ptr}/text")


def _list(
    ctx: _Ctx, obj: dict[str, Any], key: str, ptr: str, *, max_items: int, required: bool = True
) -> list[Any]:
    value = obj.get(key)
    if value is None:
        if required:
            ctx.err("must provide an array", f"{ptr}/{key}")
        return []
    if not isinstance(value, list):
        ctx.err("must provide an array", f"{ptr}/{key}")
        return []
    if required and not value:
        ctx.err("must provide at least 1 item", f"{ptr}/{key}")
    if len(value) > max_items:
        ctx.err(f"no more than {max_items} items allowed", f"{ptr}/{key}")
    return value


def _options(ctx: _Ctx, options: list[Any], ptr: str, *, plain_only: bool) -> None:
    for i, opt in enumerate(options):
        p = f"{ptr}/{i}"
        if not isinstance(opt, dict):
            ctx.err("must provide an object", p)
            continue
        _text(ctx, opt.get("text"), f"{p}/text", limit=75, plain_only=plain_only)
        if not isinstance(opt.get("value"), str):
            ctx.err("must provide a string", f"{p}/value")
        ctx.max_len(opt, "value", 150, p)
        if "description" in opt:
            _text(ctx, opt["description"], f"{p}/description", limit=75, plain_only=plain_only)


def _element(ctx: _Ctx, el: Any, ptr: str) -> None:
    """Check an interactive element (or context image) wherever it appears."""
    if not isinstance(el, dict):
        ctx.err("must provide an object", ptr)
        return
    etype = el.get("type")
    if etype == "image":
        _image_fields(ctx, el, ptr)
        return
    if etype not in INTERACTIVE_TYPES:
        ctx.err("failed to match all allowed schemas", ptr)
        return
    ctx.unique_id(el, "action_id", ctx.action_ids, ptr)
    if "placeholder" in el:
        _text(ctx, el["placeholder"], f"{ptr}/placeholder", limit=150, plain_only=True)
    if etype == "button":
        _text(ctx, el.get("text"), f"{ptr}/text", limit=75, plain_only=True)
        ctx.max_len(el, "value", 2000, ptr)
        ctx.max_len(el, "url", 3000, ptr)
        if el.get("style") not in (None, "primary", "danger"):
            ctx.err("must be a valid enum value", f"{ptr}/style")
    elif etype in SELECT_TYPES and "static" in etype:
        if "option_groups" in el:
            groups = _list(ctx, el, "option_groups", ptr, max_items=100)
            for g, group in enumerate(groups):
                gp = f"{ptr}/option_groups/{g}"
                if isinstance(group, dict):
                    _text(ctx, group.get("label"), f"{gp}/label", limit=75, plain_only=True)
                    opts = _list(ctx, group, "options", gp, max_items=100)
                    _options(ctx, opts, f"{gp}/options", plain_only=True)
        else:
            opts = _list(ctx, el, "options", ptr, max_items=100)
            _options(ctx, opts, f"{ptr}/options", plain_only=True)
    elif etype == "overflow":
        opts = _list(ctx, el, "options", ptr, max_items=5)
        _options(ctx, opts, f"{ptr}/options", plain_only=True)
    elif etype in ("checkboxes", "radio_buttons"):
        opts = _list(ctx, el, "options", ptr, max_items=10)
        _options(ctx, opts, f"{ptr}/options", plain_only=False)
    elif etype == "plain_text_input":
        for key in ("max_length", "min_length"):
            value = el.get(key)
            if value is not None and (not isinstance(value, int) or not 0 <= value <= 3000):
                ctx.err("must be an integer between 0 and 3000", f"{ptr}/{key}")
        ctx.max_len(el, "initial_value", 3000, ptr)
    elif etype == "number_input":
        if not isinstance(el.get("is_decimal_allowed"), bool):
            ctx.err("must provide a boolean", f"{ptr}/is_decimal_allowed")
    elif etype == "datepicker":
        initial = el.get("initial_date")
        if initial is not None and not (isinstance(initial, str) and _DATE_RE.match(initial)):
            ctx.err("must match the format YYYY-MM-DD", f"{ptr}/initial_date")


def _image_fields(ctx: _Ctx, obj: dict[str, Any], ptr: str) -> None:
    if "image_url" not in obj and "slack_file" not in obj:
        ctx.err("must provide image_url or slack_file", ptr)
    ctx.max_len(obj, "image_url", 3000, ptr)
    if not isinstance(obj.get("alt_text"), str):
        ctx.err("must provide a string", f"{ptr}/alt_text")
    ctx.max_len(obj, "alt_text", 2000, ptr)


def _block(ctx: _Ctx, block: Any, ptr: str, *, surface: str) -> None:
    ctx.action_ids = set()  # Slack wants action_id unique within its block, not the surface
    if not isinstance(block, dict):
        ctx.err("must provide an object", ptr)
        return
    btype = block.get("type")
    if btype not in BLOCK_TYPES:
        ctx.err("failed to match all allowed schemas", ptr)
        return
    ctx.unique_id(block, "block_id", ctx.block_ids, ptr)
    if btype == "section":
        if "text" not in block and "fields" not in block:
            ctx.err("must provide text or fields", ptr)
        if "text" in block:
            _text(ctx, block["text"], f"{ptr}/text", limit=3000)
        fields = _list(ctx, block, "fields", ptr, max_items=10, required=False)
        for i, field in enumerate(fields):
            _text(ctx, field, f"{ptr}/fields/{i}", limit=2000)
        if "accessory" in block:
            _element(ctx, block["accessory"], f"{ptr}/accessory")
    elif btype == "header":
        _text(ctx, block.get("text"), f"{ptr}/text", limit=150, plain_only=True)
    elif btype == "context":
        for i, el in enumerate(_list(ctx, block, "elements", ptr, max_items=10)):
            ep = f"{ptr}/elements/{i}"
            if isinstance(el, dict) and el.get("type") == "image":
                _image_fields(ctx, el, ep)
            else:
                _text(ctx, el, ep, limit=3000)
    elif btype == "actions":
        for i, el in enumerate(_list(ctx, block, "elements", ptr, max_items=25)):
            _element(ctx, el, f"{ptr}/elements/{i}")
    elif btype == "input":
        if surface == "message":
            ctx.err("unsupported type: input", ptr)
        _text(ctx, block.get("label"), f"{ptr}/label", limit=2000, plain_only=True)
        if "hint" in block:
            _text(ctx, block["hint"], f"{ptr}/hint", limit=2000, plain_only=True)
        if "element" not in block:
            ctx.err("must provide an object", f"{ptr}/element")
        else:
            _element(ctx, block["element"], f"{ptr}/element")
    elif btype == "image":
        _image_fields(ctx, block, ptr)
        if "title" in block:
            _text(ctx, block["title"], f"{ptr}/title", limit=2000, plain_only=True)
    elif btype == "rich_text":
        _list(ctx, block, "elements", ptr, max_items=10_000)
    elif btype == "file" and block.get("source") != "remote":
        ctx.err("must be a valid enum value", f"{ptr}/source")


def validate_blocks(blocks: Any, *, surface: str, pointer: str = "/blocks") -> list[str]:
    """Validate a block list for ``surface`` ("message", "modal" or "home")."""
    ctx = _Ctx()
    _blocks_into(ctx, blocks, surface=surface, pointer=pointer)
    return ctx.errors


def _blocks_into(ctx: _Ctx, blocks: Any, *, surface: str, pointer: str) -> None:
    if not isinstance(blocks, list):
        ctx.err("must provide an array", pointer)
        return
    limit = MAX_MESSAGE_BLOCKS if surface == "message" else MAX_VIEW_BLOCKS
    if len(blocks) > limit:
        ctx.err(f"no more than {limit} items allowed", pointer)
    for i, block in enumerate(blocks):
        _block(ctx, block, f"{pointer}/{i}", surface=surface)


def validate_message_blocks(blocks: Any) -> list[str]:
    """Validate the ``blocks`` of chat.postMessage / postEphemeral / update."""
    return validate_blocks(blocks, surface="message")


def validate_view(view: Any) -> list[str]:
    """Validate a modal or home view as views.open/push/update/publish would."""
    ctx = _Ctx()
    if not isinstance(view, dict):
        ctx.err("must provide an object", "/view")
        return ctx.errors
    vtype = view.get("type")
    if vtype not in ("modal", "home"):
        ctx.err("must be a valid enum value", "/view/type")
        return ctx.errors
    if vtype == "modal":
        _text(ctx, view.get("title"), "/view/title", limit=24, plain_only=True)
        for key in ("submit", "close"):
            if key in view:
                _text(ctx, view[key], f"/view/{key}", limit=24, plain_only=True)
        blocks = view.get("blocks")
        has_input = isinstance(blocks, list) and any(
            isinstance(b, dict) and b.get("type") == "input" for b in blocks
        )
        if has_input and "submit" not in view:
            ctx.err("must provide submit when the view contains input blocks", "/view/submit")
    elif "title" in view:
        _text(ctx, view["title"], "/view/title", limit=24, plain_only=True)
    ctx.max_len(view, "callback_id", 255, "/view")
    ctx.max_len(view, "private_metadata", 3000, "/view")
    ctx.max_len(view, "external_id", 255, "/view")
    _blocks_into(ctx, view.get("blocks"), surface=vtype, pointer="/view/blocks")
    return ctx.errors
