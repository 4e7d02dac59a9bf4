"""Lexical suggestions: BM25 over the targets' words (:mod:`kg.suggest.corpus`), with bm25s
(a maintained, numpy-based BM25, the Lucene variant) and the Snowball English stemmer
(snowballstemmer, pure Python): "protected areas" meets "Protect … areas". A suggestion's
evidence is the stems the item and the target share, written as the item writes them.

Scores are BM25's, unbounded; the confidence an SSSOM row carries is ``score / (score +
HALF)``: 0.5 at a score of :data:`HALF`, monotonic, below 1.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import bm25s
import snowballstemmer
from bm25s.stopwords import STOPWORDS_EN

from kg.suggest.corpus import Item, Target

#: The BM25 score a confidence of 0.5 stands for.
HALF = 4.0
METHOD = "lexical"
_WORD = re.compile(r"(?u)\b[^\W\d_][\w-]*\b")
#: Words every target or document uses, which tell nothing apart.
_STOP = frozenset(STOPWORDS_EN) | {
    "biodiversity", "including", "ensure", "all", "other", "per", "cent", "percentage",
    "number", "proportion", "national", "global", "level", "levels", "indicator",
}  # fmt: skip
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Suggestion:
    subject: str
    subject_label: str
    target: str
    target_label: str
    score: float
    method: str
    evidence: tuple[str, ...]

    @property
    def confidence(self) -> float:
        return round(self.score / (self.score + HALF), 4)


def words(text: str) -> list[tuple[str, str]]:
    """(stem, word as written) for each word of ``text`` that is not a stop word."""
    found = [w for w in _WORD.findall(text) if w.lower() not in _STOP and len(w) > 2]
    return list(zip(_STEMMER.stemWords([w.lower() for w in found]), found, strict=True))


class LexicalSuggester:
    """BM25 over the targets' texts."""

    def __init__(self, targets: Sequence[Target], *, leave_out: str | None = None) -> None:
        self.targets = list(targets)
        self.stems = [[s for s, _ in words(t.text(leave_out=leave_out))] for t in self.targets]
        self.index = bm25s.BM25()
        self.index.index(self.stems, show_progress=False)

    def rank(self, text: str) -> list[tuple[Target, float, tuple[str, ...]]]:
        """Every target with its score for ``text``, best first (ties in target order), and
        the words of ``text`` it matched."""
        query = words(text)
        stems = [s for s, _ in query] or ["\u2205"]
        ids, scores = self.index.retrieve(
            [stems], k=len(self.targets), show_progress=False, sorted=True
        )
        ranked = []
        for index, score in zip(ids[0], scores[0], strict=True):
            target = self.targets[int(index)]
            shared = set(self.stems[int(index)])
            matched = tuple(dict.fromkeys(w.lower() for s, w in query if s in shared))
            ranked.append((target, float(score), matched))
        ranked.sort(key=lambda r: (-r[1], self.targets.index(r[0])))
        return ranked

    def suggest(
        self,
        item: Item,
        *,
        top: int = 3,
        min_score: float = 1.0,
        skip: Collection[tuple[str, str]] = (),
    ) -> list[Suggestion]:
        """The ``top`` targets for ``item`` scoring at least ``min_score``, leaving out the
        (entity, target) pairs in ``skip`` (rejected by a person)."""
        ranked = [r for r in self.rank(item.text) if (item.iri, r[0].iri) not in skip]
        return [
            Suggestion(item.iri, item.label, t.iri, f"Target {t.code}: {t.label}",
                       round(score, 4), METHOD, matched)
            for t, score, matched in ranked[:top]
            if score >= min_score and matched
        ]  # fmt: skip
