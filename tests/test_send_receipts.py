"""`dean5299 send-receipts` (CONTRACT §11, issue #16) against a real SMTP server.

aiosmtpd listens on 127.0.0.1 inside the test, asks for a login, refuses one recipient
with 550, and keeps every message it accepted; the receipts are real ones written by
outbox.receipts; the command runs as the user runs it (the installed `dean5299`).
"""

from __future__ import annotations

import csv
import datetime as dt
import email
import email.policy
import hashlib
import socket
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import DEAN5299

from outbox.receipts import (
    FOLDER,
    SEND_LIST,
    SEND_LIST_HEADER,
    receipt_content,
    write_receipt,
    write_receipt_html,
)
from outbox.sending import SENT_LOG, SmtpUrlError, parse_smtp_url
from outbox.warehouse import Unit

USER = "tinhdoan@binhan.vn"
PASSWORD = "Bí-mật:p@ss/w#rd?42"  # every character a URL would trip on
REFUSED = "tu-choi@don-vi.vn"
MONTH = dt.date(2024, 4, 1)
UNITS = [  # unit, name, contact_email
    Unit("HDP", "Huyện Đoàn Đông Phú", "bithu.hdp@don-vi.vn"),
    Unit("HLT", "Huyện Đoàn Lộc Thái", ""),
    Unit("HPT", "Huyện Đoàn Phú Tân", REFUSED),
    Unit("TXAL", "Thị Đoàn An Lạc", "txal@don-vi.vn; vanphong.txal@don-vi.vn"),
]


class Mailbox:
    """The server's side: logins seen, recipients refused, messages accepted."""

    def __init__(self) -> None:
        self.logins: list[tuple[str, str]] = []
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        return AuthResult(success=(login, password) == (USER, PASSWORD), handled=False)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == REFUSED:
            return "550 5.1.1 Hop thu khong ton tai"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=mailbox.authenticate,
        auth_require_tls=False,  # no certificate in a test; the URL says starttls=0
    )
    controller.start()
    try:
        yield mailbox, controller.port
    finally:
        controller.stop()


def url(port: int, password: str = PASSWORD) -> str:
    return f"smtp://{quote(USER, safe='')}:{quote(password, safe='')}@127.0.0.1:{port}?starttls=0"


def write_month(output: Path, progress_rank: str = "3/10") -> Path:
    """Four real receipts (nothing received this month) and their send list."""
    folder = output / FOLDER / f"{MONTH:%Y-%m}"
    data = {
        "files": [],
        "rejected": [],
        "issues": [],
        "status": [(MONTH, "missing", None, None)],
        "progress": [
            ("CT3", "Số hồ sơ DVCTT", "count", MONTH, MONTH, 12, 100, 12.0)
            + tuple(int(x) for x in progress_rank.split("/"))
        ],
    }
    rows = []
    for unit in UNITS:
        receipt = receipt_content(unit, MONTH, data)
        path = write_receipt(folder / f"{unit.unit_code}.xlsx", receipt)
        write_receipt_html(path.with_suffix(".html"), receipt)
        rows.append((unit.unit_code, unit.unit_name, unit.contact_email, "", path.name))
    with open(folder / SEND_LIST, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(SEND_LIST_HEADER)
        writer.writerows(rows)
    return folder


def send(output: Path, smtp_url: str | None, period: str = "2024-04"):
    env = {"PATH": "/usr/bin:/bin", "DEAN5299_OUTPUT": str(output)}
    if smtp_url is not None:
        env["DEAN5299_SMTP_URL"] = smtp_url
    return subprocess.run(
        [str(DEAN5299), "send-receipts", "--period", period],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def no_secret(result: subprocess.CompletedProcess) -> None:
    for secret in (PASSWORD, quote(PASSWORD, safe=""), "p@ss"):
        assert secret not in result.stdout + result.stderr


def sent_log(folder: Path) -> list[dict[str, str]]:
    with open(folder / SENT_LOG, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_sends_each_unit_its_receipt_once_and_reports_the_refused_one(smtp_server, tmp_path):
    mailbox, port = smtp_server
    folder = write_month(tmp_path)

    first = send(tmp_path, url(port))
    assert first.returncode == 1, first.stdout + first.stderr  # one recipient refused
    no_secret(first)
    assert mailbox.logins == [(USER, PASSWORD)]  # one session for the whole month
    received = {rcpt[0]: message for rcpt, message in mailbox.messages}
    assert sorted(received) == ["bithu.hdp@don-vi.vn", "txal@don-vi.vn", "vanphong.txal@don-vi.vn"]
    hdp = received["bithu.hdp@don-vi.vn"]
    assert hdp["Subject"] == (
        "Phiếu phản hồi báo cáo Đề án 5299 tháng 04/2024 — Huyện Đoàn Đông Phú (HDP)"
    )
    assert hdp["To"] == "bithu.hdp@don-vi.vn" and hdp["From"] == USER
    assert "Kính gửi Huyện Đoàn Đông Phú" in hdp.get_body(("plain",)).get_content()
    attachments = {part.get_filename(): part for part in hdp.iter_attachments()}
    assert sorted(attachments) == ["HDP.html", "HDP.xlsx"]
    assert attachments["HDP.xlsx"].get_content() == (folder / "HDP.xlsx").read_bytes()
    assert attachments["HDP.xlsx"].get_content_type().endswith("spreadsheetml.sheet")
    assert "Chưa nhận được báo cáo nào" in attachments["HDP.html"].get_content()
    assert received["txal@don-vi.vn"]["Subject"].endswith("Thị Đoàn An Lạc (TXAL)")

    lines = first.stdout.splitlines()
    (hpt,) = [line for line in lines if line.lstrip().startswith("HPT")]
    assert REFUSED in hpt and "LỖI" in hpt and "550" in hpt
    (hlt,) = [line for line in lines if line.lstrip().startswith("HLT")]
    assert "chưa có contact_email" in hlt
    assert "Đã gửi / sent 3, đã gửi trước đây / already sent 0, chưa có email / no e-mail 1, " \
        "lỗi / failed 1" in first.stdout
    assert first.stderr.strip() == "Lỗi / error: chưa gửi được cho HPT"
    log = sent_log(folder)
    assert [(r["unit_code"], r["recipient"], r["period"], r["file"]) for r in log] == [
        ("HDP", "bithu.hdp@don-vi.vn", "2024-04", "HDP.xlsx"),
        ("TXAL", "txal@don-vi.vn", "2024-04", "TXAL.xlsx"),
        ("TXAL", "vanphong.txal@don-vi.vn", "2024-04", "TXAL.xlsx"),
    ]
    assert log[0]["sha256"] == hashlib.sha256((folder / "HDP.xlsx").read_bytes()).hexdigest()
    assert dt.datetime.fromisoformat(log[0]["sent_at"]).tzinfo is not None

    # The same receipts again (rewritten byte for byte by the next run): nothing is sent.
    write_month(tmp_path)
    second = send(tmp_path, url(port))
    assert len(mailbox.messages) == 3
    assert second.returncode == 1  # the refused one is tried again, and refused again
    assert "Đã gửi / sent 0, đã gửi trước đây / already sent 3" in second.stdout
    assert len(sent_log(folder)) == 3

    # A changed receipt (another sha256) is sent again; the others are not.
    receipt = receipt_content(UNITS[0], MONTH, {
        "files": [], "rejected": [], "issues": [], "status": [], "progress": []
    })
    write_receipt(folder / "HDP.xlsx", receipt)
    third = send(tmp_path, url(port))
    assert [rcpt for rcpt, _ in mailbox.messages[3:]] == [["bithu.hdp@don-vi.vn"]]
    assert "Đã gửi / sent 1, đã gửi trước đây / already sent 2" in third.stdout
    assert [r["unit_code"] for r in sent_log(folder)] == ["HDP", "TXAL", "TXAL", "HDP"]
    no_secret(second)
    no_secret(third)


BAD_URLS = [
    "mailto://tinhdoan@binhan.vn",
    "smtp://{user}:{password}@127.0.0.1:99999?starttls=0",
    "smtp://{user}:{password}@127.0.0.1:{port}?startls=1",
    "smtp://{user}:{password}@127.0.0.1:{port}?starttls=maybe",
    "smtp://:{password}@127.0.0.1:{port}?starttls=0",  # no sender to be found
    "smtp://{user}:Bí-mật/p#ss@127.0.0.1:{port}",  # the password's / and # not encoded
    "smtps://{user}:{password}@127.0.0.1:{port}?starttls=1",
    "smtp://{user}:{password}@127.0.0.1:{port}?timeout=soon",
    "{password}",
]


def _bad(template: str, port: int) -> str:
    return template.format(user=quote(USER, safe=""), password=quote(PASSWORD, safe=""), port=port)


@pytest.mark.parametrize("bad", BAD_URLS)
def test_a_bad_url_says_what_is_wrong_without_the_password(bad):
    with pytest.raises(SmtpUrlError) as error:
        parse_smtp_url(_bad(bad, 2525))
    message = str(error.value)
    assert "\n" not in message and "DEAN5299_SMTP" in message
    for secret in (PASSWORD, quote(PASSWORD, safe=""), "p@ss", "Bí-mật/p#ss"):
        assert secret not in message


@pytest.mark.parametrize("bad", [BAD_URLS[1], BAD_URLS[5]])
def test_a_bad_url_is_one_line_before_anything_is_sent(smtp_server, tmp_path, bad):
    mailbox, port = smtp_server
    folder = write_month(tmp_path)
    result = send(tmp_path, _bad(bad, port))
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Lỗi / error: DEAN5299_SMTP_URL")
    assert "Traceback" not in result.stderr
    no_secret(result)
    assert "Bí-mật/p#ss" not in result.stderr
    assert mailbox.logins == [] and mailbox.messages == []
    assert not (folder / SENT_LOG).exists()


def test_without_url_or_without_receipts_one_line(smtp_server, tmp_path):
    mailbox, port = smtp_server
    unset = send(tmp_path, None)
    assert unset.returncode == 2
    assert unset.stderr.count("\n") == 1 and "export DEAN5299_SMTP_URL=" in unset.stderr

    nothing = send(tmp_path, url(port))  # no receipts written for the month
    assert nothing.returncode == 2 and nothing.stdout == ""
    assert nothing.stderr.count("\n") == 1 and "danh_sach_gui.csv" in nothing.stderr
    assert mailbox.logins == [] and mailbox.messages == []
    no_secret(nothing)

    bad_period = send(tmp_path, url(port), period="2024-4")
    assert bad_period.returncode == 2 and "YYYY-MM" in bad_period.stderr


def test_a_refused_login_or_a_dead_server_fails_every_unit_without_the_password(
    smtp_server, tmp_path
):
    mailbox, port = smtp_server
    folder = write_month(tmp_path)
    wrong = send(tmp_path, url(port, password="sai-" + PASSWORD))
    assert wrong.returncode == 1
    assert len(mailbox.logins) == 1  # tried once, not once per unit
    assert wrong.stdout.count("đăng nhập SMTP không được (535)") == 4
    assert "sai-" not in wrong.stdout + wrong.stderr
    no_secret(wrong)

    dead = send(tmp_path, url(free_port()))  # nothing listens there
    assert dead.returncode == 1
    assert dead.stdout.count(f"không gửi được qua smtp://{USER}@127.0.0.1:") == 4
    no_secret(dead)
    assert mailbox.messages == [] and not (folder / SENT_LOG).exists()


def test_parse_smtp_url_forms_and_defaults(monkeypatch):
    starttls = parse_smtp_url(f"smtp://{quote(USER, safe='')}:{quote(PASSWORD, safe='')}@mail.vn")
    assert (starttls.host, starttls.port, starttls.starttls, starttls.implicit_tls) == (
        "mail.vn",
        587,
        True,
        False,
    )
    assert (starttls.user, starttls.password, starttls.sender) == (USER, PASSWORD, USER)
    assert PASSWORD not in repr(starttls) and quote(PASSWORD, safe="") not in repr(starttls)
    assert starttls.describe() == f"smtp://{USER}@mail.vn:587 (STARTTLS)"
    implicit = parse_smtp_url("smtps://u:p@mail.vn", sender="Tỉnh Đoàn <td@mail.vn>")
    assert (implicit.port, implicit.implicit_tls, implicit.starttls) == (465, True, False)
    assert implicit.sender == "Tỉnh Đoàn <td@mail.vn>"  # DEAN5299_SMTP_FROM
    relay = parse_smtp_url("smtp://relay.local?starttls=0&from=bc@td.vn", sender="x@y.vn")
    assert (relay.port, relay.user, relay.sender) == (25, "", "bc@td.vn")  # from= wins
    with pytest.raises(SmtpUrlError, match="người gửi"):
        parse_smtp_url("smtp://relay.local?starttls=0")
    scrubbed = starttls.scrub(f"535 bad {PASSWORD} and {quote(PASSWORD, safe='')}")
    assert scrubbed == "535 bad *** and ***"
