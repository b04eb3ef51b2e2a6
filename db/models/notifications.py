"""The mail outbox: rows written with the change that causes them, sent by a worker."""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.models import Model


class MailStatus(StrEnum):
    PENDING = "PENDING"
    SENDING = "SENDING"
    SENT = "SENT"
    FAILED = "FAILED"


class OutboxMail(Model):
    id = fields.IntField(primary_key=True)
    # Unique: the same event enqueued twice is one mail. Also the Message-ID.
    idempotency_key = fields.CharField(max_length=200, unique=True)
    event = fields.CharField(max_length=50)
    recipient = fields.CharField(max_length=254)
    subject = fields.CharField(max_length=300)
    text_body = fields.TextField()
    html_body = fields.TextField()
    # [{"filename", "content_type", "content"}], content base64-encoded.
    attachments: list[dict[str, str]] = fields.JSONField(default=list)
    status = fields.CharEnumField(MailStatus, max_length=10, default=MailStatus.PENDING)
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField()
    # While SENDING: the claim lapses at this time, so a dead worker's rows return.
    lease_until = fields.DatetimeField(null=True)
    claimed_by = fields.CharField(max_length=100, null=True)
    last_error = fields.TextField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)

    class Meta:
        table = "outbox_mails"
        indexes = (("status", "next_attempt_at"),)
