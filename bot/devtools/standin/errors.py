"""Telegram's error answers: an HTTP status and the JSON body that goes with it.

The texts are the Bot API server's (tdlib/telegram-bot-api ``Client.cpp``): TDLib's and the
server's own messages get "Bad Request: " / "Forbidden: " in front and their first letter in
lower case (``Client::fail_query_with_error``); Telegram's server errors in capitals
(``BUTTON_DATA_INVALID``) pass through as they are. Sources: ``NOT_MODIFIED`` and
``QUERY_TOO_OLD`` are spelled out in ``fail_query_with_error``; ``CANT_INITIATE`` is
PEER_ID_INVALID on a send to a user (td ``MessagesManager::process_send_message_fail_error``),
``BLOCKED`` is USER_IS_BLOCKED (``fail_query_with_error``).
"""

from __future__ import annotations

from typing import Any, Literal

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"


ErrorKind = Literal["refused", "fault", "limited"]


class ApiError(Exception):
    """An error answer: HTTP status plus Telegram's JSON error body.

    ``kind`` says why, for the record of calls: ``"refused"`` by one of Telegram's rules,
    an injected ``"fault"``, or ``"limited"`` by the flood limits."""

    def __init__(
        self,
        status: int,
        description: str,
        parameters: dict[str, Any] | None = None,
        *,
        kind: ErrorKind = "refused",
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.parameters = parameters
        self.kind: ErrorKind = kind

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.parameters:
            body["parameters"] = self.parameters
        return body


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")
