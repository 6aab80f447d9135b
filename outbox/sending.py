"""Mailing the month's receipts to the units (CONTRACT §11, `dean5299 send-receipts`).

Reads what `outbox.receipts` wrote — `phan_hoi/YYYY-MM/danh_sach_gui.csv` and the files
it names — and sends each unit its receipt (the .xlsx, and the .html twin when there)
through the SMTP server of `DEAN5299_SMTP_URL`. Every message accepted by the server is
appended at once to `phan_hoi/YYYY-MM/da_gui.csv` (sent_at, unit_code, period,
recipient, file, sha256 of the .xlsx); a receipt already in that log for that recipient
is not sent again, a changed receipt (another sha256) is. One recipient's failure does
not stop the others.

The password never leaves `SmtpSettings`: it is kept out of its repr, out of every
message this module builds, and scrubbed from the server's and the OS's error texts.
"""

from __future__ import annotations

import base64
import contextlib
import csv
import datetime as dt
import fcntl
import hashlib
import os
import re
import smtplib
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from outbox.receipts import FOLDER, SEND_LIST
from outbox.warehouse import month_start

ENV_URL = "DEAN5299_SMTP_URL"
ENV_FROM = "DEAN5299_SMTP_FROM"
SENT_LOG = "da_gui.csv"
SENT_LOG_HEADER = ("sent_at", "unit_code", "period", "recipient", "file", "sha256")
URL_EXAMPLE = "smtp://user:mat_khau@mail.example.vn:587?starttls=1&from=tinhdoan@example.vn"
XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}
_QUERY_KEYS = {"starttls", "from", "timeout"}
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")


class SmtpUrlError(ValueError):
    """DEAN5299_SMTP_URL cannot be used; the message never quotes the URL (it may hold
    the password)."""


class NoReceipts(LookupError):
    """Nothing to send for the month (no send list, or an empty one)."""


class SendLocked(RuntimeError):
    """Another send-receipts of the same month is running."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    implicit_tls: bool = False  # smtps://
    starttls: bool = True
    user: str = ""
    password: str = field(default="", repr=False)
    timeout: float = 30.0

    def describe(self) -> str:
        """Where mail goes, for people to read: never the password."""
        scheme = "smtps" if self.implicit_tls else "smtp"
        who = f"{self.user}@" if self.user else ""
        tls = " (STARTTLS)" if self.starttls and not self.implicit_tls else ""
        return f"{scheme}://{who}{self.host}:{self.port}{tls}"

    def scrub(self, text: str) -> str:
        """`text` with the password (as typed, and percent-encoded) replaced by ***."""
        for secret in {self.password, quote(self.password, safe="")}:
            if secret:
                text = text.replace(secret, "***")
        return text


def _flag(values: dict[str, list[str]], key: str, default: bool) -> bool:
    if key not in values:
        return default
    value = values[key][-1].strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SmtpUrlError(f"{ENV_URL}: {key}= phải là 1 hoặc 0, nhận được '{value}'")


def parse_smtp_url(url: str, sender: str | None = None) -> SmtpSettings:
    """`smtp://[user[:password]@]host[:port][?starttls=1|0&from=addr&timeout=s]` or
    `smtps://…` (implicit TLS). User and password are percent-decoded.

    Defaults: smtp:// port 587 with STARTTLS (starttls=0 sends in clear, e.g. to a local
    relay: port 25 then); smtps:// port 465. The sender is `from=`, else `sender`
    (DEAN5299_SMTP_FROM), else the user name when it is an address."""
    text = (url or "").strip()
    try:
        parts = urlsplit(text)
        port = parts.port
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        # urllib's messages quote the port or the query, which may hold the password.
        raise SmtpUrlError(
            f"{ENV_URL} không đọc được (cổng hoặc tham số sau dấu ? sai); dạng đúng: {URL_EXAMPLE}"
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("smtp", "smtps"):
        raise SmtpUrlError(
            f"{ENV_URL} phải bắt đầu bằng smtp:// hoặc smtps://"
            f"{f' (nhận được {scheme}://)' if scheme else ''}; dạng đúng: {URL_EXAMPLE}"
        )
    if not parts.hostname:
        raise SmtpUrlError(f"{ENV_URL} thiếu tên máy chủ SMTP; dạng đúng: {URL_EXAMPLE}")
    if parts.path not in ("", "/") or parts.fragment:
        raise SmtpUrlError(
            f"{ENV_URL} có phần thừa sau tên máy chủ (mật khẩu có ký tự /, # hay ? thì "
            f"phải viết %2F, %23, %3F); dạng đúng: {URL_EXAMPLE}"
        )
    unknown = sorted(set(query) - _QUERY_KEYS)
    if unknown:
        raise SmtpUrlError(
            f"{ENV_URL}: tham số không biết '{unknown[0]}' (chỉ có starttls, from, timeout)"
        )
    implicit = scheme == "smtps"
    starttls = _flag(query, "starttls", default=not implicit)
    if implicit and starttls and "starttls" in query:
        raise SmtpUrlError(f"{ENV_URL}: smtps:// đã mã hóa sẵn, bỏ starttls=1 (hoặc dùng smtp://)")
    try:
        timeout = float(query.get("timeout", ["30"])[-1])
    except ValueError:
        raise SmtpUrlError(f"{ENV_URL}: timeout= phải là số giây") from None
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    chosen = (query.get("from", [""])[-1] or sender or (user if "@" in user else "")).strip()
    name, address = parseaddr(chosen)
    if not _ADDRESS.match(address):
        raise SmtpUrlError(
            f"thiếu hoặc sai địa chỉ người gửi: thêm from=địa_chỉ vào {ENV_URL} hoặc đặt {ENV_FROM}"
        )
    return SmtpSettings(
        host=parts.hostname,
        port=port or (465 if implicit else 587 if starttls else 25),
        sender=chosen,
        implicit_tls=implicit,
        starttls=starttls and not implicit,
        user=user,
        password=password,
        timeout=timeout if timeout > 0 else 30.0,
    )


@dataclass(frozen=True)
class Outcome:
    """What happened to one unit's receipt for one recipient."""

    unit_code: str
    unit_name: str
    recipient: str
    file: str
    status: str  # sent | already_sent | no_email | failed
    detail: str = ""


STATUS_VI = {
    "sent": "đã gửi",
    "already_sent": "đã gửi trước đây, không gửi lại",
    "no_email": "bỏ qua: chưa có contact_email",
    "failed": "LỖI",
}


def receipts_folder(output: Path, period: str | dt.date) -> Path:
    return Path(output) / FOLDER / f"{month_start(period):%Y-%m}"


def read_send_list(folder: Path) -> list[dict[str, str]]:
    path = folder / SEND_LIST
    if not path.is_file():
        raise NoReceipts(f"chưa có phiếu phản hồi nào: không thấy {path} (hãy chạy `dean5299 run`)")
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = [{k: (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]
    if not rows:
        raise NoReceipts(f"danh sách gửi {path} không có phiếu nào")
    return rows


def read_sent_log(folder: Path) -> set[tuple[str, str, str]]:
    """(unit_code, sha256, recipient) of every message already sent."""
    path = folder / SENT_LOG
    if not path.is_file():
        return set()
    with open(path, encoding="utf-8", newline="") as f:
        return {
            (row["unit_code"], row["sha256"], row["recipient"].lower()) for row in csv.DictReader(f)
        }


def _append_log(folder: Path, row: tuple[str, ...]) -> None:
    path = folder / SENT_LOG
    new = not path.exists()
    with open(path, "a", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        if new:
            writer.writerow(SENT_LOG_HEADER)
        writer.writerow(row)
        f.flush()
        os.fsync(f.fileno())  # a crash right after a send must not send it again


@contextlib.contextmanager
def _month_lock(folder: Path) -> Iterator[None]:
    with open(folder / f".{SENT_LOG}.lock", "w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SendLocked(f"một lần gửi phiếu khác của {folder.name} đang chạy") from None
        yield


def recipients(field_text: str) -> list[str]:
    """contact_email may list several addresses, separated by ',' ';' or spaces."""
    return [a for a in re.split(r"[,;\s]+", field_text) if a]


def build_message(
    settings: SmtpSettings, row: dict[str, str], recipient: str, month: dt.date, folder: Path
) -> EmailMessage:
    unit_code, unit_name, file = row.get("unit_code", ""), row.get("unit_name", ""), row["file"]
    html = Path(file).with_suffix(".html").name
    has_html = (folder / html).is_file()
    msg = EmailMessage()
    msg["Subject"] = (
        f"Phiếu phản hồi báo cáo Đề án 5299 tháng {month:%m/%Y} — {unit_name} ({unit_code})"
    )
    msg["From"] = settings.sender
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=parseaddr(settings.sender)[1].split("@")[-1])
    twin = f" và bản {html} để xem trên điện thoại" if has_html else ""
    msg.set_content(
        f"Kính gửi {unit_name or unit_code},\n\n"
        f"Tỉnh Đoàn gửi đơn vị phiếu phản hồi báo cáo kết quả thực hiện Đề án 5299 tháng "
        f"{month:%m/%Y} (tệp đính kèm {file}{twin}).\n\n"
        "Phiếu cho biết: các tệp báo cáo đã nhận và tình trạng nạp, các dòng bị loại và lý "
        "do, các vấn đề số liệu cần kiểm tra, tình hình nộp báo cáo các tháng trong năm, "
        "tiến độ thực hiện chỉ tiêu và thứ hạng của đơn vị.\n"
        "Nếu có dòng bị loại hoặc số liệu cần sửa, đề nghị đơn vị sửa trong mẫu báo cáo "
        "và gửi lại.\n\n"
        "Trân trọng,\nBộ phận tổng hợp báo cáo Đề án 5299\n"
    )
    msg.add_attachment(
        (folder / file).read_bytes(), maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=file
    )
    if has_html:
        msg.add_attachment(
            (folder / html).read_text(encoding="utf-8"), subtype="html", filename=html
        )
    return msg


class _ConnectionFailed(Exception):
    """The server cannot be reached, or refuses TLS or the login."""


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """smtplib's login() encodes the credentials as ASCII; a Vietnamese password needs
    AUTH PLAIN in UTF-8 (RFC 4616), which servers that offer PLAIN accept."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    smtp.ehlo_or_helo_if_needed()
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPException("máy chủ không nhận AUTH PLAIN cho mật khẩu có dấu")
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode("ascii")
    code, response = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, response)


class _Connection:
    """One SMTP session, opened on first use and again after the server dropped it."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings, self.smtp = settings, None

    def send(self, msg: EmailMessage) -> None:
        if self.smtp is None:
            try:
                self.smtp = self._open()
            except Exception as error:  # whatever it is, the rest cannot be sent either
                raise _ConnectionFailed() from error
        try:
            self.smtp.send_message(msg)
        except smtplib.SMTPServerDisconnected:
            self.close(quit_=False)  # the next message opens a new session
            raise
        except smtplib.SMTPException:
            raise  # a refusal of this message; the session goes on
        except OSError:  # a socket error (SMTPException is an OSError too, hence the order)
            self.close(quit_=False)
            raise

    def _open(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.implicit_tls:
            smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=context)
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls:
                smtp.starttls(context=context)
            if s.user:
                _login(smtp, s.user, s.password)
        except BaseException:
            with contextlib.suppress(Exception):
                smtp.close()
            raise
        return smtp

    def close(self, quit_: bool = True) -> None:
        if self.smtp is not None:
            with contextlib.suppress(Exception):
                self.smtp.quit() if quit_ else self.smtp.close()
            self.smtp = None


def _reason(error: BaseException, settings: SmtpSettings) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in error.recipients.values()
        ]
        text = "máy chủ từ chối người nhận: " + "; ".join(codes)
    elif isinstance(error, smtplib.SMTPAuthenticationError):
        text = f"đăng nhập SMTP không được ({error.smtp_code})"
    elif isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        message = message.decode(errors="replace") if isinstance(message, bytes) else message
        text = f"máy chủ trả lời {error.smtp_code} {message}"
    else:
        text = f"{type(error).__name__}: {error}"
    return settings.scrub(" ".join(text.split()))


class _Sender:
    """One pass over the send list: the log of what was sent, the session, the outcomes."""

    def __init__(self, settings: SmtpSettings, folder: Path, month: dt.date) -> None:
        self.settings, self.folder, self.month = settings, folder, month
        self.sent = read_sent_log(folder)
        self.connection = _Connection(settings)
        self.broken = ""  # once the server cannot be reached, the rest fail with this
        self.outcomes: list[Outcome] = []

    def unit(self, row: dict[str, str]) -> None:
        unit, name, file = (row.get(k, "") for k in ("unit_code", "unit_name", "file"))
        addresses = recipients(row.get("contact_email", ""))
        if not addresses:
            self.outcomes.append(Outcome(unit, name, "", file, "no_email"))
            return
        # The send list names a file of this folder, never a path elsewhere.
        if not file or Path(file).name != file or not (self.folder / file).is_file():
            reason = f"không thấy tệp phiếu '{file}' trong {self.folder}"
            self.outcomes += [Outcome(unit, name, a, file, "failed", reason) for a in addresses]
            return
        digest = hashlib.sha256((self.folder / file).read_bytes()).hexdigest()
        for address in addresses:
            status, detail = self._one(row, address, digest)
            self.outcomes.append(Outcome(unit, name, address, file, status, detail))

    def _one(self, row: dict[str, str], address: str, digest: str) -> tuple[str, str]:
        unit = row.get("unit_code", "")
        if not _ADDRESS.match(address):
            return "failed", "địa chỉ email không hợp lệ"
        if (unit, digest, address.lower()) in self.sent:
            return "already_sent", ""
        if self.broken:
            return "failed", self.broken
        try:
            self.connection.send(
                build_message(self.settings, row, address, self.month, self.folder)
            )
        except _ConnectionFailed as error:
            # Not reached, or TLS or the login refused: say so once, do not hammer it.
            reason = _reason(error.__cause__, self.settings)
            self.broken = f"không gửi được qua {self.settings.describe()}: {reason}"
            return "failed", self.broken
        except (smtplib.SMTPException, OSError, ValueError) as error:
            return "failed", _reason(error, self.settings)
        stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        row_out = (stamp, unit, f"{self.month:%Y-%m}", address, row["file"], digest)
        _append_log(self.folder, row_out)
        self.sent.add((unit, digest, address.lower()))
        return "sent", ""


def send_receipts(output: Path, period: str | dt.date, settings: SmtpSettings) -> list[Outcome]:
    """Send the month's receipts that the log does not hold yet; one Outcome per unit and
    recipient (one per unit when it has no address). Raises NoReceipts before connecting
    when there is nothing to send, SendLocked when another send of the month runs."""
    month = month_start(period)
    folder = receipts_folder(output, month)
    rows = read_send_list(folder)
    with _month_lock(folder):
        sender = _Sender(settings, folder, month)
        try:
            for row in rows:
                sender.unit(row)
        finally:
            sender.connection.close()
    return sender.outcomes
