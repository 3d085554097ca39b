"""Build a feed and check every invariant, setting aside the open known defects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from contract.build import BuildResult, Workspace
from contract.definitions import Expected, expected
from contract.feed import Feed
from contract.invariants import Violation, check_all
from contract.known_defects import OPEN, KnownDefect
from contract.validate import stage


@dataclass
class Outcome:
    result: BuildResult
    expected: Expected
    violations: list[Violation] = field(default_factory=list)
    excused: list[tuple[Violation, KnownDefect]] = field(default_factory=list)

    def report(self, limit: int = 40) -> str:
        lines = [str(v) for v in self.violations[:limit]]
        if len(self.violations) > limit:
            lines.append(f"... and {len(self.violations) - limit} more")
        if self.result.failed_nodes or self.result.returncode:
            lines.append(f"dbt build exit {self.result.returncode}; output tail:")
            lines.append(self.result.output[-2500:])
        return "\n".join(lines)


def evaluate(
    feed: Feed,
    workspace: Workspace,
    select: tuple[str, ...] = (),
    publish: bool = False,
    defects: Iterable[KnownDefect] | None = None,
) -> Outcome:
    """dbt build the feed (and publish), compare with the independent computation.

    Violations recognised as one of `defects` (default: every open known
    defect) are set aside in `excused`; the rest are `violations`.
    """
    defects = tuple(OPEN.values() if defects is None else defects)
    result = workspace.build(feed, select=select, publish=publish)
    outcome = Outcome(result=result, expected=expected(stage(feed)))
    for violation in check_all(result, outcome.expected):
        defect = next((d for d in defects if d.excuses(violation, feed)), None)
        if defect is None:
            outcome.violations.append(violation)
        else:
            outcome.excused.append((violation, defect))
    return outcome
