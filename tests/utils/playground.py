"""`python -m bot playground` as a person starts it: its own process, a free port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def start_playground(
    env: dict[str, str] | None = None, *, as_background_job: bool = False
) -> subprocess.Popen[str]:
    """The command with this environment (a developer's DATABASE_URL and CONTENT_DIR left
    out) and `env` on top; as a shell's background job starts it (SIGINT ignored) if
    asked. Its first lines on stdout are the address and the database."""
    environ = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "CONTENT_DIR")}
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "playground", "--port", "0", "--no-browser"],
        cwd=ROOT,
        env={**environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ignore_sigint if as_background_job else None,
    )
