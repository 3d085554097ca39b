"""Governance check on dbt's manifest.json.

The public marts are the contract with BI tools and the weekly brief. This
check fails (non-zero exit in the CLI) when a public model loses:

- its enforced contract (`config.contract.enforced: true`);
- its description, or the description or `data_type` of any column;
- its primary-key test: `unique` and `not_null` on one column (the not-null
  part may also be an enforced `not_null`/`primary_key` column constraint),
  or a unique-combination test over several columns.

And, for every model: a description, a group and an access level. Exposures
may only depend on public models (a dashboard must not read private tables).
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tenant_kpis.errors import UserError

ACCESS_LEVELS = frozenset({"public", "protected", "private"})
UNIQUE_COMBINATION_TESTS = frozenset(
    {"unique_combination_of_columns", "unique_combination", "unique_key", "primary_key"}
)


@dataclass(frozen=True, order=True)
class Violation:
    node: str
    rule: str
    detail: str

    def __str__(self) -> str:
        return f"{self.node}: {self.rule}: {self.detail}"


@dataclass
class GovernanceReport:
    models_checked: int = 0
    public_models: list[str] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)

    def summary(self) -> str:
        head = (
            f"Governance: {self.models_checked} models, {len(self.public_models)} public; "
            f"{len(self.violations)} violations"
        )
        return "\n".join([head, *(f"  - {violation}" for violation in sorted(self.violations))])


@dataclass
class _PrimaryKeyEvidence:
    unique_columns: set[str] = field(default_factory=set)
    not_null_columns: set[str] = field(default_factory=set)
    has_combination_test: bool = False


def _is_blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


def _test_name(node: dict[str, Any]) -> str:
    metadata = node.get("test_metadata") or {}
    name = str(metadata.get("name") or "")
    return name.rsplit(".", 1)[-1].lower()


def _tested_model(node: dict[str, Any]) -> str | None:
    attached = node.get("attached_node")
    if attached:
        return str(attached)
    models = [
        unique_id
        for unique_id in node.get("depends_on", {}).get("nodes", [])
        if unique_id.startswith("model.")
    ]
    return models[0] if len(models) == 1 else None


def _primary_key_evidence(manifest: dict[str, Any]) -> dict[str, _PrimaryKeyEvidence]:
    evidence: dict[str, _PrimaryKeyEvidence] = defaultdict(_PrimaryKeyEvidence)
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "test" or not node.get("config", {}).get("enabled", True):
            continue
        model = _tested_model(node)
        if model is None:
            continue
        name = _test_name(node)
        column = node.get("column_name")
        if name == "unique" and column:
            evidence[model].unique_columns.add(str(column).strip('"').lower())
        elif name == "not_null" and column:
            evidence[model].not_null_columns.add(str(column).strip('"').lower())
        elif name in UNIQUE_COMBINATION_TESTS or "unique_combination" in name:
            evidence[model].has_combination_test = True
    for unique_id, node in manifest.get("nodes", {}).items():
        if node.get("resource_type") != "model":
            continue
        for column, spec in node.get("columns", {}).items():
            kinds = {constraint.get("type") for constraint in spec.get("constraints") or []}
            if kinds & {"not_null", "primary_key"}:
                evidence[unique_id].not_null_columns.add(column.lower())
        for constraint in node.get("constraints") or []:
            if constraint.get("type") == "primary_key":
                evidence[unique_id].has_combination_test = True
    return evidence


def _check_public_model(
    unique_id: str, node: dict[str, Any], evidence: _PrimaryKeyEvidence
) -> list[Violation]:
    name = node.get("name", unique_id)
    found = []
    if not (node.get("config", {}).get("contract") or {}).get("enforced"):
        found.append(Violation(name, "contract", "public model without an enforced contract"))
    columns = node.get("columns", {})
    if not columns:
        found.append(Violation(name, "columns", "public model documents no columns"))
    for column, spec in columns.items():
        if _is_blank(spec.get("description")):
            found.append(Violation(name, "column description", f"column {column} has none"))
        if _is_blank(spec.get("data_type")):
            found.append(Violation(name, "column data_type", f"column {column} has none"))
    single_column_key = evidence.unique_columns & evidence.not_null_columns
    if not single_column_key and not evidence.has_combination_test:
        found.append(
            Violation(
                name,
                "primary key test",
                "needs unique + not_null on one column or a unique-combination test",
            )
        )
    return found


def check_manifest(manifest: dict[str, Any]) -> GovernanceReport:
    """Every violation of the project's governance rules in one manifest."""
    report = GovernanceReport()
    nodes = manifest.get("nodes", {})
    evidence = _primary_key_evidence(manifest)
    public_ids: set[str] = set()
    for unique_id, node in sorted(nodes.items()):
        if node.get("resource_type") != "model" or not node.get("config", {}).get("enabled", True):
            continue
        if node.get("package_name") != manifest.get("metadata", {}).get(
            "project_name", node.get("package_name")
        ):
            continue
        report.models_checked += 1
        name = node.get("name", unique_id)
        if _is_blank(node.get("description")):
            report.violations.append(Violation(name, "description", "model has no description"))
        if _is_blank(node.get("group") or node.get("config", {}).get("group")):
            report.violations.append(Violation(name, "group", "model belongs to no group"))
        access = node.get("access") or node.get("config", {}).get("access")
        if access not in ACCESS_LEVELS:
            report.violations.append(Violation(name, "access", f"access is {access!r}"))
        if access == "public":
            public_ids.add(unique_id)
            report.public_models.append(name)
            report.violations.extend(_check_public_model(unique_id, node, evidence[unique_id]))
    for unique_id, exposure in sorted(manifest.get("exposures", {}).items()):
        name = exposure.get("name", unique_id)
        if _is_blank(exposure.get("description")):
            report.violations.append(Violation(name, "exposure description", "has none"))
        for parent in exposure.get("depends_on", {}).get("nodes", []):
            if parent.startswith("model.") and parent not in public_ids:
                report.violations.append(
                    Violation(name, "exposure access", f"depends on non-public {parent}")
                )
    return report


def check_manifest_file(path: Path | None = None) -> GovernanceReport:
    """Read manifest.json (default: the dbt target directory) and check it."""
    if path is None:
        from tenant_kpis.publish import target_dir

        path = target_dir() / "manifest.json"
    if not path.is_file():
        raise UserError(f"dbt manifest not found: {path} (run `dbt parse` first)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise UserError(f"dbt manifest is not readable JSON: {path} ({error})") from error
    if not isinstance(manifest, dict) or "nodes" not in manifest:
        raise UserError(f"{path} is not a dbt manifest (no 'nodes')")
    return check_manifest(manifest)
