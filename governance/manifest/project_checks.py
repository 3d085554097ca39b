"""The project's own dbt-bouncer checks: the few rules dbt-bouncer does not ship.

dbt-bouncer (configured in `dbt-bouncer.yml`) enforces the conventions; this
module adds only what none of its checks expresses. dbt-bouncer loads it from
`custom_checks_dir` (the folder name `manifest/` is the check category); each
check is configured in `dbt-bouncer.yml` like a built-in one (include,
exclude, selector, severity) and has a failing case in
tests/python/test_governance.py.

- `check_model_max_parents`: dbt-project-evaluator's "too many joins" rule
  counts every direct parent (models, seeds, sources, snapshots);
  dbt-bouncer's `check_model_max_upstream_dependencies` counts models and
  sources separately and ignores seeds, so a model joining 3 models and 5
  seeds would pass it.
- `check_model_primary_key_not_null`: dbt-bouncer's `check_model_has_unique_test`
  accepts a `unique` test on a nullable column, and `unique` skips nulls: the
  key must also be declared not null (or be tested by a combination test).
- `check_model_has_group`: no dbt-bouncer check reads a model's group.
- `check_doc_block_names` and `check_doc_blocks_used`: dbt-bouncer has no
  check over `{% docs %}` blocks at all.
- `check_column_descriptions_consistent`: dbt-bouncer's
  `check_column_descriptions_are_consistent` reports every conflicting column
  name of the project as one finding, so it cannot list the few names that
  legitimately mean two things; this one takes them as `exclude_names`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from dbt_bouncer.check_framework.decorator import check, fail

#: Resource types that count as a model's parent in dbt-project-evaluator.
PARENT_PREFIXES = ("model.", "seed.", "source.", "snapshot.")
#: Ways a column is declared not null: tests and contract constraints.
NOT_NULL_TESTS = frozenset({"not_null", "not_null_columns"})
NOT_NULL_CONSTRAINTS = frozenset({"not_null", "primary_key"})


def _model_name(unique_id: str) -> str:
    return unique_id.rsplit(".", 1)[-1]


def _parents(model: Any) -> list[str]:
    depends_on = getattr(model, "depends_on", None)
    nodes: Iterable[str] = getattr(depends_on, "nodes", None) or []
    return sorted({node for node in nodes if node.startswith(PARENT_PREFIXES)})


@check
def check_model_max_parents(model: Any, *, max_parents: int = 6) -> None:
    """A model may read at most `max_parents` direct parents (models, seeds, sources)."""
    parents = _parents(model)
    if len(parents) > max_parents:
        listed = ", ".join(_model_name(parent) for parent in parents)
        fail(
            f"`{model.name}` has {len(parents)} direct parents, more than {max_parents}: "
            f"{listed}. Split it into focused models."
        )


def _test_name(test: Any) -> str:
    metadata = getattr(test, "test_metadata", None)
    return str(getattr(metadata, "name", None) or "")


def _test_kwargs(test: Any) -> dict[str, Any]:
    metadata = getattr(test, "test_metadata", None)
    return dict(getattr(metadata, "kwargs", None) or {})


def _clean(column: str) -> str:
    return column.strip().strip('"').lower()


def _not_null_columns(model: Any, tests: Iterable[Any]) -> set[str]:
    declared: set[str] = set()
    for name, column in (getattr(model, "columns", None) or {}).items():
        kinds = {constraint.get("type") for constraint in column.get("constraints") or []}
        if kinds & NOT_NULL_CONSTRAINTS:
            declared.add(_clean(name))
    for test in tests:
        if _test_name(test) == "not_null" and getattr(test, "column_name", None):
            declared.add(_clean(test.column_name))
        elif _test_name(test) == "not_null_columns":
            declared.update(_clean(column) for column in _test_kwargs(test).get("column_names", []))
    return declared


@check
def check_model_primary_key_not_null(model: Any, ctx: Any) -> None:
    """A model's key is tested whole: a combination test, or `unique` on a not-null column.

    `unique_combination_of_columns` groups rows, so a null is a value and a
    duplicate with nulls is caught; `unique` skips nulls, so on its own it
    lets any number of rows without a key through.
    """
    tests = ctx.tests_by_attached_node.get(model.unique_id, [])
    if any(_test_name(test) == "unique_combination_of_columns" for test in tests):
        return
    unique_columns = {
        _clean(test.column_name)
        for test in tests
        if _test_name(test) == "unique" and getattr(test, "column_name", None)
    }
    if not unique_columns:
        fail(f"`{model.name}` has no `unique` or `unique_combination_of_columns` test.")
    if not unique_columns & _not_null_columns(model, tests):
        fail(
            f"`{model.name}`: key column(s) {', '.join(sorted(unique_columns))} tested `unique` "
            "but not declared not null (add a not_null test or constraint)."
        )


@check
def check_model_has_group(model: Any) -> None:
    """Every model belongs to a group (its owning team)."""
    config = getattr(model, "config", None)
    group = getattr(model, "group", None) or getattr(config, "group", None)
    if not group:
        fail(f"`{model.name}` belongs to no group.")


def _project_docs(ctx: Any) -> list[Any]:
    manifest = ctx.manifest_obj.manifest
    project = manifest.metadata.project_name
    docs = manifest.docs or {}
    return [doc for doc in docs.values() if doc.package_name == project]


def _excluded(path: str, patterns: list[str]) -> bool:
    return any(re.match(pattern, path) for pattern in patterns)


@check
def check_doc_block_names(
    ctx: Any, *, doc_block_name_pattern: str, exclude_paths: list[str] | None = None
) -> None:
    """Doc block names match `doc_block_name_pattern` (e.g. no abbreviated prefix)."""
    pattern = re.compile(doc_block_name_pattern)
    bad = sorted(
        doc.name
        for doc in _project_docs(ctx)
        if not pattern.match(doc.name)
        and not _excluded(doc.original_file_path, exclude_paths or [])
    )
    if bad:
        fail(f"doc blocks not matching `{doc_block_name_pattern}`: {', '.join(bad)}")


def _used_doc_blocks(manifest: Any) -> set[str]:
    """unique_ids of doc blocks referenced by any node, column, source or exposure."""
    used: set[str] = set()
    for collection in ("nodes", "sources", "exposures", "macros", "semantic_models", "metrics"):
        for resource in (manifest.get(collection) or {}).values():
            used.update(resource.get("doc_blocks") or [])
            for column in (resource.get("columns") or {}).values():
                used.update(column.get("doc_blocks") or [])
    return used


@check
def check_doc_blocks_used(ctx: Any, *, exclude_names: list[str] | None = None) -> None:
    """Every doc block is referenced somewhere; an unused one is a second, drifting copy."""
    used = _used_doc_blocks(ctx.manifest_obj.manifest)
    unused = sorted(
        doc.name
        for doc in _project_docs(ctx)
        if doc.unique_id not in used and doc.name not in (exclude_names or [])
    )
    if unused:
        fail(f"doc blocks referenced nowhere: {', '.join(unused)}")


@check
def check_column_descriptions_consistent(
    ctx: Any, *, exclude_names: list[str] | None = None
) -> None:
    """One description per column name across the project's models (one doc block per concept)."""
    descriptions: dict[str, dict[str, list[str]]] = {}
    for model in ctx.models:
        for name, column in (getattr(model, "columns", None) or {}).items():
            text = (getattr(column, "description", "") or "").strip()
            if text and name not in (exclude_names or []):
                descriptions.setdefault(name, {}).setdefault(text, []).append(model.name)
    conflicts = {name: texts for name, texts in descriptions.items() if len(texts) > 1}
    if conflicts:
        listed = "; ".join(
            f"{name} ({len(texts)} descriptions: "
            + " vs ".join(", ".join(sorted(models)) for models in texts.values())
            + ")"
            for name, texts in sorted(conflicts.items())
        )
        fail(f"columns described differently across models: {listed}. Use one doc block.")
