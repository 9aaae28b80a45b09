"""Delivery providers: SMTP email, the HTTP SMS gateway, and the development provider.

A provider gets a rendered :class:`Message` and either returns a provider id (success) or
raises :class:`DeliveryError` (the job retries).  Which one is used follows the operations
contract: no ``SMTP_HOST`` means the development mail provider, ``SMS_PROVIDER=dev`` (the
default) the development SMS provider.  The development providers "send" by keeping the
rendered text on the outbox row, which the admin Outbox page shows; nothing leaves the
machine.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app


class DeliveryError(RuntimeError):
    """The provider did not accept the message; the job retries it."""


@dataclass
class Message:
    channel: str  # email | sms
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: list[tuple[str, str, bytes]] = field(default_factory=list)  # (filename, mime, data)
    idempotency_key: str = ""


class DevProvider:
    """Keeps the message on the outbox row only (development and tests)."""

    name = "dev"

    def send(self, message: Message) -> str:
        return f"dev:{message.idempotency_key}"


class SMTPProvider:
    name = "smtp"

    def __init__(self, config: dict):
        self.host = config["SMTP_HOST"]
        self.port = int(config.get("SMTP_PORT") or 587)
        self.user = config.get("SMTP_USER")
        self.password = config.get("SMTP_PASSWORD")
        self.tls = (config.get("SMTP_TLS") or "starttls").lower()
        self.timeout = int(config.get("SMTP_TIMEOUT") or 20)
        self.sender = config.get("MAIL_FROM") or "no-reply@localhost"
        if self.tls not in ("none", "starttls", "ssl"):
            raise DeliveryError(f"SMTP_TLS must be none, starttls or ssl, not {self.tls!r}")

    def build(self, message: Message) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = message.subject
        msg["From"] = self.sender
        msg["To"] = message.to
        msg["Date"] = formatdate(localtime=False)
        domain = self.sender.rsplit("@", 1)[-1].strip(">") or "localhost"
        # A stable id per outbox row: a resend after a crash is recognisable as the same mail.
        msg["Message-ID"] = (
            f"<{message.idempotency_key.replace(':', '.')}@{domain}>"
            if message.idempotency_key
            else make_msgid(domain=domain)
        )
        msg.set_content(message.text)
        if message.html:
            msg.add_alternative(message.html, subtype="html")
        for filename, mime, data in message.attachments:
            maintype, subtype = mime.split("/", 1)
            if maintype == "text":
                msg.add_attachment(data.decode("utf-8"), subtype=subtype, filename=filename)
            else:
                msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        return msg

    def send(self, message: Message) -> str:
        msg = self.build(message)
        try:
            if self.tls == "ssl":
                smtp = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with smtp:
                if self.tls == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP: {exc}") from exc
        return msg["Message-ID"]


class HTTPSMSProvider:
    """``POST {SMS_HTTP_URL}`` with a bearer token and ``{"to", "text", "sender"}``; 2xx is success."""

    name = "http"

    def __init__(self, config: dict):
        self.url = config.get("SMS_HTTP_URL")
        self.token = config.get("SMS_HTTP_TOKEN") or ""
        self.sender = config.get("SMS_SENDER") or "Jazyl"
        self.timeout = 15
        if not self.url:
            raise DeliveryError("SMS_PROVIDER=http needs SMS_HTTP_URL")

    def send(self, message: Message) -> str:
        body = json.dumps({"to": message.to, "text": message.text, "sender": self.sender}).encode()
        req = urllib.request.Request(  # noqa: S310 -- the operator-configured SMS_HTTP_URL
            self.url,
            data=body,
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                # Lets a gateway drop the repeat if we resend after a crash mid-request.
                "Idempotency-Key": message.idempotency_key,
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310 -- configured URL
                status = resp.status
                answer = resp.read(2000)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"SMS gateway answered {exc.code}") from exc
        except (OSError, urllib.error.URLError) as exc:
            raise DeliveryError(f"SMS gateway: {exc}") from exc
        if not 200 <= status < 300:
            raise DeliveryError(f"SMS gateway answered {status}")
        try:
            data = json.loads(answer or b"{}")
            return str(data.get("id") or data.get("message_id") or status) if isinstance(data, dict) else str(status)
        except ValueError:
            return str(status)


def email_provider() -> SMTPProvider | DevProvider:
    config = current_app.config
    return SMTPProvider(config) if config.get("SMTP_HOST") else DevProvider()


def sms_provider() -> HTTPSMSProvider | DevProvider:
    config = current_app.config
    kind = (config.get("SMS_PROVIDER") or "dev").lower()
    if kind == "http":
        return HTTPSMSProvider(config)
    if kind != "dev":
        raise DeliveryError(f"unknown SMS_PROVIDER {kind!r}")
    return DevProvider()


def provider_for(channel: str):
    return email_provider() if channel == "email" else sms_provider()
