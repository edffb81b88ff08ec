"""Telegram's failures on demand: errors injected per chat (recorded as faults, not refusals)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.devtools.standin.errors import BLOCKED, ApiError
from bot.devtools.standin.store import method_key


@dataclass
class FaultRule:
    chat_id: int
    status: int
    remaining: int
    retry_after: int | None
    methods: frozenset[str] | None
    description: str | None


class Faults:
    """Injected errors, consumed call by call."""

    def __init__(self) -> None:
        self._faults: list[FaultRule] = []

    def inject_error(
        self,
        chat_id: int,
        status: int,
        *,
        times: int = 1,
        retry_after: int | None = None,
        methods: Iterable[str] | None = None,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls carrying this chat_id (optionally only of ``methods``)
        with HTTP ``status`` and Telegram's error body for it."""
        if times < 1:
            raise ValueError("times must be at least 1")
        method_keys = None if methods is None else frozenset(method_key(m) for m in methods)
        self._faults.append(
            FaultRule(chat_id, status, times, retry_after, method_keys, description)
        )

    def clear_errors(self) -> None:
        """Forget injected errors that have not fired yet."""
        self._faults.clear()

    @staticmethod
    def _fault_error(rule: FaultRule) -> ApiError:
        error = Faults._answer(rule)
        error.kind = "fault"
        return error

    @staticmethod
    def _answer(rule: FaultRule) -> ApiError:
        status = rule.status
        if status == 403:
            return ApiError(403, rule.description or BLOCKED)
        if status == 429:
            seconds = rule.retry_after if rule.retry_after is not None else 1
            return ApiError(
                429,
                rule.description or f"Too Many Requests: retry after {seconds}",
                {"retry_after": seconds},
            )
        if status >= 500:
            return ApiError(status, rule.description or "Internal Server Error")
        if status == 400:
            return ApiError(400, rule.description or "Bad Request")
        return ApiError(status, rule.description or f"Error {status}")

    def check(self, name: str, params: dict[str, Any], chat_id: object = None) -> None:
        """Raise the injected error this call is answered with, if any. `chat_id`: the
        chat of a call that names none (answerCallbackQuery: the tapped message's)."""
        chat_id = params.get("chat_id", chat_id)
        if isinstance(chat_id, int) and not isinstance(chat_id, bool):
            key = method_key(name)
            for rule in self._faults:
                if rule.chat_id != chat_id:
                    continue
                if rule.methods is not None and key not in rule.methods:
                    continue
                rule.remaining -= 1
                if rule.remaining <= 0:
                    self._faults.remove(rule)
                raise self._fault_error(rule)
