"""The `tenant-kpis` command line: a thin layer over the package's modules.

Each command parses its options and calls one function; a user's mistake is
reported as a one-line error (exit code 2), never as a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from tenant_kpis.errors import UserError

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")


class UserFacingError(click.ClickException):
    """A user's mistake: one line on stderr and exit code 2, no traceback."""

    exit_code = 2


def _fail(error: UserError) -> None:
    raise UserFacingError(str(error)) from error


def _or_fail(run: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`run(*args, **kwargs)`, a user's mistake (UserError) reported as one line."""
    try:
        return run(*args, **kwargs)
    except UserError as error:
        raise UserFacingError(str(error)) from error


def _path_option(*declarations: str, help: str) -> Callable[[F], F]:
    """An optional path option (default: the environment's, resolved by the command)."""
    return click.option(*declarations, type=click.Path(path_type=Path), default=None, help=help)


def _target_option(help: str) -> Callable[[F], F]:
    """--target: the dbt target (profiles.yml) a command works on."""
    return click.option("--target", "target_name", default=None, help=help)


_manifest_option = _path_option(
    "--manifest",
    "manifest_path",
    help="dbt manifest.json (default: $DBT_TARGET_PATH/manifest.json or target/manifest.json).",
)
# build and mf hand every argument to the tool they run
_PASSTHROUGH = {"ignore_unknown_options": True, "allow_extra_args": True}


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tenant-kpis")
def main() -> None:
    """Tenant autonomy and onboarding KPIs: data generator and weekly brief."""


@main.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    required=True,
    help="Directory to write the nine raw tables and _truth.json into.",
)
@click.option(
    "--tenants",
    type=click.IntRange(min=1),
    default=200,
    show_default=True,
    help="Number of tenants (customer accounts).",
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option(
    "--years",
    type=click.FloatRange(min=0.25),
    default=2.5,
    show_default=True,
    help="Years of history ending at the as-of date; the tenants onboard over all of it, "
    "so the same tenants over more years give fewer events per week.",
)
@click.option(
    "--event-years",
    type=click.FloatRange(min=0.0, min_open=True),
    default=None,
    help="Deliver only the events received in the last N years (default: all of --years). "
    "Same --tenants, --seed and --years with a smaller N give the same tenants, tables "
    "and weekly volume with a shorter event history (to compare history lengths).",
)
@click.option(
    "--dirty",
    type=click.FloatRange(min=0.0, max=0.5),
    default=0.0,
    show_default=True,
    help="Share of rows to corrupt with contract violations.",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(["parquet", "csv"]),
    default="parquet",
    show_default=True,
    help="File format of the raw tables.",
)
@click.option(
    "--events-per-user-day",
    type=click.FloatRange(min=0.01),
    default=None,
    help="Mean events per active user-day (default: realistic activity, about 6).",
)
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Exclusive end of the history (a date, 00:00 UTC). "
    "Default: 2026-11-16, so the as-of date is Sunday 2026-11-15.",
)
@click.option(
    "--holdback-days",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Write events received in the last N days to _holdback/ instead (see append-holdback).",
)
@click.option(
    "--events-layout",
    type=click.Choice(["file", "partitioned"]),
    default="file",
    show_default=True,
    help="file: one events.<format>; partitioned: one Parquet file per load date (the UTC "
    "date of received_at) under events/load_date=<date>/.",
)
@click.option(
    "--chunk-events",
    type=click.IntRange(min=1),
    default=1_000_000,
    show_default=True,
    help="Events generated and written per step: memory, not output (the bytes are the same "
    "at any value).",
)
@click.option("--quiet", is_flag=True, help="No progress output.")
def generate(
    out_dir: Path,
    tenants: int,
    seed: int,
    years: float,
    dirty: float,
    file_format: str,
    events_per_user_day: float | None,
    end_date: datetime | None,
    holdback_days: int,
    event_years: float | None,
    events_layout: str,
    chunk_events: int,
    quiet: bool,
) -> None:
    """Write a synthetic raw dataset that follows the raw data contract."""
    from tenant_kpis.generator import GeneratorConfig, generate_dataset
    from tenant_kpis.generator.config import DEFAULT_END_DATE

    try:
        config = GeneratorConfig(
            tenants=tenants,
            seed=seed,
            years=years,
            dirty_rate=dirty,
            file_format=file_format,
            events_per_user_day=events_per_user_day,
            end_date=end_date.date() if end_date else DEFAULT_END_DATE,
            holdback_days=holdback_days,
            event_years=event_years,
            events_layout=events_layout,
            chunk_events=chunk_events,
        )
        summary = generate_dataset(config, out_dir, progress=not quiet)
    except UserError as error:
        _fail(error)
    click.echo(summary)


@main.command("append-holdback")
@click.argument("raw_dir", type=click.Path(path_type=Path))
def append_holdback_command(raw_dir: Path) -> None:
    """Deliver the held-back events of RAW_DIR (from generate --holdback-days): append them
    to events.<format>, or move their load-date partitions into events/."""
    from tenant_kpis.generator import append_holdback

    appended = _or_fail(append_holdback, raw_dir)
    click.echo(f"Appended {appended:,} held-back events to {raw_dir}")


@main.command(context_settings=_PASSTHROUGH)
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
def build(dbt_args: tuple[str, ...]) -> None:
    """dbt build, the Python steps, dbt build of what reads them (DBT_ARGS go to dbt)."""
    from tenant_kpis.build import build as run_build

    raise SystemExit(_or_fail(run_build, dbt_args).exit_code)


@main.command("python-steps")
@_target_option("dbt target whose warehouse the steps read and write (default: the profile's).")
def python_steps(target_name: str | None) -> None:
    """Run the Python steps (risk scoring, pilot balance) on the last dbt build's tables."""
    from tenant_kpis.engines.profile import resolve_target
    from tenant_kpis.publish import target_dir
    from tenant_kpis.python_steps.run import run_python_steps

    target = _or_fail(resolve_target, target_name)
    result = _or_fail(run_python_steps, target, target_dir() / "manifest.json")
    click.echo(result.summary())
    click.echo(
        f"Build what reads them with: dbt build --select source:python_steps+ "
        f"--vars '{{python_steps_run: {result.run_id}}}'"
    )


@main.command()
@click.argument("raw_dir", type=click.Path(path_type=Path))
@_target_option("dbt target to load into (default: the profile's, i.e. $TENANT_KPIS_TARGET).")
def load(raw_dir: Path, target_name: str | None) -> None:
    """Load the nine raw files of RAW_DIR into a warehouse target's `raw` schema.

    PostgreSQL: COPY into tables. Spark: text Parquet files that the build's
    external `raw` tables read (README "Spark")."""
    from tenant_kpis.engines.profile import resolve_target
    from tenant_kpis.engines.raw_load import load_raw

    result = _or_fail(load_raw, raw_dir, _or_fail(resolve_target, target_name))
    click.echo(result.summary())


@main.command()
@click.option(
    "--week",
    default=None,
    help="Week start (a Monday, YYYY-MM-DD). Default: the last complete week in the marts.",
)
@click.option(
    "--segment", default=None, help="Segment filter as TYPE=VALUE, e.g. industry=healthcare."
)
@_path_option(
    "--out", "out_path", help="PDF path (default: reports/out/brief_<week>[_<segment>].pdf)."
)
@_path_option(
    "--marts", "marts_path", help="Published marts database (default: $TENANT_KPIS_PUBLISHED_DB)."
)
def brief(
    week: str | None, segment: str | None, out_path: Path | None, marts_path: Path | None
) -> None:
    """Render the weekly executive brief (PDF) from the published marts."""
    from tenant_kpis.brief import render_brief

    written = _or_fail(
        render_brief, week=week, segment=segment, out_path=out_path, marts_path=marts_path
    )
    click.echo(f"Brief written to {written}")


@main.command()
@_path_option("--warehouse", help="Warehouse DuckDB file built by dbt (default: $TENANT_KPIS_DB).")
@_path_option(
    "--out",
    "out_path",
    help="Published DuckDB file (default: $TENANT_KPIS_PUBLISHED_DB or "
    "data/published/marts.duckdb).",
)
@_path_option(
    "--target",
    "target_path",
    help="dbt target directory with manifest.json (default: $DBT_TARGET_PATH or target/).",
)
@_path_option(
    "--parquet-dir",
    help="Also write one Parquet file per mart under DIR/versions/ and swap DIR/current to it.",
)
@click.option(
    "--accept-anomalies",
    is_flag=True,
    help="Publish even when quarantine shares or staged volumes break the thresholds of "
    "seed publication_thresholds; build_info records what was overridden.",
)
def publish(
    warehouse: Path | None,
    out_path: Path | None,
    target_path: Path | None,
    parquet_dir: Path | None,
    accept_anomalies: bool,
) -> None:
    """Publish the public marts of a finished, tested build for BI tools (atomic swap).

    Refused (exit 2, the previous publication stays) when the warehouse's last
    build did not finish or failed, or when its row accounting breaks the
    anomaly thresholds.
    """
    from tenant_kpis.engines.profile import resolve_target
    from tenant_kpis.publish import publish as publish_marts

    target = _or_fail(resolve_target)
    if target.type == "spark":
        # read out of Spark through a local session into the published DuckDB file
        from tenant_kpis.publish_spark import publish_spark

        if warehouse is not None:
            _fail(UserError("--warehouse is a DuckDB file: a Spark build is read via its target"))
        spark_result = _or_fail(
            publish_spark,
            target,
            destination=out_path,
            dbt_target=target_path,
            parquet_dir=parquet_dir,
            accept_anomalies=accept_anomalies,
        )
        click.echo(spark_result.summary())
        return
    if target.type == "postgres":
        # on a database server BI tools read a published schema (publish_postgres.py)
        from tenant_kpis.publish_postgres import publish_postgres

        published = _or_fail(
            publish_postgres, target, dbt_target=target_path, accept_anomalies=accept_anomalies
        )
        click.echo(published.summary())
        return
    result = _or_fail(
        publish_marts,
        warehouse=warehouse,
        destination=out_path,
        dbt_target=target_path,
        parquet_dir=parquet_dir,
        accept_anomalies=accept_anomalies,
    )
    click.echo(result.summary())


@main.command("check-governance")
@_manifest_option
@click.option("--check", "checks", default=None, help="Only these checks (comma-separated).")
def check_governance(manifest_path: Path | None, checks: str | None) -> None:
    """Enforce the conventions of dbt-bouncer.yml (dbt-bouncer) on the manifest."""
    from tenant_kpis.governance import run_governance

    run = _or_fail(
        run_governance, manifest_path.parent if manifest_path else None, checks=checks, capture=True
    )
    click.echo(run.summary())
    if run.code:
        raise UserFacingError("governance: dbt-bouncer found violations (listed above)")


@main.group()
def docs() -> None:
    """Generated documentation pages."""


@docs.command("kpi-reference")
@_manifest_option
@click.option(
    "--out", type=click.Path(path_type=Path), default=None, help="Default: docs/kpi_reference.md."
)
@click.option("--check", is_flag=True, help="Fail (exit 2) when the page is not up to date.")
def kpi_reference(manifest_path: Path | None, out: Path | None, check: bool) -> None:
    """Write docs/kpi_reference.md from seeds/kpi_catalog.csv and the dbt manifest."""
    from tenant_kpis.kpi_reference import write_or_check
    from tenant_kpis.publish import target_dir

    path, current = _or_fail(
        write_or_check, manifest_path or target_dir() / "manifest.json", out, check=check
    )
    if check and not current:
        raise UserFacingError(
            f"{path} is stale: run `tenant-kpis docs kpi-reference` and commit it"
        )
    click.echo(f"{path}: {'up to date' if current else 'written'}")


@main.command(context_settings=_PASSTHROUGH)
@click.argument("mf_args", nargs=-1, type=click.UNPROCESSED)
def mf(mf_args: tuple[str, ...]) -> None:
    """Run MetricFlow (`mf ARGS`) on the semantic manifest of $DBT_TARGET_PATH."""
    from tenant_kpis.semantic import run_mf

    raise SystemExit(_or_fail(run_mf, mf_args))


if __name__ == "__main__":
    main()
