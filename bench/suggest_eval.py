"""The suggestions scored against links people made (:mod:`kg.suggest.evaluate`): the official
monitoring framework (each indicator's title to its target) and the Central Asia TSC
workplan's own links (thematic priorities and outcomes to their targets). Prints precision at
1 and 3, recall at 3 and MRR per method; figures go in ``docs/suggest.md``.

    .venv/bin/python bench/suggest_eval.py
"""

from __future__ import annotations

import time

from kg.build.inputs import load_inputs
from kg.rdf.namespaces import graph_iri
from kg.settings import Settings
from kg.suggest.corpus import gbf_targets
from kg.suggest.evaluate import Case, framework_cases, score, tsc_cases
from kg.suggest.lexical import LexicalSuggester


def main() -> None:
    settings = Settings()
    inputs = load_inputs(settings)
    targets = gbf_targets(inputs.reference[graph_iri(settings.base_iri, "reference/gbf")])
    tsc = inputs.sources[graph_iri(settings.base_iri, "iucn-ca-tsc-workplan-2025-2026")]
    whole = LexicalSuggester(targets)

    def lexical(case: Case) -> list[str]:
        suggester = LexicalSuggester(targets, leave_out=case.leave_out) if case.leave_out else whole
        return [t.iri for t, _score, _words in suggester.rank(case.text)]

    print(
        f"{'set':<42} {'method':<9} {'cases':>5} {'P@1':>6} {'P@3':>6} {'R@3':>6} "
        f"{'MRR':>6} {'s':>6}"
    )
    for name, cases in (
        ("monitoring framework: indicator -> target", framework_cases(targets)),
        ("TSC workplan: priority / outcome -> target", tsc_cases(tsc)),
    ):
        started = time.perf_counter()
        s = score(cases, lexical)
        seconds = time.perf_counter() - started
        print(
            f"{name:<42} {'lexical':<9} {s.cases:>5} {s.p_at_1:>6.3f} {s.p_at_3:>6.3f} "
            f"{s.r_at_3:>6.3f} {s.mrr:>6.3f} {seconds:>6.2f}"
        )


if __name__ == "__main__":
    main()
