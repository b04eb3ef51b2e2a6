"""`python -m bench.reference --port P --database-url URL`: serve the reference with uvicorn,
configured as `promoplan serve` configures the API (the same event loop and HTTP parser, no
access log)."""

from __future__ import annotations

import argparse

import uvicorn

from api.serving import ServerOptions
from api.settings import load_settings
from bench.reference.app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.reference")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    options = ServerOptions.of(load_settings())
    uvicorn.run(
        create_app(args.database_url),
        host=args.host,
        port=args.port,
        loop=options.loop,
        http=options.http,
        access_log=False,
        log_level="warning",
        timeout_graceful_shutdown=30,
    )


main()
