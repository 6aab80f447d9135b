"""The descriptions generated for generic dbt tests (orchestration/check_descriptions.py):
each kind says what it checks in Vietnamese, with its column and arguments. That every
asset check has a description at all is tests/test_definitions.py's."""

import pytest

from orchestration.check_descriptions import BLOCKING, check_description


def generic(kind: str, column: str, model: str = "fct_file_ingestion", **kwargs) -> dict:
    return {
        "name": f"{kind}_{model}_{column}",
        "test_metadata": {
            "name": kind,
            "kwargs": {
                "column_name": column,
                "model": f"{{{{ get_where_subquery(ref('{model}')) }}}}",
                **kwargs,
            },
        },
        "config": {"severity": "ERROR", "meta": {}},
    }


@pytest.mark.parametrize(
    ("test", "first_line"),
    [
        (generic("not_negative", "rows_read"), "fct_file_ingestion: cột rows_read không được âm."),
        (
            generic("integer_typed", "value", "fct_measure_monthly"),
            "fct_measure_monthly: cột value phải là kiểu số nguyên.",
        ),
        (
            generic("value_between", "share", "dim_unit_lineage", min_value=0, max_value=1),
            "dim_unit_lineage: cột share phải nằm trong khoảng 0–1.",
        ),
    ],
)
def test_generic_kinds_are_described(test, first_line):
    text = check_description(test)
    assert text.startswith(first_line + " " + BLOCKING), text
    assert "Khi không đạt" in text


def test_a_singular_test_keeps_its_own_words():
    own = "fct_submission_status: mỗi đơn vị … một dòng."
    assert check_description({"name": "x", "config": {"meta": {"description": own}}}) == own
