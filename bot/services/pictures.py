"""Exercise pictures: drawn once per process, uploaded to Telegram once for all processes.

Telegram keeps every photo it receives and answers with a `file_id` to send it again
without uploading. The first time a picture goes out the bot stores that file_id under
the picture's key (`Pose.key`: its data and the drawing style); every later send, in this
process or another, after a restart too, goes by file_id. A changed pose has a new key
and is uploaded again. A file_id Telegram refuses is forgotten and the picture uploaded
again.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from weakref import WeakKeyDictionary

from bot import pictures as drawing
from bot.db.engine import Database
from bot.db.repo import pictures
from bot.poses import Pose
from bot.services.unit import Env

log = logging.getLogger(__name__)

# file_ids this process has seen, per database (the content's pictures only: a few dozen)
_known: WeakKeyDictionary[Database, dict[str, str]] = WeakKeyDictionary()


@lru_cache(maxsize=256)
def key_of(pose: Pose) -> str:
    return pose.key()


@lru_cache(maxsize=64)
def _png(pose: Pose) -> bytes:
    return drawing.render_pose(pose)


async def png(pose: Pose) -> bytes:
    """The picture's PNG, drawn off the event loop the first time."""
    return await asyncio.to_thread(_png, pose)


async def file_id(env: Env, pose: Pose) -> str | None:
    """Telegram's file_id of the picture, if it was uploaded before (by any process)."""
    known = _known.setdefault(env.db, {})
    key = key_of(pose)
    if key in known:
        return known[key]
    async with env.db.read() as tx:
        found = await pictures.file_id(tx, key=key)
    if found is not None:
        known[key] = found
    return found


async def uploaded(env: Env, pose: Pose, file_id: str) -> None:
    """Telegram took the picture and named it `file_id`: send it by that from now on."""
    key = key_of(pose)
    async with env.db.write() as tx:
        await pictures.remember(tx, key=key, file_id=file_id, now=env.clock.now())
        stored = await pictures.file_id(tx, key=key)
    _known.setdefault(env.db, {})[key] = stored or file_id
    log.info("event=picture_uploaded key=%s", key[:12])


async def refused(env: Env, pose: Pose, file_id: str) -> None:
    """Telegram no longer takes `file_id`: forget it, so the picture is uploaded again."""
    key = key_of(pose)
    async with env.db.write() as tx:
        await pictures.forget(tx, key=key, file_id=file_id)
    _known.get(env.db, {}).pop(key, None)
    log.warning("event=picture_file_id_refused key=%s", key[:12])
