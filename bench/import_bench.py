"""How fast ``kg import`` reads a programme of work, end to end with validation.

A programme of work of N rows is generated (``--rows``, default 10,000: numbers, timeframes,
activity text, two outputs per row, partners naming the graph's organisations and countries,
budgets cash and in kind) and written as .xlsx, .csv and .docx. Each file is imported through
the shipped ``programme-of-work`` mapping as ``kg import`` does it: tables read, the graph's
names loaded, rows cleaned into a source, the source validated against the shapes with the
reference data. Prints, per format, the seconds of each phase and rows per second end to end;
the target is 2,000 rows/s. Figures go in ``docs/performance.md``.

    .venv/bin/python bench/import_bench.py --rows 10000
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from kg.ingest.context import graph_names, source_validator
from kg.ingest.importer import DocumentInfo, import_grids
from kg.ingest.mapping import load_mapping
from kg.ingest.tables import read_grids
from kg.ingest.workbooks import Sheet, write_workbook
from kg.rdf.read import rebase_triples
from kg.settings import Settings

HEADER = (
    "No.",
    "Timeframe",
    "Description of activity",
    "Expected outputs",
    "Implementation",
    "Budget (USD) (indicative)",
)
MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct."]
PARTNERS = [
    "Interim Secretariat and national governments",
    "Interim Secretariat supported by UNEP and FAO",
    "IUCN; Kazakhstan; Kyrgyz Republic",
    "Interim Secretariat in consultation with expert organizations",
    "GEF and Host Government",
]


def rows(count: int, seed: int = 7) -> list[tuple[str, ...]]:
    rng = random.Random(seed)
    out = []
    for n in range(1, count + 1):
        year = rng.choice([2009, 2010, 2011])
        start, end = sorted(rng.sample(range(len(MONTHS)), 2))
        budget = rng.choice(
            [
                "",
                f"{rng.randint(1, 300) * 1000:,}",
                f"Host Government: {rng.randint(5, 50)},000 (in kind)",
            ]
        )
        out.append(
            (
                f"{n}.",
                f"{MONTHS[start]} {year} – {MONTHS[end]} {year + 1}",
                f"Activity {n}: support to regional cooperation on topic {rng.randint(1, 500)}",
                f"Report {n} on the topic\nWorkshop {n} held with the parties",
                rng.choice(PARTNERS),
                budget,
            )
        )
    return out


def write_files(folder: Path, table: list[tuple[str, ...]]) -> dict[str, Path]:
    import csv

    from docx import Document

    files = {"xlsx": folder / "pow.xlsx", "csv": folder / "pow.csv", "docx": folder / "pow.docx"}
    write_workbook(
        files["xlsx"], [Sheet(name="Programme of work", header=HEADER, rows=tuple(table))]
    )
    with files["csv"].open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([HEADER, *table])
    document = Document()
    grid = document.add_table(rows=len(table) + 1, cols=len(HEADER))
    for r, row in enumerate([HEADER, *table]):
        cells = grid.rows[r].cells
        for c, text in enumerate(row):
            cells[c].text = text
    document.save(str(files["docx"]))
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--formats", default="xlsx,csv,docx")
    args = parser.parse_args()
    settings = Settings()
    mapping = load_mapping("programme-of-work")
    with tempfile.TemporaryDirectory() as tmp:
        print(
            f"writing a {args.rows:,}-row programme of work as .xlsx, .csv and .docx …", flush=True
        )
        files = write_files(Path(tmp), rows(args.rows))
        validator = source_validator(settings)
        print(
            f"{'format':<6} {'read':>7} {'names':>7} {'rows':>7} {'validate':>9} {'total':>7} "
            f"{'rows/s':>8} {'triples':>9}  violations"
        )
        for form in args.formats.split(","):
            t0 = time.perf_counter()
            grids = read_grids(files[form])
            t1 = time.perf_counter()
            names = graph_names(
                settings, replacing="bench-pow", parties=["AZE", "IRN", "KAZ", "RUS", "TKM"]
            )
            t2 = time.perf_counter()
            document = DocumentInfo(
                key="bench-pow", title="Generated programme of work", file=files[form].name
            )
            done = import_grids(grids, [mapping], document, names)
            t3 = time.perf_counter()
            report = validator.validate_triples(rebase_triples(done.triples, settings.base_iri))
            t4 = time.perf_counter()
            total = t4 - t0
            print(
                f"{form:<6} {t1 - t0:>7.2f} {t2 - t1:>7.2f} {t3 - t2:>7.2f} {t4 - t3:>9.2f} "
                f"{total:>7.2f} {done.rows_imported / total:>8,.0f} {len(done.triples):>9,}  "
                f"{len(report.violations())} ({len(done.errors)} row errors)",
                flush=True,
            )


if __name__ == "__main__":
    main()
