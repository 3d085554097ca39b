"""The `tenant-kpis` command line: a thin layer over the package's modules.

Each command parses its options and calls one function; a user's mistake is
reported as a one-line error (exit code 2), never as a stack trace.
"""

from __future__ import annotations

from pathlib import Path

import click

from tenant_kpis.errors import UserError


def _fail(error: UserError) -> None:
    raise click.ClickException(str(error)) from error


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="tenant-kpis")
def main() -> None:
    """Tenant autonomy and onboarding KPIs: data generator and weekly brief."""


@main.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), required=True,
              help="Directory to write the nine raw tables and _truth.json into.")
@click.option("--tenants", type=click.IntRange(min=1), default=200, show_default=True,
              help="Number of tenants (customer accounts).")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option("--years", type=click.FloatRange(min=0.25), default=2.5, show_default=True,
              help="Years of history ending at the as-of date.")
@click.option("--dirty", type=click.FloatRange(min=0.0, max=0.5), default=0.0,
              show_default=True, help="Share of rows to corrupt with contract violations.")
@click.option("--format", "file_format", type=click.Choice(["parquet", "csv"]),
              default="parquet", show_default=True, help="File format of the raw tables.")
@click.option("--events-per-user-day", type=click.FloatRange(min=0.01), default=None,
              help="Scale event volume (default: realistic activity).")
@click.option("--quiet", is_flag=True, help="No progress output.")
def generate(out_dir: Path, tenants: int, seed: int, years: float, dirty: float,
             file_format: str, events_per_user_day: float | None, quiet: bool) -> None:
    """Write a synthetic raw dataset that follows the raw data contract."""
    from tenant_kpis.generator import GeneratorConfig, generate_dataset

    try:
        config = GeneratorConfig(
            tenants=tenants, seed=seed, years=years, dirty_rate=dirty,
            file_format=file_format, events_per_user_day=events_per_user_day,
        )
        summary = generate_dataset(config, out_dir, progress=not quiet)
    except UserError as error:
        _fail(error)
    click.echo(summary)


@main.command()
@click.option("--week", default=None, help="Week start (a Monday, YYYY-MM-DD). "
              "Default: the last complete week in the marts.")
@click.option("--segment", default=None,
              help="Segment filter as TYPE=VALUE, e.g. industry=healthcare.")
@click.option("--out", "out_path", type=click.Path(path_type=Path), default=None,
              help="PDF path (default: reports/out/brief_<week>[_<segment>].pdf).")
@click.option("--marts", "marts_path", type=click.Path(path_type=Path), default=None,
              help="Published marts database (default: $TENANT_KPIS_PUBLISHED_DB).")
def brief(week: str | None, segment: str | None, out_path: Path | None,
          marts_path: Path | None) -> None:
    """Render the weekly executive brief (PDF) from the published marts."""
    from tenant_kpis.brief import render_brief

    try:
        written = render_brief(week=week, segment=segment, out_path=out_path,
                               marts_path=marts_path)
    except UserError as error:
        _fail(error)
    click.echo(f"Brief written to {written}")


if __name__ == "__main__":
    main()
