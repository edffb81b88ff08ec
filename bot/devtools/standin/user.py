"""The user's side of the chat: what a runner sends or taps, and waiting for the bot."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bot.devtools.standin.entities import utf16_length
from bot.devtools.standin.markup import is_callback_button
from bot.devtools.standin.store import Store, StoredMessage, method_key


class LinkButtonError(LookupError):
    """The user side was asked to tap a button that sends the bot no callback query."""


class UserSide(Store):
    """Updates for getUpdates, played as the user, and waiting for what the bot does next."""

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; assigns ``update_id`` when missing and returns it.

        A message or button tap in it from a user in a private chat opens that chat (see
        :meth:`open_chat`); a group or channel it comes from becomes known; its callback
        query may be answered (once)."""
        self._note_update(update)
        update_id = update.get("update_id")
        if not isinstance(update_id, int):
            update_id = self._next_update_id
            update["update_id"] = update_id
        self._next_update_id = max(self._next_update_id, update_id + 1)
        self._updates.append(update)
        self._updates.sort(key=lambda queued: int(queued["update_id"]))
        self._notify()
        return update_id

    def _note_update(self, update: dict[str, Any]) -> None:
        """What an update from Telegram implies: the chats it comes from exist (a private one
        is open when its user wrote or tapped), and its callback query may be answered."""
        for key, item in update.items():
            if not isinstance(item, dict):
                continue
            if key == "callback_query" and isinstance(item.get("id"), str):
                self._open_callbacks.add(item["id"])
            message = item.get("message") if key == "callback_query" else item
            chat = message.get("chat") if isinstance(message, dict) else None
            if key == "callback_query" and isinstance(chat, dict) and "id" in chat:
                self._callback_chats[str(item.get("id"))] = int(chat["id"])
            sender = item.get("from")
            if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
                continue
            if chat.get("type") == "private":
                if isinstance(sender, dict) and sender.get("id") == chat["id"]:
                    self._opened_chats.add(chat["id"])
            elif chat["id"] not in self._chats:
                self._chats[chat["id"]] = dict(chat)

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
        self._user_time += self.user_pace_seconds
        user = self._remember_user(user_id, first_name, language_code)
        target = user_id if chat_id is None else chat_id
        self._remember_chat(target, chat_type, user["first_name"])
        if chat_type == "private":
            self._opened_chats.add(target)
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
        self._user_time += self.user_pace_seconds
        user = self._remember_user(user_id, None, None)
        target = user_id if chat_id is None else chat_id
        self._remember_chat(target, "private", user["first_name"])
        self._opened_chats.add(target)
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
        id that answerCallbackQuery must use (once). Any data may be sent, as a forged or
        stale query would be; a Telegram app sends only the data of a callback button (see
        :meth:`user_tap_button` and :meth:`user_tap_label`, which refuse link buttons).
        """
        user = self._remember_user(user_id, first_name, None)
        self._user_time += self.user_pace_seconds
        current = self.messages.get((message.chat_id, message.message_id), message)
        if current.chat_id == user_id:
            self._opened_chats.add(user_id)
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

    def user_tap_button(
        self, user_id: int, message: StoredMessage, label: str, *, first_name: str | None = None
    ) -> str:
        """Tap the button labelled exactly ``label`` under ``message``; the query id.

        ``message`` is what the user's app shows: a copy taken earlier taps a button that
        has gone since, as an app that has not caught up would. Raises LookupError without
        such a button, and :class:`LinkButtonError` for a button that sends no callback query
        (a ``url`` button opens its link in the app)."""
        for button in message.buttons():
            if button.get("text") == label:
                return self._tap(user_id, message, button, first_name)
        raise LookupError(
            f"no button {label!r} on message {message.message_id} of chat {message.chat_id}; "
            f"it shows {message.button_labels()}"
        )

    def user_tap_label(self, user_id: int, label: str, *, chat_id: int | None = None) -> str:
        """Tap the button labelled ``label`` on the newest bot message that shows one.

        An exact label wins; otherwise the newest message with buttons containing ``label``
        (case-insensitive) must have exactly one such button. Raises LookupError otherwise,
        and :class:`LinkButtonError` if the button is a link (it sends the bot nothing).
        """
        target = user_id if chat_id is None else chat_id
        newest_first = list(reversed(self.chat_messages(target)))

        for message in newest_first:
            for button in message.buttons():
                if button.get("text") == label:
                    return self._tap(user_id, message, button, None)
        needle = label.casefold()
        for message in newest_first:
            matches = [b for b in message.buttons() if needle in str(b.get("text", "")).casefold()]
            if len(matches) == 1:
                return self._tap(user_id, message, matches[0], None)
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

    def _tap(
        self,
        user_id: int,
        message: StoredMessage,
        button: dict[str, Any],
        first_name: str | None,
    ) -> str:
        if not is_callback_button(button):
            if button.get("url"):
                kind = f"a link button (url {button['url']}): tapping it opens the link and"
            else:
                actions = [key for key in button if key not in ("text", "callback_data")]
                kind = f"a {', '.join(actions) or 'label-only'} button: tapping it"
            raise LinkButtonError(
                f"button {button.get('text')!r} on message {message.message_id} of chat "
                f"{message.chat_id} is {kind} sends the bot no callback query"
            )
        return self.user_tap(user_id, message, str(button["callback_data"]), first_name=first_name)

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
