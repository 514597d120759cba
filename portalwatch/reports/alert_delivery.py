"""Alerts to their recipients: by e-mail (text and HTML), by signed JSON webhook, or as the plain
`{"text": …}` that Slack, Mattermost and Teams incoming webhooks accept (a recipient written `chat:URL`).

All alerts owed to one recipient go in one message. A failed try is retried with backoff; a receiver
still failing after the last try keeps its deliveries owed, and the next run sends them.
"""

import hashlib
import hmac
import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from email.message import EmailMessage

import httpx

from portalwatch.core import VN_TZ
from portalwatch.core.alerts import KIND_LABELS, Alert
from portalwatch.core.config import Settings
from portalwatch.reports.digest import templates
from portalwatch.reports.mailer import MailError, smtp_session
from portalwatch.reports.neutralise import plain
from portalwatch.state.alerts import AlertLog, Delivery

SIGNATURE_HEADER = "X-Portalwatch-Signature"  # "sha256=" + hex HMAC-SHA256 of the body with the shared secret
CHAT_PREFIX = "chat:"


class DeliveryError(RuntimeError):
    pass


def render_text(alerts: list[Alert]) -> str:
    """The alerts as plain text: e-mail's text part and chat messages (portal text stripped of control codes)."""
    blocks = []
    for alert in alerts:
        lines = [f"[{KIND_LABELS[alert.kind]}] {plain(alert.title)}", *(f"  {plain(line)}" for line in alert.lines)]
        lines += [f"  • {plain(s.title)} ({s.source_id}, {s.published_at.astimezone(VN_TZ):%d/%m %H:%M}) {plain(s.url)}"
                  for s in alert.stories]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def subject(alerts: list[Alert]) -> str:
    """One line: a header holding a line break from portal text would be refused by the mail library."""
    if len(alerts) > 1:
        return f"portalwatch: {len(alerts)} cảnh báo mới"
    return "portalwatch: " + " ".join(plain(alerts[0].title).split())


def email_message(alerts: list[Alert], recipient: str, settings: Settings) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(alerts)
    message["From"] = settings.mail_from
    message["To"] = recipient
    message.set_content(render_text(alerts))
    html = templates.get_template("alerts.html.j2").render(alerts=alerts, labels=KIND_LABELS, tz=VN_TZ)
    message.add_alternative(html, subtype="html")
    return message


def webhook_body(alerts: list[Alert]) -> bytes:
    return json.dumps({"alerts": [a.model_dump(mode="json") for a in alerts], "text": render_text(alerts)},
                      ensure_ascii=False).encode()


def signature(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_email(recipient: str) -> bool:
    return "@" in recipient and "://" not in recipient


def send(alerts: list[Alert], recipient: str, settings: Settings) -> None:
    """One try at one recipient; a failure is a DeliveryError or MailError naming the cause."""
    if is_email(recipient):
        with smtp_session(settings) as smtp:
            smtp.send_message(email_message(alerts, recipient, settings))
        return
    chat = recipient.startswith(CHAT_PREFIX)
    url = recipient.removeprefix(CHAT_PREFIX)
    body = json.dumps({"text": render_text(alerts)}, ensure_ascii=False).encode() if chat else webhook_body(alerts)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if settings.alert_webhook_secret and not chat:
        headers[SIGNATURE_HEADER] = signature(body, settings.alert_webhook_secret)
    try:
        response = httpx.post(url, content=body, headers=headers, timeout=settings.alert_timeout)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise DeliveryError(f"Không gửi được tới {url}: {exc or type(exc).__name__}") from exc
    if response.status_code >= 300:
        raise DeliveryError(f"{url} trả lời {response.status_code} {response.reason_phrase}")


def deliver(log: AlertLog, settings: Settings) -> dict[str, int]:
    """Send every owed delivery, one message per recipient; returns alerts delivered and still owed."""
    by_recipient: dict[str, list[Delivery]] = defaultdict(list)
    for owed in log.owed():
        by_recipient[str(owed.recipient)].append(owed)  # owed deliveries all have one
    counts = {"delivered": 0, "owed": 0}
    for recipient, owed_here in by_recipient.items():
        alerts = [d.alert for d in owed_here]
        keys = [a.key for a in alerts]
        error = ""
        # No SMTP server configured: trying again in this run cannot help (the alerts stay owed).
        tries = 1 if is_email(recipient) and not settings.smtp_host else settings.alert_attempts
        for attempt in range(tries):
            if attempt:
                time.sleep(settings.alert_backoff_seconds * 2 ** (attempt - 1))
            try:
                send(alerts, recipient, settings)
            except (DeliveryError, MailError) as exc:
                error = str(exc)
                continue
            log.delivered(keys, recipient, attempt + 1, datetime.now(UTC))
            counts["delivered"] += len(keys)
            break
        else:
            log.failed(keys, recipient, tries, f"{error} (sau {tries} lần thử)")
            counts["owed"] += len(keys)
    return counts
