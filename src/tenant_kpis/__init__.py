"""tenant-kpis: tenant autonomy and onboarding KPIs on dbt + DuckDB."""

__version__ = "0.2.0"
