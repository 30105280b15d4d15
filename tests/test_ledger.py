"""The continuity ledger's API: add_facts keeps the author's text and drops duplicates; ledger_for
picks the named characters, the open threads and the latest timeline within its budget."""

from __future__ import annotations

from kimi_writer.book.ledger import LEDGER_FILE, SECTIONS, add_facts, ledger_for, read_ledger
from kimi_writer.book.project import Project
from kimi_writer.core.tokens import count_text

OUTLINE = """# The Salt Road — Outline

1. **Departure** — Mara leaves the harbour with the brass key. (~2,000 words)
2. **The Pass** — Tobin guides her over the mountains to Kestrel Keep. (~2,000 words)
"""

AUTHOR_LEDGER = """### CHARACTERS
* **Mara Quill** — 34, a cartographer; carries the brass key.
  Distrusts Tobin since chapter 1.
Tobin: a guide, limps.

## Notes of my own
- keep the tone dry

# open threads
1. Who sent the letter? (planted ch 1; payoff ch 9)
"""


def _project(tmp_path, ledger: str | None = None) -> Project:
    (tmp_path / "outline.md").write_text(OUTLINE, encoding="utf-8")
    if ledger is not None:
        (tmp_path / LEDGER_FILE).write_bytes(ledger.encode("utf-8"))
    return Project(tmp_path)


def test_sections_are_the_five_the_issue_names():
    assert SECTIONS == {"characters": "Characters", "places": "Places", "objects": "Objects",
                        "timeline": "Timeline", "threads": "Open threads"}


def test_add_facts_creates_the_ledger_with_all_five_sections(tmp_path):
    project = _project(tmp_path)
    added = add_facts(project, [("characters", "Mara — a cartographer."), ("timeline", "Ch 1: Mara sails."),
                                ("weather", "it rains")])
    assert added == [("characters", "Mara — a cartographer."), ("timeline", "Ch 1: Mara sails.")]
    text = (tmp_path / LEDGER_FILE).read_text(encoding="utf-8")
    assert text.startswith("# Continuity ledger\n")
    for heading in SECTIONS.values():
        assert f"\n## {heading}\n" in text
    assert "## Characters\n- Mara — a cartographer.\n" in text
    assert "## Timeline\n- Ch 1: Mara sails.\n" in text
    assert "rains" not in text


def test_author_text_kept_and_facts_go_after_their_bullets(tmp_path):
    project = _project(tmp_path, AUTHOR_LEDGER)
    added = add_facts(project, [("characters", "Ines: the harbour master."), ("threads", "The missing map")])
    assert len(added) == 2
    text = (tmp_path / LEDGER_FILE).read_text(encoding="utf-8")
    assert text.startswith(AUTHOR_LEDGER.split("\n\n## Notes")[0] + "\n- Ines: the harbour master.\n\n## Notes of my own\n")
    assert "payoff ch 9)\n- The missing map\n" in text
    assert "## Places\n- " not in text and "\n## Places" not in text  # no empty sections added


def test_a_missing_section_is_added_at_the_end(tmp_path):
    project = _project(tmp_path, AUTHOR_LEDGER)
    add_facts(project, [("places", "Kestrel Keep: a ruined fort.")])
    text = (tmp_path / LEDGER_FILE).read_text(encoding="utf-8")
    assert text == AUTHOR_LEDGER + "\n## Places\n- Kestrel Keep: a ruined fort.\n"


def test_duplicates_are_dropped(tmp_path):
    project = _project(tmp_path, AUTHOR_LEDGER)
    added = add_facts(project, [("characters", "tobin:  A GUIDE, limps"), ("threads", "who sent the letter? (planted ch 1; payoff ch 9)."),
                                ("timeline", "Ch 2: the pass"), ("timeline", "ch 2:  The pass!")])
    assert added == [("timeline", "Ch 2: the pass")]
    assert (tmp_path / LEDGER_FILE).read_text(encoding="utf-8").count("the pass") == 1


def test_crlf_ledger_keeps_its_line_endings(tmp_path):
    project = _project(tmp_path, AUTHOR_LEDGER.replace("\n", "\r\n"))
    add_facts(project, [("threads", "The missing map")])
    data = (tmp_path / LEDGER_FILE).read_bytes()
    assert b"payoff ch 9)\r\n- The missing map\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")


def test_a_linked_ledger_outside_is_never_read_or_written(tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text("## Characters\n- Secret — from outside\n", encoding="utf-8")
    book = tmp_path / "book"
    book.mkdir()
    project = _project(book)
    (book / LEDGER_FILE).symlink_to(outside)
    assert ledger_for(project, "chapter_01.md") == ""
    assert add_facts(project, [("characters", "Mara")]) == []
    assert outside.read_text(encoding="utf-8") == "## Characters\n- Secret — from outside\n"


def test_no_ledger_means_no_excerpt(tmp_path):
    assert ledger_for(_project(tmp_path), "chapter_01.md") == ""
    assert read_ledger(_project(tmp_path)) == {}


def test_excerpt_picks_named_characters_threads_and_latest_timeline(tmp_path):
    ledger = AUTHOR_LEDGER + "\n## Timeline\n" + "".join(f"- Ch {n}: event number {n}\n" for n in range(1, 6))
    ledger += "\n## Places\n- Kestrel Keep — a ruined fort\n- Harbour — grey\n"
    project = _project(tmp_path, ledger)
    first = ledger_for(project, "chapter_01.md")
    assert "Mara Quill" in first and "Distrusts Tobin since chapter 1." in first
    assert "Tobin: a guide" not in first and "Kestrel" not in first
    assert "Who sent the letter?" in first and "keep the tone dry" not in first
    assert first.index("event number 1") < first.index("event number 5")
    second = ledger_for(project, "chapter_02.md")
    assert "Tobin: a guide, limps." in second and "Mara Quill" not in second
    assert "Kestrel Keep — a ruined fort" in second and "Harbour" not in second
    assert ledger_for(project, "chapter_02.md") == second  # deterministic


def test_excerpt_stays_within_budget_keeping_the_newest_timeline(tmp_path):
    ledger = "## Timeline\n" + "".join(f"- Ch {n}: the long event number {n} happens here\n" for n in range(1, 200))
    project = _project(tmp_path, ledger)
    excerpt = ledger_for(project, "chapter_01.md", budget_tokens=200)
    assert count_text(excerpt) <= 200
    assert "number 199 " in excerpt and "number 1 " not in excerpt
    assert excerpt.index("number 198 ") < excerpt.index("number 199 ")


def test_names_match_when_written_with_a_capital(tmp_path):
    ledger = "## Characters\n- WILL — the smith\n- Rowan: a girl\n- Inspector Hale — tired\n"
    (tmp_path / "outline.md").write_text("# B\n\n1. **One** — Inspector Blake says she will wait; Will frowns.\n"
                                         "2. **Two** — the inspector and the rowan tree.\n", encoding="utf-8")
    (tmp_path / LEDGER_FILE).write_text(ledger, encoding="utf-8")
    project = Project(tmp_path)
    first = ledger_for(project, "chapter_01.md")
    assert "WILL — the smith" in first and "Hale" not in first and "Rowan" not in first
    assert ledger_for(project, "chapter_02.md") == ""


def test_a_ledger_that_is_not_utf8_is_left_alone(tmp_path):
    project = _project(tmp_path)
    (tmp_path / LEDGER_FILE).write_bytes(b"## Characters\n- Mara \xff\n")
    assert add_facts(project, [("Characters", "Tobin")]) == []
    assert (tmp_path / LEDGER_FILE).read_bytes() == b"## Characters\n- Mara \xff\n"


def test_section_keys_are_read_in_any_case(tmp_path):
    project = _project(tmp_path)
    assert add_facts(project, [(" Threads", "The letter")]) == [("threads", "The letter")]
    assert "## Open threads\n- The letter\n" in (tmp_path / LEDGER_FILE).read_text(encoding="utf-8")
