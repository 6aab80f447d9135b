"""CONTRACT §7: what the shipped sample publishes as of 2024-04, written once for the
tests that check it (tests/test_golden_sample.py; the report tests can take theirs from
here too): each indicator's figures on its first window (CT8's is 2024-01..2024-06) and
the phrases the monthly report prints for it.
"""

from __future__ import annotations

# indicator -> (numerator, denominator, target, phrases in the report)
FIGURES: dict[str, tuple[int, int | None, int, tuple[str, ...]]] = {
    "CT1": (3857, 45600, 40, ("3.857/45.600", "đạt tỷ lệ 8%")),
    "CT2": (1458, 1669, 80, ("1.458/1.669", "đạt tỷ lệ 87%")),
    "CT3": (21458, None, 66000, ("21.458 hồ sơ, đạt 33%", "66.000")),
    "CT4": (333, None, 2138, ("333 tin, bài, đạt 16%", "2.138")),
    "CT5": (8313, None, 160000, ("8.313 hộ gia đình, đạt 5%", "160.000", "400.000")),
    "CT6": (26353, None, 294021, ("26.353 công dân, đạt 9%", "294.021")),
    "CT7": (
        10152, None, 145250,
        ("10.152 công dân, đạt 7%", "tăng hơn 21% so với thời điểm hết quý I/2024"),
    ),
    "CT8": (
        5867, None, 190759,
        ("5.867 tài khoản", "190.759", "trước ngày 01/7/2024",
         "còn lại 4.572 tài khoản đang ở trạng thái chờ duyệt"),
    ),
}  # fmt: skip
# indicator -> (numerator, denominator, target)
PUBLISHED = {code: figures[:3] for code, figures in FIGURES.items()}
REPORT_PHRASES = [phrase for *_, phrases in FIGURES.values() for phrase in phrases]
