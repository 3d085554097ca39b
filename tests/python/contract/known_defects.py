"""Defects the contract tests found that are still open, in one place.

Each entry says how to recognise the defect, so the property tests keep
failing on anything else:
- `excuses(violation, feed)`: this violation is the known defect (the test
  reports it as a Hypothesis event and goes on);
- `blocks`: the strategy option that triggers a defect which stops the
  build or corrupts every mart; the property tests leave it out while the
  defect is open.

The regression test of each defect (tests/python/test_contract_regressions.py)
is `xfail(strict=True)` while its key is in `OPEN`. When a fix is merged,
delete its entry here and set its fixture's `defect` to None: the regression
test must then pass, and the property tests explore that part of the
contract again. Fixed so far (their fixtures now pass): issue 10 items 1-4
and 6-8, partitioned events/ deliveries and a bare LF inside a quoted field
of a CRLF-terminated CSV (see contract/regressions.py). None is open now.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from contract.feed import Feed
from contract.invariants import Violation


def _never(violation: Violation, feed: Feed) -> bool:
    return False


@dataclass(frozen=True)
class KnownDefect:
    key: str
    summary: str
    excuses: Callable[[Violation, Feed], bool] = _never
    blocks: str | None = None


DEFECTS: tuple[KnownDefect, ...] = ()

OPEN: dict[str, KnownDefect] = {defect.key: defect for defect in DEFECTS}


def is_open(key: str) -> bool:
    return key in OPEN


def allows(option: str) -> bool:
    """A strategy option is drawn only when no open defect blocks it."""
    return not any(defect.blocks == option for defect in OPEN.values())
