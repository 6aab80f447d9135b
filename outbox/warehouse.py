"""Read-only access to the published warehouse, shared by the outbox's writers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb

from forms.month import Month, MonthLike


def month_start(period: MonthLike) -> dt.date:
    """'YYYY-MM' (or a date, a Month) -> the first day of that month."""
    return Month.parse(period).first_day


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not Path(warehouse).is_file():
        raise FileNotFoundError(f"no published warehouse at {warehouse}")
    return duckdb.connect(str(warehouse), read_only=True)


def columns(con, schema: str, table: str) -> set[str]:
    return {
        row[0]
        for row in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = ? and table_name = ?",
            [schema, table],
        ).fetchall()
    }


@dataclass(frozen=True)
class Unit:
    unit_code: str
    unit_name: str
    contact_email: str = ""
    contact_zalo: str = ""


def reporting_units(con, period: dt.date) -> list[Unit]:
    """Reporting units active in the month: not the root, active, and no child active
    then (CONTRACT §10: a node with a child active in M is a group for M).

    Active dates come from marts.dim_unit when it carries them (CONTRACT §6), else from
    staging.stg_reference__units; contacts from the latter's optional columns."""
    dim = columns(con, "marts", "dim_unit")
    staged = columns(con, "staging", "stg_reference__units")
    source = (
        "marts.dim_unit"
        if {"active_from", "active_to"} <= dim
        else ("staging.stg_reference__units")
    )
    root = "level = 'province'" if source == "marts.dim_unit" else "is_root"
    contact = [c if c in staged else f"null as {c}" for c in ("contact_email", "contact_zalo")]
    rows = con.execute(
        f"""
        with units as (
            select unit_code, unit_name, parent_code, {root} as is_root
            from {source}
            where active_from <= ?1 and coalesce(active_to, ?1) >= ?1
        ),
        contacts as (
            select unit_code, {", ".join(contact)} from staging.stg_reference__units
        )
        select u.unit_code, u.unit_name, coalesce(c.contact_email, ''),
               coalesce(c.contact_zalo, '')
        from units u left join contacts c using (unit_code)
        where not u.is_root
          and not exists (select 1 from units child where child.parent_code = u.unit_code)
        order by u.unit_code
        """,
        [period],
    ).fetchall()
    return [Unit(*(str(v).strip() for v in row)) for row in rows]
