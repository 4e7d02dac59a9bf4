"""A seeded generator of MEA-shaped data at any scale, for benchmarks and load tests.

It writes what a real build holds, minus the inferred graph: the ontology graph, the real
reference data (the GBF goals, targets and indicators under their KMGBF IRIs, and the
agreements), and synthetic documents, each in its own named graph, with conventions'
meetings and decisions, Parties (every ISO 3166-1 country, keyed by alpha-3), centres that
serve them, workplans mandated by decisions, outcomes that contribute to real GBF targets
and claim indicators (some official, some not in the framework), activities with outputs,
budgets, dates and implementers, and events. The fan-out follows the seed documents: 3-6
outcomes and 5-25 activities per workplan, 1-3 targets per outcome, 3-15 Parties per centre.
Inverse pairs are asserted in both directions across documents (``hasActivity`` here,
``partOfWorkplan`` there), as real sources do. Synthetic keys start with ``gen-``.

The output conforms to ``shapes/`` at every scale (no SHACL violation): every document has
its title, seed file and UN symbol, every fact its ``mea:fromDocument`` and
``mea:sourceLocator``, every amount a label, decision codes follow their convention's format
and TSC support centres name their mandate. What the shapes only warn or inform about is
kept on purpose, as real documents have it: indicator claims that are not in the GBF
framework (Warning) and claimed titles that differ from the official ones (Info).

Same ``seed`` and ``triples``, same bytes.

>>> lines = list(generate(triples=3_000, seed=7))
>>> 3_000 <= sum(1 for line in lines if "/graph/gen-doc-" in line) < 5_000
True
>>> any("<http://metadata.cbd.int/kmgbf/target_3>" in line for line in lines)
True

Command line::

    python -m kg.bench.generate --triples 1000000 --seed 1 -o /tmp/mea-1m.nq
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pycountry

from kg.rdf.namespaces import KMGBF, MEA, PREFIXES, graph_iri
from kg.settings import Settings

__all__ = ["generate", "main", "write"]

_RDF, _RDFS, _SKOS, _DCTERMS, _XSD = (
    PREFIXES[name] for name in ("rdf", "rdfs", "skos", "dcterms", "xsd")
)
M = str(MEA)

#: The conventions synthetic work is done under (real agreement keys).
CONVENTIONS = ("cbd", "basel", "rotterdam", "stockholm", "minamata", "cites", "unccd", "tehran")
#: Decision codes in the format shapes/agreements.ttl checks (``decisionCodeFormat``); other
#: conventions are not format-checked and keep ``<CONVENTION>-<meeting>/<number>``.
DECISION_CODE_FORMATS = {
    "basel": "BC-{cop}/{n}",
    "rotterdam": "RC-{cop}/{n}",
    "stockholm": "SC-{cop}/{n}",
    "cbd": "{cop}/{n}",
}
#: Targets no synthetic outcome addresses, so coverage analysis has gaps to find.
UNADDRESSED_TARGETS = frozenset({"16", "22"})
CENTRE_CLASSES = ("RegionalCentre", "TSCSupportCentre", "InformationCentre", "Centre")
THEMES = (
    "capacity building",
    "national reporting",
    "legal frameworks",
    "protected area management",
    "waste inventories",
    "ecosystem restoration",
    "spatial planning",
    "data and monitoring",
    "public awareness",
    "technology transfer",
    "resource mobilisation",
    "chemicals management",
    "species conservation",
    "sustainable use",
    "knowledge sharing",
)
VERBS = ("Develop", "Support", "Strengthen", "Assess", "Train", "Pilot", "Review", "Convene")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")


def _iri(value: str) -> str:
    return f"<{value}>"


def _lit(value: object, *, lang: str | None = None, datatype: str | None = None) -> str:
    text = f'"{_escape(str(value))}"'
    if lang:
        return f"{text}@{lang}"
    if datatype:
        return f"{text}^^<{datatype}>"
    return text


@dataclass
class _Writer:
    """Collects N-Quads lines for one named graph at a time and counts them."""

    graph: str = ""
    count: int = 0
    lines: list[str] = field(default_factory=list)

    def add(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"{_iri(s)} {_iri(p)} {o} {_iri(self.graph)} .\n")
        self.count += 1

    def typed(self, s: str, cls: str) -> None:
        self.add(s, _RDF + "type", _iri(M + cls))

    def label(self, s: str, text: str) -> None:
        self.add(s, _RDFS + "label", _lit(text, lang="en"))

    def link(self, s: str, p: str, o: str) -> None:
        self.add(s, p, _iri(o))

    def flush(self) -> list[str]:
        out, self.lines = self.lines, []
        return out


def _reference_lines(settings: Settings) -> Iterator[str]:
    """The ontology graph and the real reference graphs (GBF, agreements), as a build
    writes them."""
    from rdflib import Graph

    from kg.build.inputs import load_ontology
    from kg.build.reference import gbf_graph
    from kg.build.snapshot import nquads_lines
    from kg.rdf.read import read_rdf, rebase

    base = settings.base_iri
    # Sorted: rdflib serialises in an order that can change within one process, and the
    # output must be the same bytes for the same seed.
    yield from sorted(nquads_lines(graph_iri(base, "ontology"), load_ontology(settings)))
    reference: dict[str, Graph] = {"gbf": gbf_graph(settings.data_dir / "reference")}
    reference["agreements"] = read_rdf(settings.data_dir / "reference" / "agreements.ttl")
    for name, graph in reference.items():
        yield from sorted(nquads_lines(graph_iri(base, f"reference/{name}"), rebase(graph, base)))


def _gbf(
    settings: Settings,
) -> tuple[list[str], dict[str, list[tuple[str, str, str]]], dict[str, tuple[str, str]]]:
    """Target codes; per target, its headline indicators as (iri, code, title); and every
    indicator of the monitoring framework by code, as (iri, title)."""
    import csv

    reference = settings.data_dir / "reference"
    with (reference / "gbf-goals-targets.csv").open(encoding="utf-8") as f:
        targets = [r["code"] for r in csv.DictReader(f) if r["kind"] == "target"]
    headline: dict[str, list[tuple[str, str, str]]] = {t: [] for t in targets}
    indicators: dict[str, tuple[str, str]] = {}
    with (reference / "gbf-indicator-roles.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            indicators.setdefault(row["indicator_code"], (row["iri"], row["title_en"]))
            if row["role"] == "headline" and row["goal_or_target"] in headline:
                headline[row["goal_or_target"]].append(
                    (row["iri"], row["indicator_code"], row["title_en"])
                )
    return targets, headline, indicators


def generate(*, triples: int, seed: int = 1, settings: Settings | None = None) -> Iterator[str]:
    """N-Quads lines: ontology and reference graphs, then synthetic documents until at
    least ``triples`` synthetic triples have been written."""
    settings = settings or Settings()
    base = settings.base_iri
    rng = random.Random(seed)
    yield from _reference_lines(settings)

    def eid(kind: str, key: str) -> str:
        return f"{base}/id/{kind}/gen-{key}"

    targets, headline, indicators = _gbf(settings)
    addressable = [t for t in targets if t not in UNADDRESSED_TARGETS]
    # Some targets are far more popular than others, as in real workplans.
    weights = [1.0 / (1 + i % 7) for i in range(len(addressable))]
    names = {c.alpha_3: c.name for c in pycountry.countries}
    countries = sorted(names)
    w = _Writer()

    # --- shared graph: Parties, organisations, meetings and decisions per convention
    w.graph = graph_iri(base, "gen-shared")
    agreement = {c: f"{base}/id/agreement/{c}" for c in CONVENTIONS}
    for code in countries:
        party = f"{base}/id/party/{code}"
        w.typed(party, "Party")
        w.label(party, names[code])
        w.add(party, M + "iso3166Alpha3", _lit(code))
        for conv in rng.sample(CONVENTIONS, rng.randint(1, 4)):
            w.link(party, M + "partyTo", agreement[conv])
    organisations = [eid("org", f"org-{i}") for i in range(max(40, triples // 5_000))]
    for i, org in enumerate(organisations):
        w.typed(org, "Organisation")
        w.label(org, f"{rng.choice(THEMES).title()} Institute {i}")
        w.link(org, M + "country", f"{base}/id/party/{rng.choice(countries)}")
    decisions: dict[str, list[str]] = {}
    cops = max(3, min(20, triples // 50_000))
    for conv in CONVENTIONS:
        decisions[conv] = []
        for cop in range(1, cops + 1):
            meeting = eid("meeting", f"{conv}-cop{cop}")
            w.typed(meeting, "Meeting")
            w.label(meeting, f"{conv.upper()} COP{cop}")
            w.link(meeting, M + "meetingOf", agreement[conv])
            w.add(meeting, M + "meetingNumber", _lit(cop, datatype=_XSD + "integer"))
            code_format = DECISION_CODE_FORMATS.get(conv, conv.upper() + "-{cop}/{n}")
            for n in range(1, 16):
                decision = eid("decision", f"{conv}-{cop}-{n}")
                code = code_format.format(cop=cop, n=n)
                w.typed(decision, "Decision")
                w.label(decision, f"Decision {code}")
                w.add(decision, M + "decisionCode", _lit(code))
                w.link(decision, M + "underAgreement", agreement[conv])
                w.link(decision, M + "adoptedAt", meeting)
                decisions[conv].append(decision)
    yield from w.flush()

    # --- one named graph per synthetic workplan document
    shared = w.count
    centres: dict[int, tuple[str, str, list[str]]] = {}
    unit = 0
    while w.count - shared < triples:
        key = f"doc-{unit}"
        w.graph = graph_iri(base, f"gen-{key}")
        document = eid("document", key)
        w.typed(document, "Document")
        w.label(document, f"Workplan document {unit}")
        # A source document: its printed title, seed file and UN symbol (shapes: provenance).
        w.add(document, _DCTERMS + "title", _lit(f"Workplan document {unit}", lang="en"))
        w.add(document, M + "sourceFile", _lit(f"gen-doc-{unit}.txt"))
        w.add(document, M + "unSymbol", _lit(f"UNEP/GEN.{unit}/INF/1"))
        w.add(
            document, _DCTERMS + "date", _lit(f"{2010 + unit % 16}-01-15", datatype=_XSD + "date")
        )

        def provenance(node: str, where: str, document: str = document) -> None:
            w.link(node, M + "fromDocument", document)
            w.add(node, M + "sourceLocator", _lit(where))

        centre_no = unit // 3
        if centre_no not in centres:
            conv = rng.choice(CONVENTIONS)
            centre = eid("centre", f"centre-{centre_no}")
            served = rng.sample(countries, rng.randint(3, 15))
            centres[centre_no] = (centre, conv, served)
            centre_class = rng.choice(CENTRE_CLASSES)
            w.typed(centre, centre_class)
            w.label(centre, f"{conv.upper()} regional centre {centre_no}")
            w.link(centre, M + "underAgreement", agreement[conv])
            if centre_class == "TSCSupportCentre":  # designated by a decision (shape: tscMandate)
                w.link(centre, M + "mandatedBy", decisions[conv][centre_no % len(decisions[conv])])
            w.link(centre, M + "hostedBy", rng.choice(organisations))
            for party in served:
                w.link(centre, M + "serves", f"{base}/id/party/{party}")
            provenance(centre, "Cover page")
        centre, conv, served = centres[centre_no]
        workplan = eid("workplan", key)
        w.typed(workplan, "Workplan")
        w.label(workplan, f"Workplan {unit} of {conv.upper()} regional centre {centre_no}")
        w.link(workplan, M + "underAgreement", agreement[conv])
        for decision in rng.sample(decisions[conv], rng.randint(1, 2)):
            w.link(workplan, M + "mandatedBy", decision)
        start = 2010 + unit % 14
        w.add(workplan, M + "startDate", _lit(f"{start}-01-01", datatype=_XSD + "date"))
        w.add(workplan, M + "endDate", _lit(f"{start + 1}-12-31", datatype=_XSD + "date"))
        if rng.random() < 0.5:
            w.link(centre, M + "hasWorkplan", workplan)
        else:
            w.link(workplan, M + "workplanOf", centre)
        provenance(workplan, "Section 1")

        outcomes = []
        for o in range(1, rng.randint(3, 6) + 1):
            outcome = eid("outcome", f"{key}-outcome-{o}")
            outcomes.append(outcome)
            w.typed(outcome, "Outcome")
            w.label(outcome, f"Outcome {o}: {rng.choice(THEMES)}")
            w.link(workplan, M + "hasOutcome", outcome)
            picked = set(rng.choices(addressable, weights=weights, k=rng.randint(1, 3)))
            for target in sorted(picked):
                w.link(outcome, M + "contributesToTarget", str(KMGBF[f"target_{target}"]))
                if rng.random() < 0.6:
                    claim = eid("claim", f"{key}-outcome-{o}-{target}")
                    official = bool(headline[target]) and rng.random() < 0.6
                    if official:
                        iri, code, title = rng.choice(headline[target])
                        same = rng.random() < 0.5
                        status = "Official" if same else "TitleDiffers"
                        claimed_title = title if same else f"{title} (as planned)"
                    else:
                        code, claimed_title = f"{target}.{rng.randint(2, 9)}", rng.choice(THEMES)
                        status = "NotInFramework"
                        if code in indicators:  # a made-up code that happens to exist
                            official, (iri, _title) = True, indicators[code]
                            status = "TitleDiffers"
                    w.typed(claim, "IndicatorClaim")
                    w.label(claim, f"Outcome {o} claims indicator {code}")
                    w.add(claim, M + "claimedCode", _lit(code))
                    w.add(claim, M + "claimedTitle", _lit(claimed_title, lang="en"))
                    w.link(claim, M + "claimedForTarget", str(KMGBF[f"target_{target}"]))
                    w.link(outcome, M + "claimsIndicator", claim)
                    w.link(claim, M + "reconciliationStatus", M + status)
                    if official:
                        w.link(claim, M + "matchesIndicator", iri)
                    provenance(claim, f"Section 4, outcome {o}, indicators")
            provenance(outcome, f"Section 4, outcome {o}")

        for a in range(1, rng.randint(5, 25) + 1):
            activity = eid("activity", f"{key}-{a}")
            w.typed(activity, "Activity")
            theme = rng.choice(THEMES)
            w.label(activity, f"{rng.choice(VERBS)} {theme} ({unit}.{a})")
            w.add(
                activity,
                _DCTERMS + "description",
                _lit(f"Activity {a} of workplan {unit} on {theme}.", lang="en"),
            )
            w.add(activity, M + "ordinal", _lit(a))
            if unit % 2:
                w.link(workplan, M + "hasActivity", activity)
            else:
                w.link(activity, M + "partOfWorkplan", workplan)
            if rng.random() < 0.8:
                w.link(activity, M + "contributesToOutcome", rng.choice(outcomes))
            for n in range(1, rng.randint(1, 2) + 1):
                output = eid("output", f"{key}-{a}-{n}")
                w.typed(output, "Output")
                w.label(output, f"Output {a}.{n}: {theme} report")
                w.link(activity, M + "producesOutput", output)
                w.link(rng.choice(outcomes), M + "hasOutput", output)
                provenance(output, f"Annex I, row {a}")
            w.link(activity, M + "implementedBy", rng.choice(organisations))
            w.link(activity, M + "country", f"{base}/id/party/{rng.choice(served)}")
            w.add(activity, M + "timeframeText", _lit(f"{start}–{start + 1}"))
            w.add(activity, M + "startDate", _lit(f"{start}-03-01", datatype=_XSD + "date"))
            w.add(activity, M + "endDate", _lit(f"{start + 1}-06-30", datatype=_XSD + "date"))
            if rng.random() < 0.4:
                amount = eid("amount", f"{key}-{a}")
                w.typed(amount, "MonetaryAmount")
                w.label(amount, f"Indicative budget of activity {unit}.{a}")
                w.add(
                    amount,
                    M + "amount",
                    _lit(rng.randrange(5_000, 500_000, 1_000), datatype=_XSD + "decimal"),
                )
                w.add(amount, M + "currency", _lit("USD"))
                w.link(amount, M + "contributionType", M + rng.choice(("Cash", "InKind")))
                w.link(activity, M + "indicativeBudget", amount)
            provenance(activity, f"Annex I, row {a}")

        for e in range(rng.randint(0, 3)):
            event = eid("event", f"{key}-{e}")
            w.typed(event, "Event")
            w.label(event, f"Regional workshop on {rng.choice(THEMES)} ({unit}.{e})")
            w.link(event, M + "country", f"{base}/id/party/{rng.choice(served)}")
            w.link(event, M + "organisedBy", centre)
            w.link(event, M + "contributesToOutcome", rng.choice(outcomes))
            w.link(workplan, M + "hasActivity", event)
            provenance(event, f"Section 9, event {e + 1}")
        yield from w.flush()
        unit += 1


def write(
    path: Path,
    *,
    triples: int,
    seed: int = 1,
    fmt: str = "nquads",
    settings: Settings | None = None,
) -> int:
    """Write the generated data to ``path`` (``nquads``, or ``turtle``: the same triples as
    N-Triples lines, a subset of Turtle, without graph names); returns the lines written."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for line in generate(triples=triples, seed=seed, settings=settings):
            if fmt == "turtle":
                line = line[: line.rindex(" <")] + " .\n"
            out.write(line)
            count += 1
    return count


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kg.bench.generate", description="Generate MEA-shaped RDF at a given scale."
    )
    parser.add_argument("--triples", type=int, default=100_000, help="synthetic triples (at least)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["nquads", "turtle"], default="nquads")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    lines = write(args.output, triples=args.triples, seed=args.seed, fmt=args.format)
    print(f"wrote {lines} lines to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
