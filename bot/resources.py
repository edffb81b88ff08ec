"""Where the bot's data lives: content/ and the Alembic migrations.

In a checkout (and an editable install) they are the repository's top-level `content/`
and `migrations/`. A built wheel carries copies of both inside the package, under
`bot/_data/` (written by the build step in setup.py), so an installed bot finds them
from any working directory. The installed copies win; the checkout is the fallback.
`CONTENT_DIR` (bot/config.py) overrides the content folder; the migrations always come
from here.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DIR = PACKAGE_DIR / "_data"  # only in a built package; see setup.py
CHECKOUT_DIR = PACKAGE_DIR.parent


def _locate(name: str) -> Path:
    """The shipped copy of a top-level folder, else the checkout's. When neither exists the
    shipped path is returned, so that an error names where an installed bot looked
    (never a folder that happens to sit next to the package in site-packages)."""
    shipped = SHIPPED_DIR / name
    checkout = CHECKOUT_DIR / name
    if not shipped.is_dir() and (CHECKOUT_DIR / "pyproject.toml").is_file() and checkout.is_dir():
        return checkout
    return shipped


def content_dir() -> Path:
    """The content folder the bot uses unless CONTENT_DIR says otherwise."""
    return _locate("content")


def migrations_dir() -> Path:
    """Alembic's script location: env.py, script.py.mako and versions/."""
    return _locate("migrations")
