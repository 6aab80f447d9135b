"""settings.csv's keys that the reports read (CONTRACT §3), with the §3 defaults.

The Markdown, HTML and .docx reports all state the reporting-rate targets; the .docx also
reads the §12 keys of the official document. A key that is missing or empty takes its
default, and `missing` names the optional keys that did (the run summary lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# CONTRACT §3: optional settings and their defaults (None: no default, left blank).
DEFAULT_SETTINGS: dict[str, str | None] = {
    "reporting_rate_target": "90",
    "on_time_rate_target": "75",
    "org_name": None,  # the scope's name in capitals
    "org_superior": "ĐOÀN TNCS HỒ CHÍ MINH",
    "place_name": None,
    "document_symbol": "BC/TĐTN",
    "signer_title": "PHÓ BÍ THƯ",
    "signer_on_behalf": "TM. BAN THƯỜNG VỤ",
    "signer_name": None,
    "recipients": None,
}


@dataclass(frozen=True)
class ReportSettings:
    org_name: str
    org_superior: str
    place_name: str
    document_symbol: str
    signer_title: str
    signer_on_behalf: str
    signer_name: str
    recipients: list[str]
    reporting_rate_target: float
    on_time_rate_target: float
    missing: list[str] = field(default_factory=list)


def _float(value: str, default: str) -> float:
    try:
        return float(value.replace(",", ".").replace("%", "").strip())
    except ValueError:
        return float(default)


def report_settings(settings: dict[str, str], scope_name: str) -> ReportSettings:
    """settings.csv's values (as the warehouse read them) over the §3 defaults; a
    `recipients` item that is empty (";;", a trailing ";") is left out."""
    given = {k: v.strip() for k, v in settings.items() if v and v.strip()}
    defaults = {k: v for k, v in DEFAULT_SETTINGS.items() if v is not None}
    value = {**defaults, **given}
    return ReportSettings(
        org_name=value.get("org_name") or scope_name.upper(),
        org_superior=value["org_superior"],
        place_name=value.get("place_name", ""),
        document_symbol=value["document_symbol"],
        signer_title=value["signer_title"],
        signer_on_behalf=value["signer_on_behalf"],
        signer_name=value.get("signer_name", ""),
        recipients=[r.strip() for r in value.get("recipients", "").split(";") if r.strip()],
        reporting_rate_target=_float(
            value["reporting_rate_target"], defaults["reporting_rate_target"]
        ),
        on_time_rate_target=_float(value["on_time_rate_target"], defaults["on_time_rate_target"]),
        missing=[key for key in DEFAULT_SETTINGS if key not in given],
    )
