"""The ``icskg`` command: a thin layer over the library. Exit codes: 0 success, 2 error."""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import click

from icskg import __version__, search
from icskg import reason as reasoning
from icskg.build import BuildError, build_store
from icskg.config import Settings, load_settings
from icskg.formats import RDF_FORMATS, RESULT_FORMATS, by_name
from icskg.killable import Budget, WorkError, run_once, spare_workers_the_script
from icskg.load import LoadError, load_files
from icskg.resources import ontology_files
from icskg.sources import READERS
from icskg.store import (
    EmbeddedStore,
    QueryResult,
    QuerySyntaxError,
    StoreError,
)
from icskg.store.factory import open_store
from icskg.store.remote import RemoteStore
from icskg.validation.command import validate_command
from icskg.validation.compliance_cache import ComplianceCache
from icskg.web.server import cannot_listen, run

EXIT_ERROR = 2

class Failure(click.ClickException):
    """An error the user can fix; printed as one line, never a traceback."""

    exit_code = EXIT_ERROR


class IcskgGroup(click.Group):
    """Turns the library's expected errors into clear messages."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (BuildError, StoreError, QuerySyntaxError, ValueError, OSError) as exc:
            raise Failure(str(exc)) from None


@click.group(cls=IcskgGroup)
@click.version_option(__version__, prog_name="icskg")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where stores are built and served from [env ICSKG_DATA_DIR; default ./var].")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None) -> None:
    """icskg: the knowledge graph of England's NHS Integrated Care Systems."""
    ctx.obj = {"data_dir": data_dir}
    if getattr(sys.modules["__main__"], "main", None) is main:  # the `icskg` script: it only calls main
        spare_workers_the_script()


def _settings(ctx: click.Context, **flags: Any) -> Settings:
    return load_settings({**ctx.find_root().obj, **flags})


def _run_build(settings: Settings) -> None:
    store = EmbeddedStore(settings.data_dir)
    started = time.perf_counter()
    with click.progressbar(length=len(READERS) + 2, label="Building", file=sys.stderr,
                           item_show_func=lambda step: step or "") as bar:
        def progress(step: str) -> None:
            bar.update(1, step)
        result = build_store(store, progress=progress)
    search.ensure_index(store, settings.data_dir)
    seconds = time.perf_counter() - started
    click.echo(f"Built dataset {result.version[:12]} in {seconds:.1f} s: "
               f"{result.triples:,} triples in {len(result.graphs)} named graphs")
    for name, count in result.graphs.items():
        click.echo(f"  {count:>8,}  {name}")
    click.echo(f"Store: {store.link.resolve()}")
    started = time.perf_counter()
    days = ComplianceCache(settings.data_dir, result.version).precompute(store, date.today())
    click.echo(f"Compliance picture as of {days.default} worked out in {time.perf_counter() - started:.1f} s "
               f"(days {days.first} to {days.last} can be asked for)")


def _build_for_serve(settings: Settings) -> str | None:
    """Build (in a child process); what went wrong, or ``None``."""
    try:
        _run_build(settings)
    except (BuildError, StoreError, OSError) as exc:
        return str(exc)
    return None


@main.command()
@click.pass_context
def build(ctx: click.Context) -> None:
    """Build the store from ontology/ and data/sources/, replacing the old one atomically."""
    _run_build(_settings(ctx))


@main.command()
@click.option("--ontology-only", is_flag=True, help="Leave out the curated policy data (data/policy/).")
@click.option("--hierarchy", is_flag=True, help="Also print every class with its direct superclasses.")
def reason(ontology_only: bool, hierarchy: bool) -> None:
    """Check the ontology (and policy data) with HermiT: consistency, unsatisfiable classes,
    inferences. Exits with 2 if it is inconsistent or a class is unsatisfiable."""
    paths = ontology_files() + ([] if ontology_only else reasoning.policy_files())
    try:
        report = reasoning.reason(paths)
    except reasoning.ReasonError as exc:
        raise Failure(str(exc)) from None
    click.echo(reasoning.format_report(report, short=not hierarchy))
    if not report.consistent:
        raise Failure("The ontology is inconsistent: HermiT found no model of it.")
    if report.unsatisfiable:
        raise Failure(f"{len(report.unsatisfiable)} unsatisfiable class(es): they can have no members.")


def _read_query(text: str | None, file: Path | None) -> str:
    if text and file:
        raise Failure("Give the query as text or with --file, not both.")
    if file:
        return file.read_text(encoding="utf-8")
    if text == "-" or (text is None and not sys.stdin.isatty()):
        return sys.stdin.read()
    if not text:
        raise Failure("No query: give it as an argument, with --file, or on standard input.")
    return text


def _table(result: QueryResult) -> str:
    header = result.variables()
    rows = [tuple("" if v is None else v for v in row) for row in result.rows()]
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(header)]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [line.format(*header), line.format(*("-" * w for w in widths))]
    out += [line.format(*row) for row in rows]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out)


@main.command()
@click.argument("query", required=False)
@click.option("--file", "-f", "file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Read the query from this file.")
@click.option("--format", "fmt", default="table", show_default=True,
              help="table, csv, tsv, json or xml; for CONSTRUCT/DESCRIBE also turtle, ntriples, "
                   "jsonld, rdfxml.")
@click.pass_context
def query(ctx: click.Context, query: str | None, file: Path | None, fmt: str) -> None:
    """Run a SPARQL QUERY (text, --file, or - for standard input) on the built store."""
    sparql = _read_query(query, file)
    result = open_store(_settings(ctx)).query(sparql)
    if fmt == "table":
        click.echo(_table(result))
        return
    formats = RDF_FORMATS if result.kind == "graph" else RESULT_FORMATS
    chosen = by_name(fmt, formats)
    if chosen is None:
        names = ", ".join(["table", *(f.name for f in formats)])
        raise Failure(f"--format {fmt} does not fit this query's result; use one of: {names}")
    click.echo(result.serialize(chosen).decode("utf-8"), nl=False)


@main.command()
@click.option("--format", "fmt", default="trig", show_default=True,
              type=click.Choice(["trig", "nquads", "turtle", "ntriples", "jsonld", "rdfxml"]),
              help="Serialisation; turtle, ntriples and rdfxml hold one graph (the union by default).")
@click.option("--graph", help="Export only this named graph (its IRI).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here instead of standard output.")
@click.pass_context
def export(ctx: click.Context, fmt: str, graph: str | None, output: Path | None) -> None:
    """Export the built dataset, or one named graph of it."""
    store = open_store(_settings(ctx))
    chosen = by_name(fmt, RDF_FORMATS)
    assert chosen is not None
    if graph is not None and graph not in store.graphs():
        raise Failure(f"No named graph {graph}; `icskg query` with "
                      "'SELECT DISTINCT ?g { GRAPH ?g {} }' lists them.")
    data = store.dump(chosen, graph)
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {len(data):,} bytes to {output}", err=True)
    else:
        click.echo(data.decode("utf-8"), nl=False)


def _load_files(data_dir: Path, specs: tuple[str, ...]) -> str | None:
    """Load the files given to ``serve --data`` into a store of their own (in a child process);
    what went wrong, or ``None``."""
    started = time.perf_counter()
    steps: dict[str, float] = {}
    try:
        store = EmbeddedStore(data_dir)
        graphs = load_files(store, specs, steps)
        indexed = time.perf_counter()
        search.ensure_index(store, data_dir)
        steps["search index"] = time.perf_counter() - indexed
    except (LoadError, StoreError, OSError) as exc:
        return str(exc)
    # Each step's seconds, so a slow load says where its time went (bench.steps reads them).
    click.echo(f"Loaded {len(specs)} file(s) into {len(graphs)} named graph(s) in "
               f"{time.perf_counter() - started:.1f} s: "
               + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in steps.items()) + ".",
               err=True)
    return None


def _in_child(memory_mb: int, target: Any, *args: Any) -> Any:
    """``target(*args)`` in a fresh process (:func:`icskg.killable.run_once`) under ``memory_mb``
    (``ICSKG_BUILD_MEMORY_MB``; 0 for none); what it returns.

    Building or loading a store starts the engine's threads; they must not live on in the
    server's master process, which forks the workers and would then never exit.
    """
    try:
        return run_once(target, *args, budget=Budget(memory_mb), name="build")
    except WorkError as exc:
        raise Failure(f"Could not prepare the store: {exc}.") from None


ENDPOINT_HELP = "A SPARQL server's endpoint URL [env ICSKG_ENDPOINT]"
DIALECT_HELP = ("The server's kind: virtuoso, fuseki, graphdb, qlever or generic [env ICSKG_DIALECT; "
                "default auto, from the server's Server header].")


@main.command()
@click.option("--endpoint", help=ENDPOINT_HELP + "; it must accept SPARQL Update unless "
                                 "--update-endpoint is given.")
@click.option("--graph-store", help="The server's Graph Store Protocol URL [env ICSKG_GRAPH_STORE]; "
                                    "without it, the data goes in by SPARQL Update.")
@click.option("--update-endpoint", help="Where SPARQL Update goes if not to --endpoint "
                                        "[env ICSKG_UPDATE_ENDPOINT].")
@click.option("--dialect", help=DIALECT_HELP)
@click.pass_context
def push(ctx: click.Context, endpoint: str | None, graph_store: str | None,
         update_endpoint: str | None, dialect: str | None) -> None:
    """Build the dataset and load it into a SPARQL server, replacing each named graph atomically
    and checking the triple counts. Credentials come from the environment only:
    ICSKG_AUTH_USER and ICSKG_AUTH_PASSWORD, or ICSKG_AUTH_TOKEN."""
    settings = _settings(ctx, endpoint=endpoint, graph_store=graph_store,
                         update_endpoint=update_endpoint, dialect=dialect)
    if not settings.endpoint:
        raise Failure("No SPARQL server named: give --endpoint URL or set ICSKG_ENDPOINT.")
    store = RemoteStore.from_settings(settings)
    store.check()
    started = time.perf_counter()
    click.echo(f"Building the dataset and loading it into {settings.endpoint} ...", err=True)
    result = build_store(store)
    click.echo(f"Pushed dataset {result.version[:12]} in {time.perf_counter() - started:.1f} s: "
               f"{result.triples:,} triples in {len(result.graphs)} named graphs, counts verified")
    for name, count in result.graphs.items():
        click.echo(f"  {count:>8,}  {name}")


@main.command()
@click.option("--host", help="Interface to listen on [env ICSKG_HOST; default 127.0.0.1].")
@click.option("--port", type=int, help="Port [env ICSKG_PORT; default 8000].")
@click.option("--workers", type=int, help="Worker processes [env ICSKG_WORKERS; default 2].")
@click.option("--data", "data_files", multiple=True, metavar="[GRAPH_IRI=]FILE",
              help="Serve these RDF files instead of the ICS graph (repeatable). Triples go to a "
                   "graph named GRAPH_IRI or after the file; TriG/N-Quads keep their graphs.")
@click.option("--endpoint", help=ENDPOINT_HELP + ", to serve the dataset `icskg push` put there.")
@click.option("--dialect", help=DIALECT_HELP)
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None, workers: int | None,
          data_files: tuple[str, ...], endpoint: str | None, dialect: str | None) -> None:
    """Serve the SPARQL endpoint and pages with gunicorn, building the store first if missing."""
    settings = _settings(ctx, host=host, port=port, workers=workers, endpoint=endpoint,
                         dialect=dialect)
    if problem := cannot_listen(settings.host, settings.port):
        raise Failure(problem)
    if settings.endpoint:
        if data_files:
            raise Failure("--data loads files into the embedded store; leave out --endpoint.")
        version = RemoteStore.from_settings(settings).info()["version"]  # fails if unreachable
        click.echo(f"Serving dataset {version[:12]} from {settings.endpoint}", err=True)
    elif data_files:
        settings = replace(settings, data_dir=settings.data_dir / "served")
        if problem := _in_child(settings.build_memory_mb, _load_files, settings.data_dir, data_files):
            raise Failure(problem)
    elif not EmbeddedStore(settings.data_dir).exists():
        click.echo("No store yet: building it first.", err=True)
        if problem := _in_child(settings.build_memory_mb, _build_for_serve, settings):
            raise Failure(problem)
    run(settings)


main.add_command(validate_command)
