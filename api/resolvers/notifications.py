"""The outbox as admins see it."""

from __future__ import annotations

from api.permissions.scoping import visible_mails
from api.permissions.viewer import Viewer
from api.resolvers.pagination import Page, PageRequest, paginate
from db.models.notifications import MailStatus, OutboxMail


async def find_mails(
    viewer: Viewer, status: MailStatus | None, page: PageRequest
) -> Page[OutboxMail]:
    queryset = OutboxMail.filter(visible_mails(viewer))
    if status is not None:
        queryset = queryset.filter(status=status)
    return await paginate(queryset, ("-id",), page)


async def visible_mail(viewer: Viewer, pk: int) -> OutboxMail | None:
    return await OutboxMail.filter(visible_mails(viewer), pk=pk).first()
