"""Bearer tokens for the benchmark's viewers, minted the way a login mints them.

Minting runs in its own process (`python -m bench.tokens URL USER_ID…`): Tortoise keeps
per-model SQL it built for the first database, so a second database in one process would
get the first one's placeholders.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from bench.options import REPO


async def _mint(database_url: str, user_ids: list[int]) -> dict[int, str]:
    from tortoise import Tortoise

    from api.resolvers.sessions import open_session
    from api.settings import Settings
    from db.config import tortoise_config
    from db.models.accounts import User

    await Tortoise.init(config=tortoise_config(database_url, pool_size=2))
    try:
        settings = Settings(database_url=database_url)
        tokens: dict[int, str] = {}
        for user_id in user_ids:
            user = await User.get(id=user_id)
            tokens[user_id] = (await open_session(settings, user)).token
        return tokens
    finally:
        await Tortoise.close_connections()


def mint_tokens(database_url: str, user_ids: list[int]) -> dict[int, str]:
    """A fresh `pps_…` session token for each user."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.tokens", database_url, *map(str, user_ids)],
        capture_output=True,
        cwd=REPO,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"minting tokens failed: {done.stderr.decode()[-3000:]}")
    return {int(k): v for k, v in json.loads(done.stdout).items()}


def main() -> None:
    url, *ids = sys.argv[1:]
    json.dump(asyncio.run(_mint(url, [int(i) for i in ids])), sys.stdout)


if __name__ == "__main__":
    main()
