"""The dbt target this shell builds, read from the project's profiles.yml.

dbt renders profiles.yml with `env_var()`; this module renders it the same
way (plain Jinja with `env_var` and the `int` filter, which is all the file
uses), so Python tooling connects where `dbt build` would without importing
dbt's internals. The target is `TENANT_KPIS_TARGET` (default `dev`, the
embedded DuckDB file) unless a name is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import yaml

from tenant_kpis import paths
from tenant_kpis.errors import UserError

PROFILE_NAME = "tenant_kpis"


@dataclass(frozen=True)
class Target:
    """One output of the profile: its name, adapter type and rendered settings."""

    name: str
    type: str
    settings: dict[str, Any]

    def postgres_connection_args(self) -> dict[str, Any]:
        """Keyword arguments for psycopg2.connect."""
        if self.type != "postgres":
            raise UserError(f"dbt target '{self.name}' is {self.type}, not postgres")
        return {
            "host": self.settings["host"],
            "port": int(self.settings["port"]),
            "dbname": self.settings["dbname"],
            "user": self.settings["user"],
            "password": self.settings.get("password") or None,
            "sslmode": self.settings.get("sslmode", "prefer"),
            "connect_timeout": int(self.settings.get("connect_timeout", 10)),
            "application_name": "tenant-kpis",
        }

    @property
    def schema(self) -> str:
        """The target schema: where public marts land (`main` on DuckDB)."""
        return str(self.settings.get("schema") or "main")


def _env_var(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise UserError(f"profiles.yml needs the environment variable {name}")
    return value


def _render(value: Any, environment: jinja2.Environment) -> Any:
    if isinstance(value, dict):
        return {key: _render(item, environment) for key, item in value.items()}
    if isinstance(value, list):
        return [_render(item, environment) for item in value]
    if isinstance(value, str) and "{{" in value:
        return environment.from_string(value).render()
    return value


def profiles_dir() -> Path:
    value = os.environ.get("DBT_PROFILES_DIR")
    return Path(value) if value else paths.PROJECT_DIR


def resolve_target(name: str | None = None, directory: Path | None = None) -> Target:
    """The named output of the tenant_kpis profile, or the profile's default target."""
    path = (directory or profiles_dir()) / "profiles.yml"
    try:
        profiles = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise UserError(f"cannot read the dbt profile {path}: {error}") from error
    environment = jinja2.Environment(autoescape=False, undefined=jinja2.StrictUndefined)
    environment.globals["env_var"] = _env_var
    profile = (profiles or {}).get(PROFILE_NAME)
    if not isinstance(profile, dict) or "outputs" not in profile:
        raise UserError(f"{path} has no profile '{PROFILE_NAME}' with outputs")
    target_name = name or str(_render(profile.get("target", "dev"), environment))
    outputs = profile["outputs"]
    if target_name not in outputs:
        raise UserError(
            f"dbt target '{target_name}' is not an output of {path} "
            f"(outputs: {', '.join(sorted(outputs))})"
        )
    settings = _render(outputs[target_name], environment)
    return Target(name=target_name, type=str(settings["type"]), settings=settings)
