"""marts.fct_indicator_pace and marts.fct_unit_rankings on the shipped sample.

The arithmetic's edge cases are pinned by the dbt unit tests in
dbt_project/models/marts/_marts__pace_rank__models.yml (they run in every build); here
the marts of the session's sample run are checked against the published figures, against
a plain-Python reading of the rules in docs/reports.md (independent of the SQL), and
against what the report prints.
"""

import math
import re
from collections import defaultdict

import duckdb
import pytest
from test_reports_support import sample_run_once

from reports.vi_collate import vi_sort_key

pytestmark = pytest.mark.slow

KEY = ("unit_code", "as_of", "indicator_code", "window_start", "window_end")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    """The session's one run of the shipped sample (shared with the report tests)."""
    warehouse = sample_run_once(tmp_path_factory).warehouse
    with duckdb.connect(str(warehouse), read_only=True) as con:
        yield con


def dicts(con, sql, params=()):
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def test_one_row_per_progress_row_for_every_as_of_month(con):
    keys = ", ".join(KEY)
    progress = set(con.execute(f"select {keys} from marts.fct_indicator_progress").fetchall())
    pace = set(con.execute(f"select {keys} from marts.fct_indicator_pace").fetchall())
    assert pace == progress
    units = set(
        con.execute(
            f"select {', '.join('p.' + k for k in KEY)} from marts.fct_indicator_progress p "
            "join marts.dim_unit u on u.unit_code = p.unit_code and u.level = 'unit'"
        ).fetchall()
    )
    ranked = set(con.execute(f"select {keys} from marts.fct_unit_rankings").fetchall())
    assert ranked == units
    months = {row[1] for row in progress}
    assert len(months) >= 4  # January..April 2024, not only the run's month


def test_published_figures_pace(con):
    rows = {
        (r["indicator_code"], f"{r['window_end']:%Y-%m}"): r
        for r in dicts(
            con,
            """
            select x.* from marts.fct_indicator_pace x
            join marts.dim_unit u on u.unit_code = x.unit_code and u.level = 'province'
            where x.as_of = date '2024-04-01'
            """,
        )
    }
    ct3 = rows[("CT3", "2024-12")]
    assert (ct3["months_total"], ct3["months_elapsed"], ct3["months_remaining"]) == (12, 4, 8)
    assert ct3["needed_per_month"] == 5568  # 44.542 / 8 = 5.567,75, rounded up
    assert ct3["current_per_month"] == 21458 / 4
    assert ct3["shortfall"] == 66000 - 21458
    assert (ct3["target_reached"], ct3["on_track"], ct3["status"]) == (False, False, "behind")
    ct8 = rows[("CT8", "2024-06")]
    assert (ct8["months_remaining"], ct8["needed_per_month"]) == (2, 92446)
    assert ct8["status"] == "far_behind"
    ct2 = rows[("CT2", "2024-12")]
    assert ct2["status"] == "done" and ct2["needed_per_month"] is None
    assert ct2["months_remaining"] is None  # rates have no pace
    assert rows[("CT5", "2027-12")]["status"] == "on_track"  # baseline included


def reference_pace(row):
    """docs/reports.md 'On track or not', read in plain Python."""
    total = (row["window_end"].year - row["window_start"].year) * 12 + (
        row["window_end"].month - row["window_start"].month + 1
    )
    elapsed = (row["as_of"].year - row["window_start"].year) * 12 + (
        row["as_of"].month - row["window_start"].month + 1
    )
    target, achieved = row["target_value"], row["numerator"]
    result = {"months_total": total, "months_elapsed": elapsed}
    if row["actual_value"] is None:
        status = "no_data"
    elif not target:
        status = "no_target"
    elif row["target_kind"] == "rate":
        actual = row["actual_value"]
        status = (
            "done" if actual >= target else "behind" if actual >= 0.75 * target else "far_behind"
        )
    else:
        left = total - elapsed
        reached = achieved >= target
        on_track = achieved * total >= target * elapsed  # achieved share >= time share
        result.update(
            months_remaining=left,
            target_reached=reached,
            on_track=on_track,
            needed_per_month=None if reached or not left else math.ceil((target - achieved) / left),
            shortfall=None if reached else target - achieved,
        )
        share = 100 * achieved / target
        status = (
            "done"
            if reached
            else "on_track"
            if on_track
            else "behind"
            if share >= 0.75 * 100 * elapsed / total
            else "far_behind"
        )
    result["status"] = status
    return result


def test_pace_agrees_with_the_rule_read_in_python(con):
    rows = dicts(
        con,
        """
        select p.*, i.target_kind, x.months_total, x.months_elapsed, x.months_remaining,
               x.target_reached, x.on_track, x.needed_per_month, x.shortfall, x.status
        from marts.fct_indicator_progress p
        join marts.dim_indicator i using (indicator_code)
        join marts.fct_indicator_pace x using (unit_code, as_of, indicator_code, window_start,
                                               window_end)
        """,
    )
    statuses = set()
    for row in rows:
        expected = reference_pace(row)
        got = {name: row[name] for name in expected}
        assert got == expected, {k: row[k] for k in KEY}
        statuses.add(row["status"])
    assert {"done", "behind", "far_behind", "no_target"} <= statuses


def quarter_before(as_of):
    """The last month of the previous quarter, read from the calendar in Python."""
    first_of_quarter = as_of.replace(month=(as_of.month - 1) // 3 * 3 + 1)
    if first_of_quarter.month == 1:
        return first_of_quarter.replace(year=first_of_quarter.year - 1, month=12)
    return first_of_quarter.replace(month=first_of_quarter.month - 1)


def test_growth_on_the_previous_quarter_is_the_progress_rows_ratio(con):
    """Every pace row's growth against the progress row of the same scope, indicator and
    window at the end of the previous quarter, looked up in Python; the published CT7
    sentence's figure (10.152 on 8.360: +21,4 %) among them."""
    progress = {
        tuple(r[k] for k in KEY): r["numerator"]
        for r in dicts(con, "select * from marts.fct_indicator_progress")
    }
    rows = dicts(con, "select * from marts.fct_indicator_pace")
    with_growth = 0
    for row in rows:
        quarter_end = quarter_before(row["as_of"])
        assert row["previous_quarter_as_of"] == quarter_end
        earlier = progress.get(
            (row["unit_code"], quarter_end, *(row[k] for k in KEY[2:]))
        )
        assert row["previous_quarter_numerator"] == earlier, {k: row[k] for k in KEY}
        now = progress[tuple(row[k] for k in KEY)]
        if earlier:
            expected = 100 * (now / earlier - 1)
            assert math.isclose(row["growth_on_previous_quarter_pct"], expected, rel_tol=1e-12)
            with_growth += 1
        else:
            assert row["growth_on_previous_quarter_pct"] is None
    assert 0 < with_growth < len(rows)  # April's rows have March's; January's none
    (ct7,) = dicts(
        con,
        """
        select x.* from marts.fct_indicator_pace x join marts.dim_unit u using (unit_code)
        where u.level = 'province' and x.indicator_code = 'CT7' and x.as_of = '2024-04-01'
        """,
    )
    assert ct7["previous_quarter_numerator"] == 8360
    assert math.floor(ct7["growth_on_previous_quarter_pct"]) == 21


def test_dim_indicator_names_each_indicators_unit(con):
    sql = "select indicator_code, unit_of_measure from marts.dim_indicator"
    units = dict(con.execute(sql).fetchall())
    assert units == {
        "CT1": "%", "CT2": "%", "CT3": "hồ sơ", "CT4": "tin, bài", "CT5": "hộ gia đình",
        "CT6": "công dân", "CT7": "công dân", "CT8": "tài khoản",
    }  # fmt: skip


def test_ranks_are_competition_ranks_of_the_reporting_units(con):
    rows = dicts(con, "select * from marts.fct_unit_rankings")
    partitions = defaultdict(list)
    for row in rows:
        partitions[(row["as_of"], row["indicator_code"], row["window_start"])].append(row)
    for members in partitions.values():
        ranked = [r for r in members if r["reported"] and r["actual_value"] is not None]
        assert {r["unit_code"] for r in members if r["rank"] is not None} == {
            r["unit_code"] for r in ranked
        }

        def key(r):
            with_target = r["achievement_pct"] is not None
            return (with_target, r["achievement_pct"] if with_target else r["actual_value"])

        for row in ranked:
            better = sum(1 for other in ranked if key(other) > key(row))
            assert row["rank"] == better + 1
            assert row["units_ranked"] == len(ranked)
    # DKCQ leaves households_vneid empty: not ranked on CT5, its 0 is not a result.
    dkcq = [r for r in rows if r["unit_code"] == "DKCQ" and r["indicator_code"] == "CT5"]
    assert dkcq and all(r["rank"] is None and not r["reported"] for r in dkcq)


def test_the_report_prints_the_marts_pace_and_ranks(tmp_path_factory, con):
    ws = sample_run_once(tmp_path_factory)
    markdown = (ws.output / "2024-04" / "bao_cao_2024-04.md").read_text(encoding="utf-8")
    # The pace sentence (reports/wording.py): needed per month, the average so far.
    assert "Chỉ tiêu 3: 5.568 hồ sơ (bình quân 4 tháng qua: 5.365)" in markdown
    assert "Các chỉ tiêu 3, 4, 5, 6, 7 chưa đạt tiến độ." in markdown
    page = (ws.output / "2024-04" / "bao_cao_2024-04.html").read_text(encoding="utf-8")
    tables = re.findall(
        r"<table class='unit-table' data-indicator='(CT\d)'>(.*?)</table>", page, re.S
    )
    assert len(tables) == 8
    for code, body in tables:
        shown = re.findall(r"<tr data-unit='([^']+)'><td class='num rank'>([^<]+)</td>", body)
        rows = con.execute(
            """
            select r.unit_code, coalesce(r.rank::varchar, '—'), r.rank, u.unit_name
            from marts.fct_unit_rankings r join marts.dim_unit u using (unit_code)
            where r.as_of = date '2024-04-01' and r.indicator_code = ?
              and r.window_end = (select min(window_end) from marts.fct_unit_rankings
                                  where as_of = date '2024-04-01' and indicator_code = ?)
            """,
            [code, code],
        ).fetchall()
        # By rank; ties and unranked units in Vietnamese alphabetical order (issue #17).
        rows.sort(key=lambda r: (r[2] is None, r[2] or 0, vi_sort_key(r[3])))
        expected = [(unit, rank) for unit, rank, _, _ in rows]
        assert shown == expected, code
