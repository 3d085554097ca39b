"""The brief says when its publication overrode the anomaly guards.

A publication made with `tenant-kpis publish --accept-anomalies` records the
overridden guards in build_info; an executive reading the brief must see
that its figures passed only by override.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import fixtures_brief as fx
import pypdf

from tenant_kpis.brief import render_brief

QUALITY_PAGE = 7  # page 8, zero-based
OVERRIDDEN = "users: 100.0% of rows quarantined (538 of 538; threshold 50.0%)"


def _quality_page(pdf: Path) -> str:
    return " ".join((pypdf.PdfReader(str(pdf)).pages[QUALITY_PAGE].extract_text() or "").split())


def test_overridden_anomalies_are_stated_on_the_data_quality_page(tmp_path: Path) -> None:
    marts = fx.build(tmp_path / "marts.duckdb")
    with duckdb.connect(str(marts)) as connection:
        connection.execute("alter table build_info add column overridden_anomalies varchar")
        connection.execute("update build_info set overridden_anomalies = ?", [OVERRIDDEN])
    page = _quality_page(render_brief(marts_path=marts, out_path=tmp_path / "brief.pdf"))
    assert f"Published with --accept-anomalies despite: {OVERRIDDEN}." in page


def test_a_publication_without_override_says_nothing_about_it(tmp_path: Path) -> None:
    marts = fx.build(tmp_path / "marts.duckdb")
    page = _quality_page(render_brief(marts_path=marts, out_path=tmp_path / "brief.pdf"))
    assert "accept-anomalies" not in page
