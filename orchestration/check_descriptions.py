"""A Vietnamese description for every dbt test shown as a Dagster asset check: what it
checks and what to do when it fails (issue #18: the data team reads these in the UI).

Singular tests carry their own (`meta.description` in dbt_project/tests/*.yml); generic
tests (not_null, unique, ...) get one from their kind and arguments, so a new column test
needs no text of its own."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

BLOCKING = "Chặn công bố: khi không đạt, kho đã công bố giữ nguyên."
ADVISORY = "Chỉ cảnh báo: không chặn công bố."
REMEDY = (
    "Khi không đạt: xem các dòng vi phạm (dbt) trong nhật ký lần chạy; nếu do danh mục "
    "(units.csv, targets.csv …) thì sửa danh mục, nếu không thì báo nhóm kỹ thuật."
)


def _model(test: Mapping[str, Any]) -> str:
    kwargs = (test.get("test_metadata") or {}).get("kwargs") or {}
    found = re.search(r"ref\('([^']+)'\)", str(kwargs.get("model", "")))
    return found.group(1) if found else ""


def _what(test: Mapping[str, Any]) -> str:
    metadata = test.get("test_metadata") or {}
    kind, kwargs = metadata.get("name"), metadata.get("kwargs") or {}
    column = kwargs.get("column_name") or test.get("column_name") or ""
    if kind == "not_null":
        return f"cột {column} không được trống"
    if kind == "unique":
        return f"mỗi giá trị của cột {column} chỉ xuất hiện một lần"
    if kind == "accepted_values":
        values = ", ".join(str(v) for v in kwargs.get("values") or [])
        return f"cột {column} chỉ nhận các giá trị: {values}"
    if kind == "relationships":
        target = re.sub(r"ref\('([^']+)'\)", r"\1", str(kwargs.get("to", "")))
        return f"mỗi {column} phải có trong {target}.{kwargs.get('field', '')}"
    if kind == "not_negative":
        return f"cột {column} không được âm"
    if kind == "integer_typed":
        return f"cột {column} phải là kiểu số nguyên"
    if kind == "value_between":
        return (
            f"cột {column} phải nằm trong khoảng {kwargs.get('min_value')}"
            f"–{kwargs.get('max_value')}"
        )
    if kind == "unique_combination":
        return "mỗi tổ hợp (" + ", ".join(kwargs.get("columns") or []) + ") chỉ có một dòng"
    return f"kiểm tra {test.get('name', '')}"


def check_description(test: Mapping[str, Any]) -> str:
    """The check's text: its own `meta.description` when it has one, else generated."""
    meta = (test.get("config") or {}).get("meta") or test.get("meta") or {}
    own = (meta.get("description") or "").strip()
    if own:
        return own
    model = _model(test)
    severity = ((test.get("config") or {}).get("severity") or "error").lower()
    first = f"{model}: {_what(test)}." if model else f"{_what(test)}."
    # The first line is what `dean5299 run` prints when the check fails.
    return f"{first} {BLOCKING if severity == 'error' else ADVISORY}\n\n{REMEDY}"
