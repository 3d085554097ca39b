"""Where things live, overridable by environment variables (see README)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]


def _env_path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value) if value else default


def raw_dir() -> Path:
    return _env_path("TENANT_KPIS_RAW_DIR", PROJECT_DIR / "data" / "raw")


def warehouse_db() -> Path:
    return _env_path("TENANT_KPIS_DB", PROJECT_DIR / "data" / "tenant_kpis.duckdb")


def published_db() -> Path:
    return _env_path(
        "TENANT_KPIS_PUBLISHED_DB", PROJECT_DIR / "data" / "published" / "marts.duckdb"
    )


def reports_dir() -> Path:
    return _env_path("TENANT_KPIS_REPORTS_DIR", PROJECT_DIR / "reports" / "out")


# what a build's result depends on besides its raw feed and its settings
BUILD_SOURCE_DIRS = (
    "models",
    "macros",
    "seeds",
    "src/tenant_kpis/generator",
    "src/tenant_kpis/python_steps",
)


def newest_build_source_mtime() -> float:
    """Newest modification time of anything that changes what a build produces:
    a build older than it is stale (the test suite's shared build, an engine
    comparison's reused DuckDB side)."""
    newest = (PROJECT_DIR / "dbt_project.yml").stat().st_mtime
    for directory in BUILD_SOURCE_DIRS:
        for path in (PROJECT_DIR / directory).rglob("*"):
            if path.is_file():
                newest = max(newest, path.stat().st_mtime)
    return newest
