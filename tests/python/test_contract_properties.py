"""Property-based contract tests: any feed the raw contract allows builds, and
its marts equal an independent computation of the spec's definitions.

Hypothesis draws whole raw feeds (`contract.strategies.feeds`), each packing a
few independent tenant scenarios, writes them as Parquet / CSV files, runs
`dbt build` and `tenant-kpis publish`, and checks `contract.invariants`.
Violations that are an open known defect (`contract.known_defects.OPEN`) are
reported as Hypothesis events; anything else fails. `make test` runs a fixed,
derandomised budget; `make fuzz` a random one at least 20 times larger, in
parallel lanes, and shrinks a failure to a minimal feed (DEVELOPERS.md,
"Contract property tests").
"""

from __future__ import annotations

from collections import Counter

import pytest
from contract.build import Workspace
from contract.check import Outcome, evaluate
from contract.examples import every_listed_case
from contract.feed import Feed
from contract.known_defects import allows
from contract.profiles import CONTRACT_LANES, CONTRACT_SETTINGS, without_mutation_rounds
from contract.strategies import feeds
from hypothesis import event, given, note
from hypothesis.internal.conjecture.engine import ConjectureRunner

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _fresh_examples_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ConjectureRunner, "generate_mutations_from", without_mutation_rounds)


def _report_excused(outcome: Outcome) -> None:
    for key, count in Counter(defect.key for _, defect in outcome.excused).items():
        event(f"known defect {key}")
        note(f"excused {count} violation(s) as the open known defect {key}")


def test_every_listed_case_meets_the_contract(contract_workspace: Workspace) -> None:
    """The hand-written feed with each case of the legal space issue 10 lists."""
    outcome = evaluate(every_listed_case(), contract_workspace, publish=True)
    assert not outcome.violations, outcome.report()


@pytest.mark.parametrize("lane", range(CONTRACT_LANES))
@CONTRACT_SETTINGS
@given(
    feed=feeds(
        with_bad_rows=True,
        with_implausible_rows=allows("implausible_rows"),
        allow_partitioned_events=allows("partitioned_events"),
        allow_bare_lf_in_crlf_csv=allows("bare_lf_in_crlf_csv"),
    )
)
def test_any_contract_feed_builds_and_matches_the_definitions(
    lane: int, feed: Feed, contract_workspace: Workspace
) -> None:
    outcome = evaluate(feed, contract_workspace, publish=True)
    _report_excused(outcome)
    assert not outcome.violations, outcome.report()
