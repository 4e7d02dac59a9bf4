"""One query job and its outcome: what a query worker does with a job (DESIGN.md §6).

A :class:`QueryJob` is what the server sends a worker; :func:`run_job` evaluates it on the
worker's store and turns every way it can go wrong into an :class:`Outcome` whose status the
API maps to an HTTP answer, so that no Python error crosses the pipe.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from kg.query.results import Answer, write_results
from kg.rdf.syntax_limits import UnwritableGraph
from kg.settings import Settings
from kg.sparql.join_order import DISK_LOOKUP_ROWS, PatternCounts
from kg.sparql.order_keys import safe_order
from kg.sparql.syntax_errors import readable
from kg.stores import GraphStore

OK, BAD_QUERY, NOT_ACCEPTABLE, TIMEOUT, FAILED, OUT_OF_MEMORY = (
    "ok",
    "bad_query",
    "not_acceptable",
    "timeout",
    "failed",
    "out_of_memory",
)


@dataclass(frozen=True)
class QueryJob:
    """One query and how to answer it."""

    query: str
    media_type: str
    max_rows: int
    #: The protocol's dataset (``default-graph-uri`` / ``named-graph-uri``), which overrides
    #: the query's own; ``None`` for both: the query's FROM / FROM NAMED if it has any (its
    #: ``own_dataset``), else the union of the named graphs.
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    own_dataset: bool = False
    #: Against which relative IRIs in the query resolve (the endpoint's URL).
    base_iri: str | None = None
    #: The query's own outermost LIMIT, when it has one (:mod:`kg.sparql.guard`).
    limit: int | None = None
    #: Prefixes the query may use without declaring them (its own declarations win).
    prefixes: dict[str, str] | None = None


@dataclass(frozen=True)
class Outcome:
    """What became of a job: its status, and the answer or a message for the user."""

    status: str  # OK, BAD_QUERY, NOT_ACCEPTABLE, TIMEOUT, FAILED or OUT_OF_MEMORY
    answer: Answer | None = None
    message: str = ""
    seconds: float = 0.0


def run_job(store: GraphStore, job: QueryJob, counts: PatternCounts | None = None) -> Outcome:
    """Evaluate ``job`` on ``store`` in this process (what a worker does); with ``counts``,
    its triple patterns are put in join order first (:mod:`kg.sparql.join_order`)."""
    started = time.perf_counter()
    # Oxigraph aborts the process sorting terms it orders inconsistently: keyed first.
    query = safe_order(job.query) if isinstance(store, ox.Store) else job.query
    try:
        options = _dataset_options(job)
        if counts is None:
            results = store.query(query, prefixes=job.prefixes, **options)
        else:
            counts.prefixes = job.prefixes
            results = counts.query(query, **options)
        answer = write_results(results, job.media_type, max_rows=job.max_rows, limit=job.limit)
    except SyntaxError as raised:
        message = str(raised)
        if query != job.query:  # positions must be the user's: the error of the text sent
            try:
                store.query(job.query, prefixes=job.prefixes, **_dataset_options(job))
            except SyntaxError as original:
                message = str(original)
        return Outcome(BAD_QUERY, message=readable(message, job.query, job.prefixes))
    except UnwritableGraph as err:  # the asked syntax cannot carry this answer
        return Outcome(NOT_ACCEPTABLE, message=first_line(err))
    except ValueError as err:  # e.g. an IRI that is not valid, or an unsupported format
        return Outcome(BAD_QUERY, message=first_line(err))
    except Exception as err:  # an evaluation failure: short, and no Python in it
        message = first_line(err)
        if "custom function" in message and "not supported" in message:
            # Oxigraph finds an unknown function only when it evaluates it: the query's fault.
            return Outcome(BAD_QUERY, message=f"{message} (see the service description)")
        return Outcome(FAILED, message=f"The query could not be evaluated: {message}")
    return Outcome(OK, answer=answer, seconds=time.perf_counter() - started)


def pattern_counts(store: GraphStore, settings: Settings) -> PatternCounts | None:
    """What a worker orders joins with: Oxigraph stores only (rdflib's engine and remote
    servers plan their own joins), and only when ``KG_JOIN_ORDER`` is on. On disk, where an
    index lookup is dear, big joins are hashed (:data:`kg.sparql.join_order.DISK_LOOKUP_ROWS`)."""
    if not settings.join_order or not isinstance(store, ox.Store):
        return None
    on_disk = settings.serve_from == "disk"
    return PatternCounts(store, lookup_rows=DISK_LOOKUP_ROWS if on_disk else None)


def _dataset_options(job: QueryJob) -> dict[str, Any]:
    """``Store.query`` options for the job's dataset (ValueError for a graph name that is
    not an IRI)."""
    options: dict[str, Any] = {"base_iri": job.base_iri}
    if job.default_graphs is None and job.named_graphs is None:
        # The union flag overrides the query's own FROM clauses: set only without them.
        options["use_default_graph_as_union"] = not job.own_dataset
    if job.default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        options["named_graphs"] = []
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
        options.setdefault("default_graph", [])
    return options


def first_line(err: BaseException) -> str:
    """An error's message for a user: its first line, cut at 300 characters."""
    return (str(err).splitlines() or ["no details given"])[0][:300]
