"""`python -m bench.profiled_api --port P --out FILE`: `promoplan serve`, with pyinstrument
sampling the event-loop thread between SIGUSR1 (start) and SIGUSR2 (stop, save the session
to FILE), so a profile covers the load and not start-up or idle waiting before it."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from types import FrameType

from pyinstrument import Profiler


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profiled_api")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    # Every frame of the main thread, whichever task runs.
    profiler = Profiler(interval=0.001, async_mode="disabled")

    def start(signum: int, frame: FrameType | None) -> None:
        profiler.start()

    def stop(signum: int, frame: FrameType | None) -> None:
        session = profiler.stop()
        partial = args.out.with_suffix(".partial")
        session.save(partial)
        partial.replace(args.out)

    signal.signal(signal.SIGUSR1, start)
    signal.signal(signal.SIGUSR2, stop)
    from api.cli import serve

    serve(host=args.host, port=args.port, workers=1)


main()
