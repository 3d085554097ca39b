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
