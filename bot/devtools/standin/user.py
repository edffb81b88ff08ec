"""The user's side of the chat: what a runner sends or taps, and waiting for the bot."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.devtools.standin.entities import utf16_length
from bot.devtools.standin.store import Store, StoredMessage, method_key


class UserSide(Store):
    """Updates for getUpdates, played as the user, and waiting for what the bot does next."""

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; assigns ``update_id`` when missing and returns it."""
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            update["update_id"] = update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(update)
        self._updates.sort(key=lambda queued: int(queued["update_id"]))
        self._notify()
        return update_id

    def user_text(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str | None = None,
        chat_id: int | None = None,
        chat_type: str = "private",
        language_code: str | None = None,
    ) -> StoredMessage:
        """The user sends ``text``; stored and queued as a "message" update.

        ``first_name`` and ``language_code`` default to what the user last used ("Runner", "en").
        """
        if not text:
            raise ValueError("a Telegram text message cannot be empty")
        user = self._remember_user(user_id, first_name, language_code)
        target = user_id if chat_id is None else chat_id
        self._remember_chat(target, chat_type, user["first_name"])
        entities: list[dict[str, Any]] | None = None
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            entities = [{"type": "bot_command", "offset": 0, "length": utf16_length(command)}]
        message = self._new_message(
            target, from_bot=False, text=text, sender_id=user_id, entities=entities
        )
        self.push_update({"message": self._render(message)})
        return message

    def user_location(
        self, user_id: int, latitude: float, longitude: float, *, chat_id: int | None = None
    ) -> StoredMessage:
        """The user shares a location; stored (without text) and queued as a "message"."""
        user = self._remember_user(user_id, None, None)
        target = user_id if chat_id is None else chat_id
        self._remember_chat(target, "private", user["first_name"])
        message = self._new_message(target, from_bot=False, text=None, sender_id=user_id)
        rendered = self._render(message)
        rendered["location"] = {"latitude": latitude, "longitude": longitude}
        self.push_update({"message": rendered})
        return message

    def user_tap(
        self,
        user_id: int,
        message: StoredMessage,
        callback_data: str,
        *,
        first_name: str | None = None,
    ) -> str:
        """The user taps a button carrying ``callback_data`` under ``message``.

        Queues a "callback_query" update with the message as it currently is; returns the query
        id that answerCallbackQuery must use (once).
        """
        user = self._remember_user(user_id, first_name, None)
        current = self.messages.get((message.chat_id, message.message_id), message)
        query_id = str(next(self._callback_ids))
        self._open_callbacks.add(query_id)
        self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": dict(user),
                    "message": self._render(current),
                    "chat_instance": str(1_000_000_000_000 + abs(current.chat_id)),
                    "data": callback_data,
                }
            }
        )
        return query_id

    def user_tap_label(self, user_id: int, label: str, *, chat_id: int | None = None) -> str:
        """Tap the button labelled ``label`` on the newest bot message that shows one.

        An exact label wins; otherwise the newest message with buttons containing ``label``
        (case-insensitive) must have exactly one such button. Raises LookupError otherwise.
        """
        target = user_id if chat_id is None else chat_id
        newest_first = list(reversed(self.chat_messages(target)))

        def tappable(message: StoredMessage) -> list[dict[str, Any]]:
            return [b for b in message.buttons() if isinstance(b.get("callback_data"), str)]

        for message in newest_first:
            for button in tappable(message):
                if button.get("text") == label:
                    return self.user_tap(user_id, message, str(button["callback_data"]))
        needle = label.casefold()
        for message in newest_first:
            matches = [b for b in tappable(message) if needle in str(b.get("text", "")).casefold()]
            if len(matches) == 1:
                return self.user_tap(user_id, message, str(matches[0]["callback_data"]))
            if matches:
                labels = [str(b.get("text")) for b in matches]
                raise LookupError(
                    f"button {label!r} is ambiguous in message {message.message_id} of chat "
                    f"{target}: {labels}"
                )
        keyboards = [
            f"#{message.message_id}: {message.button_labels()}"
            for message in newest_first
            if message.buttons()
        ][:5]
        raise LookupError(
            f"no button {label!r} in chat {target}; available (newest first): "
            f"{'; '.join(keyboards) or 'no inline keyboards'}"
        )

    # ------------------------------------------------------------------ waiting

    async def wait_changed(self, seconds: float) -> None:
        """Return when anything happened (a call, an update queued) or after ``seconds``."""
        await self._wait_changed(seconds)

    async def wait_for_call(
        self,
        method: str,
        *,
        predicate: Callable[[dict[str, Any]], bool] | None = None,
        after: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented waiting API
        successful_only: bool = False,
    ) -> dict[str, Any]:
        """Params of the first call of ``method`` at index >= ``after`` matching ``predicate``."""
        key = method_key(method)

        def probe() -> dict[str, Any] | None:
            for name, params in self.calls[after:]:
                if method_key(name) != key:
                    continue
                if successful_only and "_error" in params:
                    continue
                if predicate is None or predicate(params):
                    return params
            return None

        found = await self._wait_for(probe, timeout)
        if found is None:
            condition = " matching the predicate" if predicate is not None else ""
            raise TimeoutError(
                f"no {method} call{condition} at index >= {after} within {timeout}s; "
                f"recent calls: {self.describe_calls()}"
            )
        return found

    async def wait_for_bot_message(
        self,
        chat_id: int,
        *,
        after_message_id: int = 0,
        timeout: float = 5.0,  # noqa: ASYNC109 - part of the documented waiting API
    ) -> StoredMessage:
        """The first bot message in the chat with message_id > ``after_message_id``."""

        def probe() -> StoredMessage | None:
            for message in self.chat_messages(chat_id, include_deleted=True):
                if message.message_id > after_message_id:
                    return message
            return None

        found = await self._wait_for(probe, timeout)
        if found is None:
            raise TimeoutError(
                f"the bot sent nothing to chat {chat_id} after message {after_message_id} "
                f"within {timeout}s; recent calls: {self.describe_calls()}"
            )
        return found

    async def wait_idle(
        self,
        *,
        quiet: float = 0.3,
        timeout: float = 10.0,  # noqa: ASYNC109 - part of the documented waiting API
    ) -> None:
        """Wait until every queued update was delivered and the bot made no call for ``quiet``s.

        getUpdates calls that return nothing do not count as activity.
        """
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            pending = len(self.pending_updates)
            idle_for = now - self._last_activity
            if not pending and idle_for >= quiet:
                return
            remaining = deadline - now
            if remaining <= 0:
                raise TimeoutError(
                    f"not idle after {timeout}s: {pending} undelivered update(s), last call "
                    f"{idle_for:.2f}s ago; recent calls: {self.describe_calls()}"
                )
            await self._wait_changed(remaining if pending else min(remaining, quiet - idle_for))
