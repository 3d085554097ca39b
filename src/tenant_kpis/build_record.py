"""Whether the warehouse holds a finished, fully tested build: the build record.

The project's on-run-start and on-run-end hooks (macros/build_record/) append
one `started` and one `finished` row per dbt command to
`audit.dbt_invocation_log` in the warehouse itself. A command killed mid-way
never writes its `finished` row. Unlike target/run_results.json, which the
next dbt command overwrites, the log keeps the whole history, so a killed
build cannot be hidden by a later `dbt seed`.

A warehouse is publishable when:

1. its log holds a complete `dbt build` (every model, seed, snapshot and
   data test of the project selected) that finished with every selected node
   succeeded, no error and no failed test; and
2. every command recorded after that build that can change relations
   finished, succeeded and was itself a `dbt build` (a partial
   `dbt build -s model` rebuilds and tests what it selects; a `dbt run` or
   `dbt seed` changes relations without testing them), and no `dbt test`
   after it failed. `dbt docs generate` and `dbt source freshness` run the
   hooks too, but neither change nor test the marts: they are ignored.

`tenant-kpis build` runs dbt twice around the Python steps; both phases
record its build id, and are judged here as ONE build whose node counts are
the phases' sums: complete when together they selected the whole project,
and refused (after a complete build too) when a phase is missing.

This module only reads rows and decides: the SQL is the same on every engine
(`INVOCATION_LOG_QUERY`), so each publication backend runs it and passes the
rows in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tenant_kpis.errors import PublishRefused

INVOCATION_LOG_SCHEMA = "audit"
INVOCATION_LOG_TABLE = "dbt_invocation_log"
COUNT_COLUMNS = (
    "nodes_in_project",
    "nodes_selected",
    "nodes_succeeded",
    "nodes_errored",
    "nodes_skipped",
    "models_built",
    "tests_passed",
    "tests_warned",
    "tests_failed",
    "tests_errored",
)
INVOCATION_LOG_COLUMNS = (
    "invocation_id",
    "dbt_command",
    "log_event",
    "started_at",
    "recorded_at",
    "dbt_version",
    *COUNT_COLUMNS,
    "build_id",
)
# Commands that neither change nor test the relations the marts come from:
# their outcome says nothing about the build (`dbt docs generate` runs the
# hooks and "succeeds" no node; a stale source fails `dbt source freshness`).
IGNORED_COMMANDS = frozenset(
    {"generate", "docs", "freshness", "source", "source-freshness", "show", "compile", "list"}
)
# `dbt test` changes nothing, but a failed test is a finding about the data.
# Any other recorded command (run, seed, snapshot, retry, ...) changes relations.
TEST_COMMAND = "test"
KEPT = "The previous publication is kept."


# added after the first logs were written: an older log lacks it until the next
# dbt command's hook adds it
LATER_COLUMNS = ("build_id",)


def new_run_id() -> str:
    """A build id: the phases of one `tenant-kpis build` and its Python steps' run record it."""
    return uuid.uuid4().hex[:16]


def invocation_log_query(relation: str, present_columns: Iterable[str] | None = None) -> str:
    """The portable query a backend runs to read the log (relation already quoted).
    `present_columns`: the log's columns, when the backend knows them; a later
    column an older log lacks is read as null."""
    present = None if present_columns is None else {column.lower() for column in present_columns}
    select = [
        f"null as {column}"
        if present is not None and column in LATER_COLUMNS and column not in present
        else column
        for column in INVOCATION_LOG_COLUMNS
    ]
    return f"select {', '.join(select)} from {relation}"


@dataclass(frozen=True)
class Invocation:
    """One dbt command as the log recorded it; counts are None until it finished."""

    invocation_id: str
    dbt_command: str
    started_at: datetime
    finished_at: datetime | None
    dbt_version: str
    nodes_in_project: int | None = None
    nodes_selected: int | None = None
    nodes_succeeded: int | None = None
    nodes_errored: int | None = None
    nodes_skipped: int | None = None
    models_built: int | None = None
    tests_passed: int | None = None
    tests_warned: int | None = None
    tests_failed: int | None = None
    tests_errored: int | None = None
    # the phases of one `tenant-kpis build` share a build id (None: a plain dbt command)
    build_id: str | None = None
    phases: int = 1

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def succeeded(self) -> bool:
        """Finished, every selected node passed, nothing errored or failed."""
        return (
            self.finished
            and self.nodes_selected is not None
            and self.nodes_succeeded == self.nodes_selected
            and not self.nodes_errored
            and not self.tests_failed
            and not self.tests_errored
        )

    @property
    def complete(self) -> bool:
        """Selected every model, seed, snapshot and data test of the project."""
        return (
            self.nodes_selected is not None
            and self.nodes_in_project is not None
            and self.nodes_selected >= self.nodes_in_project > 0
        )

    @property
    def failed_checks(self) -> bool:
        """Finished with an error or a failed test."""
        return self.finished and bool(self.nodes_errored or self.tests_failed or self.tests_errored)

    @property
    def name(self) -> str:
        started = self.started_at.strftime("%Y-%m-%d %H:%M:%S")
        if self.build_id is not None:
            return (
                f"`tenant-kpis build` {self.build_id} ({self.phases} dbt phase"
                f"{'s' if self.phases != 1 else ''}, last invocation {self.invocation_id}, "
                f"started {started} UTC)"
            )
        return f"`dbt {self.dbt_command}` (invocation {self.invocation_id}, started {started} UTC)"

    def problem(self) -> str | None:
        """Why this command leaves the warehouse unpublishable, or None."""
        if self.dbt_command in IGNORED_COMMANDS:
            return None
        if self.dbt_command == TEST_COMMAND:
            # a killed `dbt test` changed nothing and found nothing
            return self._failure() if self.failed_checks else None
        if not self.finished:
            return f"{self.name} did not finish (killed, or stopped by an error before its end)"
        if not self.succeeded:
            return self._failure()
        if self.dbt_command != "build":
            return f"{self.name} changed the warehouse without testing it"
        if self.build_id is not None and not self.complete:
            # its dbt phases together select the whole project: a missing one
            # means the build stopped between them (a failed Python step)
            return (
                f"{self.name} did not run all its phases: they selected {self.nodes_selected} "
                f"of the project's {self.nodes_in_project} nodes"
            )
        return None

    def _failure(self) -> str:
        return (
            f"{self.name} failed: {self.nodes_succeeded or 0} of {self.nodes_selected or 0} "
            f"selected nodes succeeded, {self.nodes_errored or 0} errors, "
            f"{self.tests_failed or 0} failed tests"
        )


@dataclass(frozen=True)
class BuildRecord:
    """What a publication is built from."""

    latest_build: Invocation
    complete_build: Invocation


def invocations_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[Invocation]:
    """Pair each invocation's `started` and `finished` rows, oldest first."""
    invocations = _invocations(rows)
    return _join_build_phases(invocations)


def _invocations(rows: Iterable[Mapping[str, Any]]) -> list[Invocation]:
    started: dict[str, Mapping[str, Any]] = {}
    finished: dict[str, Mapping[str, Any]] = {}
    for row in rows:
        target = finished if row["log_event"] == "finished" else started
        target[str(row["invocation_id"])] = row
    invocations = []
    for invocation_id in started.keys() | finished.keys():
        end = finished.get(invocation_id)
        # a `finished` row without its `started` row: the start hook failed
        start = started.get(invocation_id) or finished[invocation_id]
        counts = {
            column: None if end is None or end[column] is None else int(end[column])
            for column in COUNT_COLUMNS
        }
        invocations.append(
            Invocation(
                invocation_id=invocation_id,
                dbt_command=str(start["dbt_command"]),
                started_at=start["started_at"],
                finished_at=None if end is None else end["recorded_at"],
                dbt_version=str(start["dbt_version"]),
                **counts,
                build_id=_build_id(start),
            )
        )
    return sorted(invocations, key=lambda item: (item.started_at, item.invocation_id))


def _build_id(row: Mapping[str, Any]) -> str | None:
    value = row.get("build_id")  # absent from logs written before it existed
    return str(value) if value not in (None, "") else None


def _join_build_phases(invocations: list[Invocation]) -> list[Invocation]:
    """One invocation per `tenant-kpis build`: its dbt phases (consecutive
    `dbt build`s with one build id) joined, counts summed, as if one command."""
    joined: list[Invocation] = []
    for invocation in invocations:
        previous = joined[-1] if joined else None
        if (
            previous is not None
            and invocation.build_id is not None
            and previous.build_id == invocation.build_id
            and previous.dbt_command == invocation.dbt_command == "build"
        ):
            joined[-1] = _join(previous, invocation)
        else:
            joined.append(invocation)
    return joined


def _join(first: Invocation, second: Invocation) -> Invocation:
    def total(column: str) -> int | None:
        values = (getattr(first, column), getattr(second, column))
        return None if None in values else sum(value for value in values if value is not None)

    counts = {column: total(column) for column in COUNT_COLUMNS if column != "nodes_in_project"}
    in_project = (first.nodes_in_project, second.nodes_in_project)
    return Invocation(
        invocation_id=second.invocation_id,
        dbt_command="build",
        started_at=first.started_at,
        finished_at=second.finished_at if first.finished else None,
        dbt_version=second.dbt_version,
        nodes_in_project=None if None in in_project else max(in_project),
        **counts,
        build_id=first.build_id,
        phases=first.phases + second.phases,
    )


def check_build_record(invocations: list[Invocation], source: str) -> BuildRecord:
    """The build to publish, or PublishRefused with the reason in one line."""
    rerun = "Run `tenant-kpis build` (make build) and publish after it succeeds."
    if not invocations:
        raise PublishRefused(
            f"no build is recorded in {source}: the warehouse was not built by `dbt build` "
            f"with this project's hooks. {rerun} {KEPT}"
        )
    complete_index = None
    for index, invocation in enumerate(invocations):
        if invocation.dbt_command == "build" and invocation.complete and invocation.succeeded:
            complete_index = index
    if complete_index is None:
        builds = [item for item in invocations if item.dbt_command == "build"]
        if not builds:
            raise PublishRefused(f"no `dbt build` is recorded in {source}. {rerun} {KEPT}")
        last = builds[-1]
        reason = last.problem() or (
            f"{last.name} selected {last.nodes_selected} of the project's "
            f"{last.nodes_in_project} nodes, and no complete build precedes it"
        )
        raise PublishRefused(
            f"the warehouse holds no complete, passing build: {reason}. {rerun} {KEPT}"
        )
    complete_build = invocations[complete_index]
    latest_build = complete_build
    for invocation in invocations[complete_index + 1 :]:
        problem = invocation.problem()
        if problem:
            raise PublishRefused(
                f"{problem}, after the last complete build {complete_build.name}. {rerun} {KEPT}"
            )
        if invocation.dbt_command == "build":
            latest_build = invocation
    return BuildRecord(latest_build=latest_build, complete_build=complete_build)
