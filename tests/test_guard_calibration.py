"""The guard measured on real fiction (../shared/corpus/, or $KIMI_WRITER_CORPUS): few false alarms on
novelists, and a slop index that tells AI chapters apart and ranks the models like EQ-Bench."""

from __future__ import annotations

import pytest

from tests.calibration import Figures, measure
from tests.corpus import corpus_dir

ROOT = corpus_dir()
pytestmark = pytest.mark.skipif(ROOT is None, reason="the calibration corpus (../shared/corpus/ or "
                                                     "$KIMI_WRITER_CORPUS) is absent")


@pytest.fixture(scope="module")
def figures() -> Figures:
    return measure(ROOT)


def test_default_lint_warns_on_at_most_5_percent_of_human_chapters_and_fails_none(figures):
    assert figures.warned(human=True) <= 0.05, figures.by_check(human=True)
    assert figures.failed_books(human=True) == 0


def test_strict_lint_flags_at_most_10_percent_of_human_chapters(figures):
    # --strict exits 1 on any finding: the share of human chapters with one
    assert figures.warned(human=True) <= 0.10


def test_most_ai_chapters_are_still_warned_about(figures):
    assert figures.warned(human=False) >= 0.8


def test_the_slop_index_separates_ai_from_human_chapters(figures):
    assert figures.auc() >= 0.95


def test_the_slop_index_ranks_the_models_like_eqbench(figures):
    assert figures.spearman() >= 0.8
