"""Exercise pictures: drawn once per process, uploaded to Telegram once for all processes.

Telegram keeps every photo it receives and answers with a `file_id` to send it again
without uploading. The first time a picture goes out the bot stores that file_id under
the picture's key (`bot.pictures.picture_key`: the pose's data and the drawing style) and
the bot's id (a file_id works only for the bot that received it); every later send, in
this process or another, after a restart too, goes by file_id. A changed pose or drawing
has a new key and is uploaded again. A file_id Telegram refuses is forgotten and the
picture uploaded again.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from weakref import WeakKeyDictionary

from sqlalchemy.exc import SQLAlchemyError

from bot import pictures as drawing
from bot.db.engine import Database
from bot.db.repo import pictures
from bot.poses import Pose
from bot.services.unit import Env

log = logging.getLogger(__name__)

# file_ids this process has seen, per database (the content's pictures only: a few dozen)
_known: WeakKeyDictionary[Database, dict[str, str]] = WeakKeyDictionary()


@lru_cache(maxsize=256)
def _key(pose: Pose) -> str:
    return drawing.picture_key(pose)


def key_of(pose: Pose, bot_id: int) -> str:
    """Where the upload of this picture by this bot is kept."""
    return f"{bot_id}:{_key(pose)}"


@lru_cache(maxsize=64)
def _png(pose: Pose) -> bytes:
    return drawing.render_pose(pose)


async def png(pose: Pose) -> bytes:
    """The picture's PNG, drawn off the event loop the first time."""
    return await asyncio.to_thread(_png, pose)


async def file_id(env: Env, pose: Pose, bot_id: int) -> str | None:
    """Telegram's file_id of the picture, if this bot uploaded it before (in any process)."""
    known = _known.setdefault(env.db, {})
    key = key_of(pose, bot_id)
    if key in known:
        return known[key]
    try:
        async with env.db.read() as tx:
            found = await pictures.file_id(tx, key=key)
    except SQLAlchemyError as exc:  # the cache is a saving, not a step: upload instead
        log.warning("event=picture_cache_failed reason=%s", type(exc).__name__)
        return None
    if found is not None:
        known[key] = found
    return found


async def uploaded(env: Env, pose: Pose, bot_id: int, file_id: str) -> None:
    """Telegram took the picture and named it `file_id`: send it by that from now on."""
    key = key_of(pose, bot_id)
    try:
        async with env.db.write() as tx:
            await pictures.remember(tx, key=key, file_id=file_id, now=env.clock.now())
            stored = await pictures.file_id(tx, key=key)
    except SQLAlchemyError as exc:  # not kept: the next send uploads it again
        log.warning("event=picture_cache_failed reason=%s", type(exc).__name__)
        return
    _known.setdefault(env.db, {})[key] = stored or file_id
    log.info("event=picture_uploaded key=%s", key[:24])


async def refused(env: Env, pose: Pose, bot_id: int, file_id: str) -> None:
    """Telegram no longer takes `file_id`: forget it, so the picture is uploaded again."""
    key = key_of(pose, bot_id)
    try:
        async with env.db.write() as tx:
            await pictures.forget(tx, key=key, file_id=file_id)
    except SQLAlchemyError as exc:
        log.warning("event=picture_cache_failed reason=%s", type(exc).__name__)
    _known.get(env.db, {}).pop(key, None)
    log.warning("event=picture_file_id_refused key=%s", key[:24])
