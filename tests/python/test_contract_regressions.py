"""Regression fixtures of the contract tests: minimal feeds that showed a defect.

Each fixture (contract/regressions.py) is built with dbt (only its part of the
DAG) and must pass every contract invariant, setting aside the other open
known defects but not its own. While its defect is open (a key of
`contract.known_defects.OPEN`) the test is xfail(strict=True): it must fail,
on the invariants' assertion (not on a crash of the harness), for that
defect. Deleting the key once the fix is merged
turns it into an ordinary test that must pass.
"""

from __future__ import annotations

import pytest
from contract.build import Workspace
from contract.check import evaluate
from contract.known_defects import OPEN
from contract.regressions import REGRESSIONS, Regression

pytestmark = pytest.mark.slow


def _param(regression: Regression):
    marks = []
    if regression.defect in OPEN:
        # raises=AssertionError: a crash of the harness is not the defect
        marks.append(
            pytest.mark.xfail(
                strict=True, raises=AssertionError, reason=OPEN[regression.defect].summary
            )
        )
    return pytest.param(regression, id=regression.name, marks=marks)


@pytest.mark.parametrize("regression", [_param(r) for r in REGRESSIONS])
def test_regression_feed_meets_the_contract(
    regression: Regression, contract_workspace: Workspace
) -> None:
    others = [defect for key, defect in OPEN.items() if key != regression.defect]
    outcome = evaluate(
        regression.build(), contract_workspace, select=regression.select, defects=others
    )
    assert not outcome.violations, outcome.report()
