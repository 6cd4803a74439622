"""Message catalogs (docs/architecture.md#languages): complete in English and Simplified Chinese,
every key the code asks for exists, no user-facing literal bypasses the catalogs, and locales
resolve as Slack users expect. The code is read with `ast`, not regular expressions.
"""

from __future__ import annotations

import ast
import functools
import re
import string
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.domain.goals import Direction
from bot.domain.roster import Role
from bot.i18n import DEFAULT_LOCALE, LOCALES, resolve_locale, t
from bot.i18n.catalog import MESSAGES
from bot.services.workspaces import DAYS, EDITABLE

ROOT = Path(__file__).resolve().parents[2]
KEYS = sorted(MESSAGES)

# A catalog key: lowercase words joined by dots, e.g. "team.error.not_allowed".
KEY_SHAPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
NAMESPACES = frozenset(key.split(".", 1)[0] for key in MESSAGES)
EMOJI = re.compile(r":[a-z0-9_+-]+:")
BACKTICKED = re.compile(r"`([^`]*)`")
# A word of a command as typed (`/pm`, `team`, `pm|manager`); `@user` and `[PRODUCT]` are
# placeholders that translations may localise.
COMMAND_WORD = re.compile(r"/?[a-z0-9][a-z0-9|_-]*")
LETTER = re.compile(r"[^\W\d_]")

# Slack's limit for a modal's title, submit and close texts.
MODAL_TEXT_MAX = 24

# Keys built with f-strings in the code, and every value their placeholder takes.
ROLES = tuple(r.value for r in Role)
DIRECTIONS = tuple(d.value for d in Direction)
FSTRING_KEYS: dict[str, tuple[str, ...]] = {
    "role.{}": ROLES,
    "team.group.{}": ROLES,
    "goal.direction.{}": DIRECTIONS,
    "settings.field.{}": tuple(EDITABLE),
    "settings.day.{}": DAYS,
    "settings.locale.{}": tuple(code.lower().replace("-", "_") for code in LOCALES),
    "settings.error.{}": tuple(sorted(set(EDITABLE.values()))),
}


def placeholders(template: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}


# -- the catalogs ---------------------------------------------------------------------------------


def test_locales() -> None:
    assert LOCALES == ("en", "zh-CN")
    assert DEFAULT_LOCALE in LOCALES


@pytest.mark.parametrize("key", KEYS)
def test_every_key_in_both_languages(key: str) -> None:
    entry = MESSAGES[key]
    assert set(entry) == set(LOCALES), f"{key}: languages {sorted(entry)}"
    for locale in LOCALES:
        assert entry[locale].strip(), f"{key}: empty in {locale}"
    assert KEY_SHAPE.fullmatch(key), f"{key}: not a lowercase dotted key"


@pytest.mark.parametrize("key", KEYS)
def test_placeholders_match_and_render(key: str) -> None:
    entry = MESSAGES[key]
    fields = {locale: placeholders(entry[locale]) for locale in LOCALES}
    assert fields["en"] == fields["zh-CN"], f"{key}: placeholders differ: {fields}"
    for locale in LOCALES:
        assert all(f.isidentifier() for f in fields[locale]), f"{key} ({locale}): {fields[locale]}"
        # Renders through t() with every parameter given, as the code calls it.
        assert t(locale, key, **dict.fromkeys(fields[locale], "X")).strip()


@pytest.mark.parametrize("key", KEYS)
def test_mrkdwn_kept_in_both_languages(key: str) -> None:
    """Backticked commands, emoji and bold markers survive translation."""
    en, zh = MESSAGES[key]["en"], MESSAGES[key]["zh-CN"]
    for locale, text in (("en", en), ("zh-CN", zh)):
        assert text.count("`") % 2 == 0, f"{key} ({locale}): unbalanced backticks"
        assert "｀" not in text, f"{key} ({locale}): full-width backtick"

    def commands(text: str) -> Counter[tuple[str, ...]]:
        return Counter(
            tuple(w for w in span.split() if COMMAND_WORD.fullmatch(w)) for span in BACKTICKED.findall(text)
        )

    assert commands(en) == commands(zh), f"{key}: backticked commands differ:\n{en}\n{zh}"
    assert Counter(EMOJI.findall(en)) == Counter(EMOJI.findall(zh)), f"{key}: emoji differ"
    assert en.count("*") == zh.count("*"), f"{key}: bold markers differ"


def test_modal_texts_fit_slacks_limit() -> None:
    keys = [k for k in KEYS if k.endswith((".modal.title", ".modal.submit", ".modal.close"))]
    keys.append("help.title")
    assert len(keys) > 1
    too_long = [
        (key, locale, MESSAGES[key][locale])
        for key in keys
        for locale in LOCALES
        if len(MESSAGES[key][locale]) > MODAL_TEXT_MAX
    ]
    assert not too_long, f"longer than Slack's {MODAL_TEXT_MAX} characters: {too_long}"


# -- locale resolution ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("member", "team", "expected"),
    [
        ("zh-CN", "en", "zh-CN"),
        ("zh-TW", "en", "zh-CN"),  # closer than English for a Traditional Chinese reader
        ("zh_CN", "en", "zh-CN"),
        ("en-US", "zh-CN", "en"),
        ("en-GB", "zh-CN", "en"),
        ("ja-JP", "zh-CN", "zh-CN"),  # a language we do not speak: the team default
        ("ja-JP", "en", "en"),
        ("ja-JP", None, "en"),
        (None, "zh-CN", "zh-CN"),
        ("", "zh-CN", "zh-CN"),
        (None, "en", "en"),
        (None, None, "en"),
        (None, "ja-JP", "en"),
    ],
)
def test_resolve_locale(member: str | None, team: str | None, expected: str) -> None:
    assert resolve_locale(member, team) == expected


# -- the code -------------------------------------------------------------------------------------


def python_files(*packages: str) -> Iterator[Path]:
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            rel = path.relative_to(ROOT).parts
            if rel[:2] == ("bot", "fakeslack") or rel[:3] == ("bot", "i18n", "catalog"):
                continue
            yield path


@dataclass(frozen=True)
class Found:
    where: str  # path:line
    value: str  # a literal key, or an f-string key as a template like "role.{}"
    fstring: bool = False


# Calls that take a catalog key, and the position of the key among their arguments.
KEY_ARGUMENT = {
    "t": 1,
    "say_key": 0,
    "ServiceError": 0,
    "PermissionDenied": 0,
    "NotFound": 0,
    "FieldError": 1,
}


def call_name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return ""


def key_literals(node: ast.expr) -> Iterator[tuple[str, bool]]:
    """The literal keys an expression can evaluate to: "a.b", `x if c else y`, f"role.{r}"."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value, False
    elif isinstance(node, ast.IfExp):
        yield from key_literals(node.body)
        yield from key_literals(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from key_literals(value)
    elif isinstance(node, ast.JoinedStr):
        template = "".join(
            str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
        yield template, True


def keys_in(source: str, where: str) -> Iterator[Found]:
    """Keys at the places the code hands one to the catalog."""
    for node in ast.walk(ast.parse(source)):
        expressions: list[ast.expr] = []
        if isinstance(node, ast.Call):
            position = KEY_ARGUMENT.get(call_name(node))
            if position is not None and len(node.args) > position:
                expressions.append(node.args[position])
            expressions += [kw.value for kw in node.keywords if kw.arg == "key"]
        elif isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(x, ast.Name) and (x.id == "key" or x.id.endswith("_key")) for x in targets):
                expressions.append(node.value)
        for expression in expressions:
            for value, fstring in key_literals(expression):
                yield Found(f"{where}:{expression.lineno}", value, fstring)


def key_shaped_constants(source: str, where: str) -> Iterator[Found]:
    """Any string that looks like a key of a catalog namespace (help lines, labels passed on)."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and KEY_SHAPE.fullmatch(node.value)
            and node.value.split(".", 1)[0] in NAMESPACES
        ):
            yield Found(f"{where}:{node.lineno}", node.value)


def scan(scanner: Callable[[str, str], Iterator[Found]], *packages: str) -> list[Found]:
    found: list[Found] = []
    for path in python_files(*packages):
        found.extend(scanner(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()))
    return found


@functools.cache
def key_uses() -> list[Found]:
    """Scanned by the test process that runs a test using them, not at every collection."""
    return scan(keys_in, "bot", "handlers")


def test_keys_handed_to_the_catalog_exist() -> None:
    literal = [f for f in key_uses() if not f.fstring]
    assert len(literal) > 20, "the scan found too few keys; has t() or say_key() been renamed?"
    missing = sorted(f"{f.where}: {f.value!r}" for f in literal if f.value not in MESSAGES)
    assert not missing, "keys used in the code but missing from the catalogs:\n" + "\n".join(missing)


def test_key_shaped_strings_in_the_code_exist() -> None:
    found = scan(key_shaped_constants, "bot", "handlers")
    assert len(found) > 20
    missing = sorted(f"{f.where}: {f.value!r}" for f in found if f.value not in MESSAGES)
    assert not missing, "key-like strings missing from the catalogs:\n" + "\n".join(missing)


def test_keys_built_with_fstrings_exist_for_every_value() -> None:
    templates = {f.value: f.where for f in key_uses() if f.fstring}
    unknown = {value: where for value, where in templates.items() if value not in FSTRING_KEYS}
    assert not unknown, (
        f"f-string keys this test does not know how to expand; add them to FSTRING_KEYS: {unknown}"
    )
    missing = [
        template.format(value)
        for template, values in FSTRING_KEYS.items()
        for value in values
        if template.format(value) not in MESSAGES
    ]
    assert not missing, f"missing expansions: {missing}"
    assert ROLES == ("pm", "manager", "admin") and DIRECTIONS == ("up", "down")


def test_the_key_scanner_reads_each_call_form() -> None:
    source = (
        "t(locale, 'a.one')\n"
        "call.say_key('a.two' if created else 'a.three', user=u)\n"
        "raise PermissionDenied('a.four')\n"
        "FieldError('title', 'a.five')\n"
        "FieldError(field='title', key='a.six')\n"
        "key = 'a.seven' if up else 'a.eight'\n"
        "t(locale, f'role.{role}')\n"
        "log.info('not.a_key %s', x)\n"
    )
    found = {(f.value, f.fstring) for f in keys_in(source, "probe.py")}
    literal = {value for value, fstring in found if not fstring}
    assert literal == {"a.one", "a.two", "a.three", "a.four", "a.five", "a.six", "a.seven", "a.eight"}
    assert ("role.{}", True) in found


# -- no user-facing literal outside the catalogs --------------------------------------------------

# Keyword arguments whose value Slack shows to a person (Block Kit, chat.*, respond, ack).
TEXT_KEYWORDS = frozenset({"text", "title", "submit", "close", "label", "placeholder", "hint", "alt_text"})
# Calls whose first positional argument is a message.
MESSAGE_CALLS = frozenset({"respond", "reply", "say", "ack"})


def literal_words(node: ast.expr) -> Iterator[str]:
    """Literal text with letters in an expression; f-strings that only glue values are fine, and so
    is a catalog key handed on to a builder that looks it up (`placeholder="goal.field.unit"`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if LETTER.search(EMOJI.sub("", node.value)) and not KEY_SHAPE.fullmatch(node.value):
            yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant):
                yield from literal_words(part)
    elif isinstance(node, ast.BinOp):
        yield from literal_words(node.left)
        yield from literal_words(node.right)
    elif isinstance(node, ast.IfExp):
        yield from literal_words(node.body)
        yield from literal_words(node.orelse)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from literal_words(value)


def user_facing_literals(source: str, where: str) -> Iterator[Found]:
    for node in ast.walk(ast.parse(source)):
        shown: list[ast.expr] = []
        if isinstance(node, ast.Call):
            shown += [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
            if call_name(node) in MESSAGE_CALLS and node.args:
                shown.append(node.args[0])
            for kw in node.keywords:
                if kw.arg == "errors" and isinstance(kw.value, ast.Dict):
                    shown += kw.value.values
        elif isinstance(node, ast.Dict):
            # Raw Block Kit and message dicts: {"type": "plain_text", "text": "..."}.
            shown += [
                value
                for k, value in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value in TEXT_KEYWORDS
            ]
        for expression in shown:
            for text in literal_words(expression):
                yield Found(f"{where}:{expression.lineno}", text)


def test_no_user_facing_literal_outside_the_catalogs() -> None:
    found = scan(user_facing_literals, "handlers", "bot/ui")
    report = "\n".join(f"{f.where}: {f.value!r}" for f in found)
    assert not found, f"user-facing text must come from bot.i18n.catalog:\n{report}"


def test_the_literal_scanner_catches_each_form() -> None:
    source = (
        "respond(text='Saved!')\n"
        "client.chat_postMessage(channel=c, text=f'Hello {name}')\n"
        "call.reply('Done')\n"
        "ack(response_action='errors', errors={'b': 'Required'})\n"
        "HeaderBlock(text='Your goals')\n"
        "View(type='modal', title='New goal', submit=t(locale, 'x.y'))\n"
        "blocks.append({'type': 'plain_text', 'text': 'Cancel'})\n"
        # Fine: catalog text, glue around catalog text, emoji only, IDs and styles.
        "SectionBlock(text=MarkdownTextObject(text=f'*{t(locale, k)}* ({n})'))\n"
        "ContextBlock(elements=[MarkdownTextObject(text=':lock: ' + t(locale, k))])\n"
        "ButtonElement(action_id='home_help', text=t(locale, 'home.help'), style='primary')\n"
        "respond(response_type='ephemeral', text=message)\n"
        "_text_input(locale, block, 'goal.field.unit', placeholder='goal.field.unit_placeholder')\n"
    )
    found = sorted(f.value for f in user_facing_literals(source, "probe.py"))
    assert found == sorted(["Saved!", "Hello ", "Done", "Required", "Your goals", "New goal", "Cancel"])
