"""The continuity ledger: `continuity.md`, what is true so far in the story.

The author and the planner edit it like any story-bible file; the critic's new facts are appended
under their section, after the author's lines, which are never rewritten. Parsing is tolerant: any
heading level, case-insensitive headings, bullets or plain lines; other sections are kept as they
are but never selected. `ledger_for` picks what rides in a request about one chapter, within a
token budget: the characters its synopsis names, every open thread, the latest timeline entries,
then the places and objects it names.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from .outline import chapter_number, load_outline
from .project import Project, ProjectError
from ..core.prompts import render
from ..core.text import printable
from ..core.tokens import count_text

LEDGER_FILE = "continuity.md"
SECTIONS: dict[str, str] = {
    "characters": "Characters",
    "places": "Places",
    "objects": "Objects",
    "timeline": "Timeline",
    "threads": "Open threads",
}
_HEADING_ALIASES = {"threads": "threads", "open threads": "threads", "open thread": "threads",
                    "character": "characters", "place": "places", "object": "objects"}
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_WORD = re.compile(r"\w+")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_NAME_END = re.compile(r"\s+[—–-]\s+|[—–:(,;]|\s+-\s*")
_WRITING = threading.Lock()  # chapters reviewed in parallel add their facts one at a time
_TITLES = {"mr", "mrs", "ms", "miss", "dr", "sir", "lady", "lord", "inspector", "captain", "detective",
           "sergeant", "professor", "father", "mother", "aunt", "uncle", "the", "old", "young"}


@dataclass
class Section:
    """One heading of the ledger and its items: (index of the item's last line, item text)."""

    key: str | None  # a key of SECTIONS, or None for a section of the author's own
    heading: int  # index of the heading line
    items: list[tuple[int, str]] = field(default_factory=list)


def _section_key(title: str) -> str | None:
    plain = re.sub(r"[*_`]+", "", title).strip(" :.").lower()
    by_heading = {heading.lower(): key for key, heading in SECTIONS.items()}
    return by_heading.get(plain) or _HEADING_ALIASES.get(plain) or (plain if plain in SECTIONS else None)


def _item_text(line: str) -> str:
    return " ".join(_BULLET.sub("", line, count=1).split())


def _prose_lines(lines: list[str]) -> list[bool]:
    """For each line, whether it is outside a code fence and an HTML comment (where a `#` is text)."""
    outside, fence, comment = [], "", False
    for line in lines:
        stripped = line.strip()
        opens = _FENCE.match(line)
        outside.append(not fence and not comment and not opens and not stripped.startswith("<!--"))
        if fence and stripped.startswith(fence):
            fence = ""
        elif not fence and not comment and opens:
            fence = opens.group(1)
        elif not fence and "<!--" in stripped:
            comment = "-->" not in stripped.split("<!--", 1)[1]
        elif comment and "-->" in stripped:
            comment = False
    return outside


def parse_ledger(lines: list[str]) -> list[Section]:
    """The ledger's sections, in file order; lines before the first heading belong to none. A `#` line
    in a code fence or an HTML comment is text, not a heading."""
    sections: list[Section] = []
    for index, (line, prose) in enumerate(zip(lines, _prose_lines(lines))):
        heading = _HEADING.match(line) if prose else None
        if heading:
            sections.append(Section(_section_key(heading.group(2)), index))
        elif line.strip() and sections and prose:
            _add_line(sections[-1], index, line)
    return sections


def _add_line(section: Section, index: int, line: str) -> None:
    """A bullet or a line starts an item; an indented line under a bullet continues it."""
    if section.items and line[:1].isspace() and not _BULLET.match(line):
        last = section.items[-1][1]
        section.items[-1] = (index, f"{last} {' '.join(line.split())}")
    else:
        section.items.append((index, _item_text(line)))


def normalized(fact: str) -> str:
    """A fact as compared for duplicates: bullet, case, spacing and trailing punctuation aside."""
    return " ".join(_item_text(fact).lower().split()).rstrip(" .,;:!?…")


def _one_line(fact: str) -> str:
    return " ".join(str(fact).split())


def _new_facts(sections: list[Section], facts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The facts to add: known sections only, one line each, none already in its section or twice."""
    seen = {(s.key, normalized(text)) for s in sections if s.key for _, text in s.items}
    added = []
    for key, fact in facts:
        line = _one_line(fact)
        if key not in SECTIONS or not normalized(line) or (key, normalized(line)) in seen:
            continue
        seen.add((key, normalized(line)))
        added.append((key, line))
    return added


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _insert(lines: list[str], sections: list[Section], added: list[tuple[str, str]], newline: str) -> list[str]:
    """`lines` with each added fact as a bullet after the last line of its section (the first
    section of that name); a missing section is added at the end."""
    inserts: dict[int, list[str]] = {}
    missing: dict[str, list[str]] = {}
    for key, fact in added:
        section = next((s for s in sections if s.key == key), None)
        bullet = f"- {fact}{newline}"
        if section is None:
            missing.setdefault(key, []).append(bullet)
        else:
            after = section.items[-1][0] if section.items else section.heading
            inserts.setdefault(after, []).append(bullet)
    result = []
    for index, line in enumerate(lines):
        result.append(line if line.endswith(("\n", "\r")) else line + newline)
        result.extend(inserts.get(index, []))
    for key, bullets in missing.items():
        result.extend([newline, f"## {SECTIONS[key]}{newline}", *bullets])
    return result


def _blank_ledger() -> str:
    return render("ledger_file.md.j2", headings=list(SECTIONS.values())) + "\n"


def hold_writes(timeout: float) -> None:
    """Wait (up to `timeout` seconds) for facts being written, then keep others from starting: the
    process is about to end at a signal."""
    _WRITING.acquire(timeout=timeout)


def add_facts(project: Project, facts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Append new facts, as `- fact` bullets, under their sections of continuity.md (made with all
    five sections when absent). The author's lines stay as they are; duplicates and unknown
    sections are dropped; a continuity.md that leads outside the project, or is not UTF-8, is left
    alone. Returns the facts added."""
    with _WRITING:
        text = _ledger_to_extend(project)
        if text is None:
            return []
        lines = text.splitlines(keepends=True)
        sections = parse_ledger(lines)
        added = _new_facts(sections, [(str(key).strip().lower(), printable(fact)) for key, fact in facts])
        if not added:
            return []
        try:
            extended = fold(_insert(lines, sections, added, _newline(text)), _newline(text))
            project.write(LEDGER_FILE, "".join(extended), "overwrite")
        except ProjectError:  # a link: never written through
            return []
        return added


def _ledger_to_extend(project: Project) -> str | None:
    """The exact text of continuity.md, a blank ledger when there is none, or None when it must be
    left alone (a link that leads outside, a folder, text that is not UTF-8)."""
    if project.safe_name(LEDGER_FILE) is None:
        return None
    if not project.resolve(LEDGER_FILE).exists():
        return _blank_ledger()
    try:
        return project.read(LEDGER_FILE)[1]
    except (ProjectError, OSError):
        return None


def read_ledger(project: Project) -> dict[str, list[str]]:
    """Each section's items, by key (the first section of each name counts); {} with no ledger."""
    text = project.read_if_file(LEDGER_FILE)
    return {} if text is None else {key: list(items) for key, items in _sections(text).items()}


@lru_cache(maxsize=4)
def _sections(text: str) -> dict[str, tuple[str, ...]]:
    """A ledger's items by section, parsed once per text (a long book's ledger is read on every request)."""
    found: dict[str, tuple[str, ...]] = {}
    for section in parse_ledger(text.splitlines()):
        if section.key and section.key not in found:
            found[section.key] = tuple(item for _, item in section.items)
    return found


@lru_cache(maxsize=4096)
def item_name(item: str) -> str:
    """The name a ledger item starts with: `**Mara Quill** — ...`, `Mara: ...`, `Mara (34) ...`."""
    bold = re.match(r"^\*\*(.+?)\*\*", item) or re.match(r"^__(.+?)__", item)
    name = bold.group(1) if bold else _NAME_END.split(item, maxsplit=1)[0]
    words = re.sub(r"[*_`]+", "", name).strip(" .").split()
    return " ".join(words[:4])


def _named_in(item: str, text: str) -> bool:
    """Whether `text` names the item: its whole name, or a word of it that is not a title."""
    name = item_name(item)
    if not name:
        return False
    candidates = [name] + [w for w in name.split() if len(w) > 2 and w.lower().strip(".") not in _TITLES]
    return any(_capitalized_in(word, text) for word in candidates)


def _capitalized_in(word: str, text: str) -> bool:
    """Whether `word` is in `text` as a whole word written with a capital (any case otherwise):
    "MARA" matches "Mara", "Will" does not match "will"."""
    if _ONE_WORD.fullmatch(word):
        return word.lower() in _words(text)[1]
    if not all(part.lower() in _words(text)[0] for part in _ONE_WORD.findall(word)):
        return False  # a name of several words, one of which the text lacks
    return any(match.group(0)[:1].isupper() for match in _word_pattern(word).finditer(text))


_ONE_WORD = re.compile(r"\w+")


@lru_cache(maxsize=16)
def _words(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words of `text`, lower-cased: all of them, and those it writes at least once with a capital."""
    words = _ONE_WORD.findall(text)
    return frozenset(word.lower() for word in words), frozenset(word.lower() for word in words if word[:1].isupper())


@lru_cache(maxsize=4096)
def _word_pattern(word: str) -> re.Pattern:
    """A name as a whole word, any case (compiled once: a long ledger has hundreds of names)."""
    return re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.I)


def chapter_synopsis(project: Project, filename: str) -> str:
    """The outline's title and synopsis for the chapter in `filename`, or "" when it plans none."""
    number = chapter_number(filename)
    entry = next((e for e in load_outline(project) if e.number == number), None) if number else None
    return f"{entry.title}: {entry.synopsis}" if entry else ""


def _candidates(ledger: dict[str, list[str]], synopsis: str, nearby: str = "") -> list[tuple[str, str]]:
    """(section key, item) in the order they are picked: named characters, open threads, the
    latest timeline entries newest first, named places and objects, then the characters, places
    and objects that `nearby` (the neighbouring chapters' synopses) names."""
    named = [("characters", item) for item in ledger.get("characters", []) if _named_in(item, synopsis)]
    threads = [("threads", item) for item in ledger.get("threads", [])]
    timeline = [("timeline", item) for item in reversed(ledger.get("timeline", []))]
    things = [(key, item) for key in ("places", "objects")
              for item in ledger.get(key, []) if _named_in(item, synopsis)]
    near = [(key, item) for key in ("characters", "places", "objects")
            for item in ledger.get(key, []) if nearby and _named_in(item, nearby)]
    return named + threads + timeline + things + near


def _render(filename: str, picked: list[tuple[str, str]], ledger: dict[str, list[str]]) -> str:
    """The excerpt, sections in the ledger's order and items in the file's order."""
    chosen = set(picked)
    sections = []
    for key, heading in SECTIONS.items():
        items = [item for item in ledger.get(key, []) if (key, item) in chosen]
        if items:
            sections.append({"heading": heading, "entries": items})
    return render("ledger_excerpt.md.j2", filename=filename, sections=sections)


_SHORTEST_ITEM = 4  # tokens of the shortest line an item takes ("- x" and its newline)


def _pick(candidates: list[tuple[str, str]], room: int) -> list[tuple[str, str]]:
    """The candidates that fit in `room` tokens, in order, by the sum of their lines' counts (each
    line's count is cached, so that a ledger of hundreds of items costs little on every request)."""
    picked: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    sections: set[str] = set()
    used = 0
    for key, item in candidates:
        if room - used < _SHORTEST_ITEM:
            break  # full: the hundreds of timeline entries of a long book are not weighed one by one
        cost = count_text(f"- {item}\n") + (0 if key in sections else count_text(f"\n### {SECTIONS[key]}\n"))
        if (key, item) not in seen and used + cost <= room:
            picked.append((key, item))
            seen.add((key, item))
            sections.add(key)
            used += cost
    return picked


def ledger_for(project: Project, filename: str, budget_tokens: int = 600, nearby: str = "") -> str:
    """What of the ledger rides in a request about chapter `filename`, within `budget_tokens`
    (with what `nearby`, its neighbours' synopses, names, when there is room); "" when there is no
    ledger or nothing in it to show."""
    ledger = read_ledger(project)
    if not any(ledger.values()):
        return ""
    room = budget_tokens - count_text(_render(filename, [], ledger))
    picked = _pick(_candidates(ledger, chapter_synopsis(project, filename), nearby), room)
    while picked and count_text(_render(filename, picked, ledger)) > budget_tokens:
        picked.pop()  # the sum of the items' counts is an estimate: the whole is counted once
    return _render(filename, picked, ledger) if picked else ""


# --- keeping it bounded: `- Earlier (N items): ...` ----------------------------------------------

MAX_ITEMS = 400  # past this many items, the oldest of each long section are folded into one line
KEEP = MAX_ITEMS // 5  # items a section keeps as they are (its newest), besides its folded line
SUMMARY_CHARS = 240
_FOLDED = re.compile(r"^Earlier \((\d+) items?\): ")


def _count(item: str) -> int:
    folded = _FOLDED.match(item)
    return int(folded.group(1)) if folded else 1


def _summary(items: list[str], newline: str) -> str:
    count = sum(_count(item) for item in items)
    text = "; ".join(_FOLDED.sub("", item) for item in items)
    short = text if len(text) <= SUMMARY_CHARS else text[:SUMMARY_CHARS].rstrip() + "…"
    return f"- Earlier ({count} items): {short}{newline}"


def fold(lines: list[str], newline: str) -> list[str]:
    """`lines` of the ledger, with the oldest items of each section over KEEP folded into one line
    when the ledger holds more than MAX_ITEMS items (as they are otherwise)."""
    sections = [section for section in parse_ledger(lines) if section.key]
    if sum(len(section.items) for section in sections) <= MAX_ITEMS:
        return lines
    dropped: set[int] = set()
    summaries: dict[int, str] = {}
    for section in sections:
        extra = len(section.items) - KEEP
        if extra < 1:
            continue
        start, spans = section.heading + 1, []
        for last, text in section.items[:extra + 1]:  # extra + 1 items become one line
            spans.append((start, last, text))
            start = last + 1
        summaries[spans[0][0]] = _summary([text for _, _, text in spans], newline)
        dropped.update(index for first, last, _ in spans for index in range(first, last + 1))
    result = []
    for index, line in enumerate(lines):
        result += [summaries[index]] if index in summaries else []
        result += [] if index in dropped else [line]
    return result
