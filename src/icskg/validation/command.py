"""``icskg validate``: the command-line face of :func:`icskg.validation.validate`.

Exit status: 0 the data conforms (Warnings and Info allowed), 1 a Violation was found, 2 anything
else (no data, unreadable input, unknown regime, bad date, even a fault in icskg), with a one-line
message and never a traceback: 1 must only ever mean "the data breaks a rule".
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from icskg.config import load_settings
from icskg.store import StoreError
from icskg.store.factory import open_store
from icskg.validation.check import (
    DEFAULT_REGIME,
    ValidationReport,
    parse_day,
    validate,
    validate_store,
)
from icskg.validation.inputs import INPUT_FORMATS, Input
from icskg.validation.regimes import regime, regimes
from icskg.validation.render import REPORT_FORMATS, render

EXIT_VIOLATIONS = 1
EXIT_ERROR = 2


class ValidateError(click.ClickException):
    """Any failure that is not the data breaking a rule: one line, exit 2."""

    exit_code = EXIT_ERROR


def _regime_help() -> str:
    return "; ".join(f"{r.id}: {r.title}" for r in regimes().values())


@click.command("validate")
@click.argument("files", nargs=-1,
                type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--regime", "-r", "regime_ids", multiple=True, metavar="REGIME",
              help=f"Rules to check (repeatable) [default {DEFAULT_REGIME}, or data-quality with --store].")
@click.option("--as-of", "as_of", metavar="DATE",
              help="Check the data as it stood on this day (YYYY-MM-DD) [default: today, within the "
                   "regime's period].")
@click.option("--format", "fmt", type=click.Choice(list(REPORT_FORMATS)), default="text", show_default=True,
              help="How to write the report.")
@click.option("--input-format", type=click.Choice(list(INPUT_FORMATS)),
              help="Syntax of the input [default: from the file extension, then the content].")
@click.option("--store", "use_store", is_flag=True, help="Validate the built graph instead of files.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report here instead of standard output.")
@click.option("--list-regimes", is_flag=True, help="List the regimes and exit.")
@click.pass_context
def validate_command(ctx: click.Context, files: tuple[Path, ...], regime_ids: tuple[str, ...],
                     as_of: str | None, fmt: str, input_format: str | None, use_store: bool,
                     output: Path | None, list_regimes: bool) -> None:
    """Check governance data (FILES, - for standard input) against a regime's rules.

    Inputs: Turtle, TriG, N-Triples, N-Quads, RDF/XML, JSON-LD, or the board CSV template
    (docs/validation.md). Every finding names its rule and cites its provision. Exit status:
    0 conforms, 1 Violations found, 2 error.
    """
    try:
        report, text = _run(ctx, files, regime_ids, as_of, fmt, input_format, use_store, list_regimes)
        if output and report is not None:
            output.write_text(text, encoding="utf-8")
    except (click.ClickException, click.exceptions.Exit):
        raise
    except (ValueError, OSError, StoreError) as exc:
        raise ValidateError(str(exc)) from None
    except MemoryError:
        raise ValidateError("the validation ran out of memory; check the data in smaller files.") from None
    except Exception as exc:  # a fault in icskg, still not "the data breaks a rule"
        raise ValidateError(f"the validation failed ({type(exc).__name__}: {exc}); this is a fault in "
                            "icskg, not in the data: please report it with the input.") from None
    if report is None:
        return
    if output:
        click.echo(f"Wrote the report to {output}", err=True)
    else:
        click.echo(text, nl=False)
    if not report.conforms:
        ctx.exit(EXIT_VIOLATIONS)


def _run(ctx: click.Context, files: tuple[Path, ...], regime_ids: tuple[str, ...], as_of: str | None,
         fmt: str, input_format: str | None, use_store: bool,
         list_regimes: bool) -> tuple[ValidationReport | None, str]:
    """The report and its text (None when only the regimes were listed)."""
    if list_regimes:
        for r in regimes().values():
            click.echo(f"{r.id:<13} {r.title}")
        return None, ""
    if use_store == bool(files):
        raise click.UsageError("Give FILES to validate, or --store for the built graph (not both).")
    chosen = list(regime_ids) or ["data-quality" if use_store else DEFAULT_REGIME]
    for regime_id in chosen:
        regime(regime_id)  # an unknown regime is an error (exit 2) before any work
    day = parse_day(as_of)
    if use_store:
        settings = load_settings(ctx.find_root().obj or {})
        report = validate_store(open_store(settings), chosen, day)
    else:
        inputs = [Input(sys.stdin.buffer.read(), "standard input", input_format) if str(path) == "-"
                  else Input.from_path(path, input_format) for path in files]
        report = validate(inputs, chosen, day)
    return report, render(report, fmt)
