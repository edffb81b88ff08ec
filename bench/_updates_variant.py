"""The real bot with changes tried before they are made in bot/ (``bench.updates --variant``).

``BENCH_VARIANT`` (comma-separated) names them:

* ``concurrency=N``: PerChatUpdateProcessor(N) instead of the default 64 updates at once
  (bench.updates gives the bare bot the same N).

    BENCH_VARIANT=concurrency=16 python3 -m bench._updates_variant   # as python -m bot

(A ``writer-lock`` variant, tried here first, is now part of bot/db/engine.py.)
"""

from __future__ import annotations

import os
import sys

KNOWN = ("concurrency=N",)


def apply(variant: str) -> None:
    for change in filter(None, (c.strip() for c in variant.split(","))):
        name, _, value = change.partition("=")
        if name == "concurrency" and value.isdigit():
            from bot import app
            from bot.concurrency import PerChatUpdateProcessor

            limit = int(value)

            class Limited(PerChatUpdateProcessor):
                def __init__(self, max_concurrent_updates: int = limit) -> None:
                    super().__init__(max_concurrent_updates)

            setattr(app, "PerChatUpdateProcessor", Limited)  # noqa: B010 - the name build_application calls
        else:
            raise SystemExit(f"unknown variant {change!r}; known: {', '.join(KNOWN)}")


def main() -> int:
    apply(os.environ.get("BENCH_VARIANT", ""))
    from bot.__main__ import main as bot_main

    return bot_main([])


if __name__ == "__main__":
    sys.exit(main())
