"""GET /calendar/<token>.ics: a user's private calendar, for calendar apps to subscribe to."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from api.resolvers.calendar import feed_ics, feed_owner


async def calendar_feed(request: Request) -> Response:
    token = request.path_params["token"]
    user = await feed_owner(token)
    if user is None:
        return PlainTextResponse("Unknown or revoked calendar feed.", status_code=404)
    body = await feed_ics(user, request.app.state.settings)
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Cache-Control": "private, max-age=300",
            "Content-Disposition": 'inline; filename="promoplan.ics"',
        },
    )
