from decimal import Decimal

from forms.vi_format import figure, month_label, number, percent, percent_floor, round_half_up


def test_thousands_use_dots():
    assert number(45600) == "45.600"
    assert number(1458) == "1.458"
    assert number(294021) == "294.021"
    assert number(333) == "333"


def test_decimals_use_comma():
    assert number(8.4649, 2) == "8,46"
    assert number(1234.5, 1) == "1.234,5"


def test_percent_rounds_half_up():
    assert percent(8.5) == "9%"
    assert percent(32.5) == "33%"
    assert percent(87.36) == "87%"
    assert percent(2.675, 2) == "2,68%"  # a float just below .675 must still round up
    assert str(round_half_up(0.5)) == "1"


def test_percent_floor_and_month():
    assert percent_floor(21.44) == "21%"
    assert month_label("2024-04") == "tháng 4/2024"


def test_figure_writes_any_table_cell_the_vietnamese_way():
    assert [figure(v) for v in (45600, 3857.0, 8.4649, Decimal("109.2"), 0)] == [
        "45.600", "3.857", "8,46", "109,20", "0"]
    assert [figure(v) for v in (None, True, "2024-04", "HBH")] == ["", "True", "2024-04", "HBH"]
