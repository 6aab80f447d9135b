"""`dean5299 send-receipts`: mail each unit its receipt for a month (CONTRACT §11)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from orchestration.cli.common import OutputOption, UserError, app, check_period, fail, one_line
from orchestration.settings import resolve_paths


@app.command(
    "send-receipts",
    short_help="Gửi phiếu phản hồi qua email / mail each unit its receipt (DEAN5299_SMTP_URL).",
)
def send_receipts(
    period: Annotated[str, typer.Option("--period", help="Tháng / month, YYYY-MM.")],
    output: OutputOption = None,
):
    """Gửi cho mỗi đơn vị phiếu phản hồi tháng (tệp .xlsx và bản .html) tới contact_email trong DEAN5299_OUTPUT/phan_hoi/YYYY-MM/danh_sach_gui.csv, qua máy chủ SMTP của DEAN5299_SMTP_URL; phiếu đã gửi (ghi trong da_gui.csv) không gửi lại, phiếu đã thay đổi thì gửi lại.

    Mail each unit its receipt for the month through the SMTP server of DEAN5299_SMTP_URL (smtp://user:password@host:587?starttls=1&from=address, or smtps://… for implicit TLS); what was sent is appended to phan_hoi/YYYY-MM/da_gui.csv and never sent twice. Exit code 1 when any recipient failed.
    """  # noqa: E501 - typer keeps a docstring's line breaks
    from outbox.sending import (
        ENV_FROM,
        ENV_URL,
        STATUS_VI,
        URL_EXAMPLE,
        NoReceipts,
        SendLocked,
        SmtpUrlError,
        parse_smtp_url,
        send_receipts,
    )

    try:
        check_period(period, "2024-04")
    except UserError as error:
        fail(str(error))
    url = os.environ.get(ENV_URL, "").strip()
    if not url:
        fail(
            f"chưa đặt {ENV_URL}: ví dụ export {ENV_URL}='{URL_EXAMPLE}' "
            "(docs/units.md) / set DEAN5299_SMTP_URL to send the receipts"
        )
    try:
        settings = parse_smtp_url(url, os.environ.get(ENV_FROM))
    except SmtpUrlError as error:
        fail(str(error))
    env = {**os.environ, **({"DEAN5299_OUTPUT": str(output)} if output else {})}
    try:
        outcomes = send_receipts(resolve_paths(env).output, period, settings)
    except (NoReceipts, SendLocked) as error:
        fail(str(error))
    except OSError as error:  # the receipts' folder or its log cannot be read or written
        fail(f"không đọc/ghi được thư mục phiếu phản hồi: {settings.scrub(one_line(error))}", 1)
    except Exception as error:  # noqa: BLE001 - a traceback could show the password
        fail(f"gửi phiếu bị dừng / sending stopped: {settings.scrub(one_line(error))}", 1)

    typer.echo(f"Gửi phiếu phản hồi / sending receipts {period} qua {settings.describe()}")
    for o in outcomes:
        who = o.recipient or "—"
        detail = f": {o.detail}" if o.detail else ""
        typer.echo(f"  {o.unit_code:<8} {who:<32} {STATUS_VI[o.status]}{detail}")
    count = {s: sum(o.status == s for o in outcomes) for s in STATUS_VI}
    typer.echo(
        f"Đã gửi / sent {count['sent']}, đã gửi trước đây / already sent "
        f"{count['already_sent']}, chưa có email / no e-mail {count['no_email']}, "
        f"lỗi / failed {count['failed']}"
    )
    if count["failed"]:
        failed = sorted({o.unit_code for o in outcomes if o.status == "failed"})
        typer.echo(f"Lỗi / error: chưa gửi được cho {', '.join(failed)}", err=True)
        raise typer.Exit(1)
