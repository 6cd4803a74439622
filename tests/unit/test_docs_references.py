"""The documents in docs/ and the code that cites them stay in step.

The code points at its reasons as `docs/architecture.md#the-outbox` (or
`docs/product.md section "Roles"`); README and docs link with Markdown. Each reference must name a
document that exists and a heading in it, with anchors made the way GitHub makes them. Nothing may
cite a document the repository does not hold. And every file path or `bot.`/`handlers.`/`storage.`
name a document mentions in backticks must exist, so the map does not drift from the code.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
THIS = Path(__file__).resolve()

# docs/<name>.md#<anchor>, and docs/<name>.md section "<heading text>".
ANCHORED = re.compile(r"\bdocs/(?P<doc>[\w./-]+?\.md)#(?P<anchor>[\w-]+)")
SECTION = re.compile(r"\bdocs/(?P<doc>[\w./-]+?\.md),? section \"(?P<title>[^\"]+)\"")
BARE = re.compile(r"\bdocs/(?P<doc>[\w./-]+?\.md)(?![#\w./-]|,? section \")")
# Markdown links, in README and docs: [text](target), target relative to the linking file.
LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)\)")
# Documents that are not in the repository: the code speaks of itself only.
OUTSIDE = (
    (re.compile(r"\bDESIGN(?:\.md)?,?\s+section\b"), "a design section outside the repository"),
    (re.compile(r"\b(?:DESIGN|LANGUAGE|CONVENTIONS)\.md\b"), "a document outside the repository"),
)
HEADING = re.compile(r"^(?P<level>#{1,6})\s+(?P<text>.+?)\s*#*\s*$")
FENCE = re.compile(r"^\s*(```|~~~)")
# Backticked names in the docs that must exist: repository paths, and dotted names in pmpulse's packages.
PATH_LIKE = re.compile(
    r"^(?:bot|handlers|storage|tests|bench|docs)/[\w./-]*$|^(?:manifest\.yml|pyproject\.toml)$"
)
DOTTED = re.compile(r"^(?:bot|handlers|storage)(?:\.[A-Za-z_]\w*)+$")
BACKTICKED = re.compile(r"`([^`\n]+)`")


@dataclass(frozen=True)
class Ref:
    source: str  # where the reference is, relative to the repo root
    line: int
    doc: Path  # the document it names
    anchor: str | None = None
    title: str | None = None


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())  # a link reads as its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def headings(markdown: str) -> list[str]:
    """The text of every heading outside fenced code."""
    found: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced and (match := HEADING.match(line)):
            found.append(match["text"])
    return found


def anchors(markdown: str) -> set[str]:
    """Every anchor of a document; a repeated heading gets -1, -2... as on GitHub."""
    seen: Counter[str] = Counter()
    result: set[str] = set()
    for text in headings(markdown):
        base = slug(text)
        result.add(base if seen[base] == 0 else f"{base}-{seen[base]}")
        seen[base] += 1
    return result


def references_in(text: str, *, source: str, base: Path) -> list[Ref]:
    """References to docs in `text`: `docs/x.md#a`, `docs/x.md section "T"`, bare `docs/x.md`, and,
    for Markdown (`base`: the file's directory), relative links."""
    refs: list[Ref] = []
    for number, line in enumerate(text.splitlines(), start=1):
        refs += [
            Ref(source, number, ROOT / "docs" / m["doc"], anchor=m["anchor"]) for m in ANCHORED.finditer(line)
        ]
        refs += [
            Ref(source, number, ROOT / "docs" / m["doc"], title=m["title"]) for m in SECTION.finditer(line)
        ]
        refs += [Ref(source, number, ROOT / "docs" / m["doc"]) for m in BARE.finditer(line)]
        if source.endswith(".md"):
            for m in LINK.finditer(line):
                target = m["target"]
                if re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue  # https:, mailto:
                path, _, anchor = target.partition("#")
                doc = (base / path).resolve() if path else base / Path(source).name
                if doc.suffix == ".md":
                    refs.append(Ref(source, number, doc, anchor=anchor or None))
                elif anchor == "":
                    refs.append(Ref(source, number, doc))
    return refs


def outside_citations(text: str) -> list[tuple[int, str, str]]:
    """(line, what, why) for each citation of a document the repository does not hold."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern, why in OUTSIDE:
            found += [(number, m.group(0), why) for m in pattern.finditer(line)]
    return found


def problem(ref: Ref) -> str | None:
    """What is wrong with `ref`, or None."""
    if not ref.doc.is_file() and not ref.doc.is_dir():
        return f"{ref.doc.relative_to(ROOT) if ref.doc.is_relative_to(ROOT) else ref.doc} does not exist"
    if ref.anchor is None and ref.title is None:
        return None
    markdown = ref.doc.read_text(encoding="utf-8")
    if ref.anchor is not None and ref.anchor not in anchors(markdown):
        return f"{ref.doc.name} has no heading with anchor #{ref.anchor}"
    if ref.title is not None and ref.title not in headings(markdown):
        return f'{ref.doc.name} has no heading "{ref.title}"'
    return None


def sources() -> list[Path]:
    files = [
        ROOT / "README.md",
        ROOT / "manifest.yml",
        ROOT / "pyproject.toml",
        *sorted(DOCS.glob("**/*.md")),
    ]
    for package in ("bot", "handlers", "storage", "tests", "bench"):
        files += sorted((ROOT / package).rglob("*.py"))
    # This file holds broken references on purpose, to show its scanners work.
    return [f for f in files if f.is_file() and f.resolve() != THIS]


def all_references() -> list[Ref]:
    refs: list[Ref] = []
    for path in sources():
        refs += references_in(
            path.read_text(encoding="utf-8"), source=path.relative_to(ROOT).as_posix(), base=path.parent
        )
    return refs


@functools.cache
def references() -> list[Ref]:
    """Read by the test process that runs a test using them, not at every collection."""
    return all_references()


def test_every_reference_to_the_docs_names_a_heading_that_exists() -> None:
    broken = [f"  {r.source}:{r.line}: {why}" for r in references() if (why := problem(r))]
    assert not broken, "references to docs that point nowhere:\n" + "\n".join(broken)


def test_the_code_cites_the_docs() -> None:
    """If the pattern stopped matching, the test above would pass on nothing."""
    from_code = {(r.doc.name, r.anchor) for r in references() if r.source.endswith(".py") and r.anchor}
    assert ("architecture.md", "layers-and-import-rules") in from_code
    assert ("product.md", "roles") in from_code
    assert len(from_code) >= 6
    assert any(r.source == "README.md" and r.doc == DOCS / "architecture.md" for r in references())


def test_nothing_cites_a_document_outside_the_repository() -> None:
    found = [
        f"  {path.relative_to(ROOT)}:{line}: {what!r} cites {why}"
        for path in sources()
        for line, what, why in outside_citations(path.read_text(encoding="utf-8"))
    ]
    assert not found, "cite a heading of docs/architecture.md or docs/product.md instead:\n" + "\n".join(
        found
    )


def named_in(markdown: str) -> set[str]:
    """Backticked repository paths and dotted pmpulse names in a document, templates (<feature>) left out."""
    names = set()
    for token in BACKTICKED.findall(markdown):
        token = token.strip()
        if any(c in token for c in "<…*") or "NNNN" in token:
            continue
        if PATH_LIKE.match(token) or DOTTED.match(token):
            names.add(token)
    return names


def exists(name: str) -> bool:
    if PATH_LIKE.match(name):
        return (ROOT / name).exists()
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            target: object = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            if not hasattr(target, attribute):
                return False
            target = getattr(target, attribute)
        return True
    return False


@pytest.mark.parametrize("doc", sorted(DOCS.glob("*.md")), ids=lambda p: p.name)
def test_every_file_and_name_a_document_mentions_exists(doc: Path) -> None:
    names = named_in(doc.read_text(encoding="utf-8"))
    assert names, f"{doc.name} names no file: the scanner is reading nothing"
    missing = sorted(n for n in names if not exists(n))
    assert not missing, f"{doc.name} names what the repository does not have: {missing}"


def test_the_scanners_read_what_they_look_for(tmp_path: Path) -> None:
    text = (
        '# see docs/architecture.md#the-outbox and docs/product.md section "Roles".\n'
        "# (docs/architecture.md#no-such-heading), docs/nowhere.md\n"
        "# DESIGN section 4, DESIGN.md section 2; LANGUAGE.md rule 2\n"
    )
    refs = references_in(text, source="bot/probe.py", base=ROOT / "bot")
    assert [(r.line, r.doc.name, r.anchor, r.title) for r in refs] == [
        (1, "architecture.md", "the-outbox", None),
        (1, "product.md", None, "Roles"),
        (2, "architecture.md", "no-such-heading", None),
        (2, "nowhere.md", None, None),
    ]
    assert [problem(r) is None for r in refs] == [True, True, False, False]
    assert [what for _, what, _ in outside_citations(text)] == [
        "DESIGN section",
        "DESIGN.md section",
        "DESIGN.md",
        "LANGUAGE.md",
    ]

    markdown = (
        "# A `code` title: yes!\n```\n# not a heading\n```\n"
        "## Twice\n## Twice\n[x](#twice-1) [y](other.md#top)\n"
    )
    assert anchors(markdown) == {"a-code-title-yes", "twice", "twice-1"}
    links = references_in(markdown, source="docs/probe.md", base=DOCS)
    assert [(r.doc, r.anchor) for r in links] == [(DOCS / "probe.md", "twice-1"), (DOCS / "other.md", "top")]

    assert named_in("`bot/edge.py`, `handlers.errors.guarded`, `storage/<feature>.py`, `ack()`") == {
        "bot/edge.py",
        "handlers.errors.guarded",
    }
    assert exists("handlers.errors.guarded") and exists("bot/edge.py")
    assert not exists("handlers.errors.no_such_function") and not exists("bot/no_such_file.py")
