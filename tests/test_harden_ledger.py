"""Hardening: a critic's flood of facts and issues stays bounded (issue 28, part 4)."""

from __future__ import annotations

from kimi_writer.judge.rubric import ContinuityIssue, Review
from tests.sample_book import write_sample_book
from tests.test_review import SCORES
from tests.test_revise import scored


def test_one_review_adds_at_most_40_facts_to_the_ledger(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    facts = [{"section": "objects", "fact": f"Object number {n} lies on the quay."} for n in range(200)]
    server.add(scored(6, new_facts=facts))
    result = run_cli("review", str(root), "--chapters", "1")
    assert result.returncode == 0, result.stderr
    ledger = (root / "continuity.md").read_text(encoding="utf-8")
    bullets = [line for line in ledger.splitlines() if line.startswith("- ")]
    assert len(bullets) == 40 and "- Object number 0 lies on the quay." in bullets


def test_the_planner_is_told_of_at_most_20_continuity_issues_in_2000_characters():
    issues = [ContinuityIssue(quote=f"quote {n} " + "x" * 60, contradicts=f"fact {n} " + "y" * 20) for n in range(250)]
    review = Review(chapter="chapter_1.md", scores=SCORES, overall=7.2, continuity_issues=issues,
                    sha256="0" * 64, model="m", reviewed_at="now")
    compact = review.compact()
    assert compact.count("- Continuity:") <= 20 and len(compact) < 2_000 + 200
    assert review.model_copy(update={"continuity_issues": issues[:30]}).compact().count("- Continuity:") >= 15
    long = [ContinuityIssue(quote="q" * 900, contradicts="c" * 300) for _ in range(5)]
    assert review.model_copy(update={"continuity_issues": long}).compact().count("- Continuity:") == 1


def test_the_ledger_parser_takes_fenced_and_commented_headings_as_text_and_sections_in_any_case(tmp_path, server,
                                                                                                 run_cli):
    root = write_sample_book(tmp_path / "projects")
    ledger = ("# Continuity\n\n## Characters\n- Hale: grey eyes.\n\n```\n## Places\n- not a section\n```\n\n"
              "<!--\n## Objects\n-->\n\n## Places\n- The quay.\n")
    (root / "continuity.md").write_text(ledger, encoding="utf-8")
    server.add(scored(6, new_facts=[{"section": "Characters", "fact": "Mara has a limp."},
                                    {"section": "PLACES", "fact": "The bridge."}]))
    result = run_cli("review", str(root), "--chapters", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    text = (root / "continuity.md").read_text(encoding="utf-8")
    assert "- Hale: grey eyes.\n- Mara has a limp.\n" in text
    assert "- The quay.\n- The bridge.\n" in text and "- not a section\n```" in text
    assert "<!--\n## Objects\n-->" in text and text.count("## Places") == 2


def test_a_ledger_past_400_items_folds_the_oldest_of_each_section(tmp_path, server, run_cli):
    root = write_sample_book(tmp_path / "projects")
    sections = {"Characters": 500, "Places": 300, "Timeline": 20}
    text = "# Continuity\n\n" + "".join(f"## {heading}\n\n" + "".join(f"- {heading} item {n}.\n" for n in range(count))
                                        + "\n" for heading, count in sections.items())
    (root / "continuity.md").write_text(text, encoding="utf-8")
    server.add(scored(6, new_facts=[{"section": "characters", "fact": "Mara has a limp."}]))
    assert run_cli("review", str(root), "--chapters", "1").returncode == 0
    ledger = (root / "continuity.md").read_text(encoding="utf-8")
    bullets = [line for line in ledger.splitlines() if line.startswith("- ")]
    assert len(bullets) == 80 + 80 + 20 and "- Mara has a limp." in bullets
    assert "- Earlier (422 items): Characters item 0.; Characters item 1." in ledger
    assert "- Earlier (221 items): Places item 0.;" in ledger and "- Timeline item 0." in ledger
    assert "- Characters item 499." in bullets and "- Places item 299." in bullets
    assert max(len(line) for line in bullets) < 300
