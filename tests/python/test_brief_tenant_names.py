"""A very long tenant name must not hide its row (or the rows after it) in the brief.

Tenant names are free text in the raw contract. The health-and-risk tables
wrap them; before they were capped, a legal name of a few hundred characters
made its row taller than the table's room, and the row vanished into
"+ n more not shown" together with every row after it.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import fixtures_brief as fx
import pypdf
import pytest

from tenant_kpis.brief import render_brief
from tenant_kpis.brief.fmt import wrap

HEALTH_PAGE = 4  # page 5, zero-based
LONG_SUFFIX = " — Holdings and Regulated Financial Services Group International" * 6
UNBROKEN_SUFFIX = "-" + "X" * 300


def _page_text(pdf: Path, index: int) -> str:
    return " ".join((pypdf.PdfReader(str(pdf)).pages[index].extract_text() or "").split())


def _names(marts: Path) -> list[str]:
    with duckdb.connect(str(marts), read_only=True) as connection:
        rows = connection.execute("select tenant_name from dim_tenants").fetchall()
    return [row[0] for row in rows]


def _lengthen_names(marts: Path, suffix: str) -> None:
    with duckdb.connect(str(marts)) as connection:
        connection.execute("update dim_tenants set tenant_name = tenant_name || ?", [suffix])


@pytest.fixture(scope="module")
def short_names(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[str], str]:
    """The fixture's tenant names and the health page they give."""
    directory = tmp_path_factory.mktemp("short_names")
    marts = fx.build(directory / "marts.duckdb")
    pdf = render_brief(marts_path=marts, out_path=directory / "brief.pdf")
    return _names(marts), _page_text(pdf, HEALTH_PAGE)


@pytest.mark.parametrize("suffix", [LONG_SUFFIX, UNBROKEN_SUFFIX], ids=["words", "one-word"])
def test_long_tenant_names_keep_every_row_on_the_health_page(
    tmp_path: Path, short_names: tuple[list[str], str], suffix: str
) -> None:
    names, short_page = short_names
    long_marts = fx.build(tmp_path / "long.duckdb")
    _lengthen_names(long_marts, suffix)
    long_pdf = render_brief(marts_path=long_marts, out_path=tmp_path / "long.pdf")
    long_page = _page_text(long_pdf, HEALTH_PAGE)

    shown = {name for name in names if name in short_page}
    assert "Fina Tenant 039 Ltd" in shown  # the lowest renewal probability of the fixture
    # every tenant listed with its short name is listed with its long one, ellipsised
    assert {name for name in names if name in long_page} == shown
    assert long_page.count("…") >= len(shown)
    assert suffix.strip()[:300] not in long_page
    # and no row more is cut off than with short names
    cut_off = re.compile(r"\+ (\d+) more not shown")
    assert cut_off.findall(long_page) == cut_off.findall(short_page)


def test_wrap_keeps_at_most_max_lines_and_marks_the_cut() -> None:
    text = "Alpha Beta Gamma Delta Epsilon Zeta Eta Theta"
    assert wrap(text, 11) == ["Alpha Beta", "Gamma Delta", "Epsilon", "Zeta Eta", "Theta"]
    assert wrap(text, 11, max_lines=2) == ["Alpha Beta", "Gamma Delt…"]
    assert wrap(text, 11, max_lines=5) == wrap(text, 11)
    assert wrap("X" * 30, 10, max_lines=1) == ["XXXXXXXXX…"]
