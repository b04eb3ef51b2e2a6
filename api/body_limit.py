"""Request bodies over a size, or trickling in too slowly, are refused before anyone parses
them: 413 for the size, 408 for a client that stops sending (so it cannot hold a
connection open for ever)."""

from __future__ import annotations

import asyncio

from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        self.status = status
        self.message = message


class BodyLimits:
    def __init__(self, app: ASGIApp, max_bytes: int, read_timeout_seconds: float) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.read_timeout_seconds = read_timeout_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send, self._too_large())
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            try:
                async with asyncio.timeout(self.read_timeout_seconds):
                    message = await receive()
            except TimeoutError:
                raise _Refused(408, "The request body stopped arriving.") from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise self._too_large()
            return message

        try:
            await self.app(scope, limited, send)
        except _Refused as refused:
            # Raised while the app read the body, before it answered.
            await self._refuse(scope, receive, send, refused)

    def _too_large(self) -> _Refused:
        return _Refused(413, f"Request body over {self.max_bytes} bytes.")

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, refused: _Refused) -> None:
        response = PlainTextResponse(
            refused.message, refused.status, headers={"Connection": "close"}
        )
        await response(scope, receive, send)
