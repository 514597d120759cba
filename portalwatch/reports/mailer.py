"""E-mail delivery of the weekly digest over SMTP (STARTTLS and login when configured)."""

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

from portalwatch.core.config import Settings
from portalwatch.reports.digest import Digest, render_html


class MailError(RuntimeError):
    pass


def digest_message(digest: Digest, markdown: str, charts: dict[str, bytes], settings: Settings) -> EmailMessage:
    """Markdown as the plain part; HTML with the charts attached inline (cid:), as mail clients want."""
    message = EmailMessage()
    message["Subject"] = f"Bản tin theo dõi tuyên truyền tuần {digest.week}"
    message["From"] = settings.mail_from
    message["To"] = ", ".join(recipients(settings))
    message.set_content(markdown)
    message.add_alternative(render_html(digest, {name: f"cid:{name}@portalwatch" for name in charts}), subtype="html")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None  # added just above
    for name, png in charts.items():
        html_part.add_related(png, maintype="image", subtype="png", cid=f"<{name}@portalwatch>",
                              filename=f"{name}.png")
    return message


def recipients(settings: Settings) -> list[str]:
    return [address.strip() for address in settings.mail_to.split(",") if address.strip()]


@contextmanager
def smtp_session(settings: Settings) -> Iterator[smtplib.SMTP]:
    """A logged-in SMTP connection (STARTTLS unless turned off); failures are one MailError line."""
    if not settings.smtp_host:
        raise MailError("Chưa cấu hình gửi thư: đặt PORTALWATCH_SMTP_HOST và PORTALWATCH_MAIL_TO.")
    context = ssl.create_default_context(cafile=str(settings.smtp_ca_certs) if settings.smtp_ca_certs else None)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=60) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=context)
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password or "")
            yield smtp
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"Máy chủ thư {settings.smtp_host} từ chối đăng nhập: kiểm tra PORTALWATCH_SMTP_USERNAME/"
                        f"PASSWORD ({exc.smtp_code}).") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"Không gửi được thư qua {settings.smtp_host}:{settings.smtp_port}: {exc}") from exc


def send_digest(digest: Digest, out_dir: Path, settings: Settings) -> list[str]:
    """Send the digest written in out_dir to PORTALWATCH_MAIL_TO; returns the recipients."""
    if not settings.smtp_host or not recipients(settings):
        raise MailError("Chưa cấu hình gửi thư: đặt PORTALWATCH_SMTP_HOST và PORTALWATCH_MAIL_TO.")
    stem = f"digest-{digest.week}"
    charts = {name: (out_dir / f"{stem}-{name}.png").read_bytes() for name in ("topics", "coverage")}
    message = digest_message(digest, (out_dir / f"{stem}.md").read_text(encoding="utf-8"), charts, settings)
    with smtp_session(settings) as smtp:
        smtp.send_message(message)
    return recipients(settings)
