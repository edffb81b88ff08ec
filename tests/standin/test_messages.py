"""Messages under Telegram's rules: edits, keyboards, who the bot may write to, photos,
uploads, callback queries and what the user side can tap."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest
from telegram.constants import FileSizeLimit

from bot.devtools.standin import (
    BLOCKED,
    CANT_INITIATE,
    NOT_MODIFIED,
    BotApiStandIn,
    LinkButtonError,
    StoredMessage,
)
from tests.standin.helpers import PNG, USER, api, keyboard, photo_form, png, send

STRANGER = 31337  # never wrote to the bot


# --------------------------------------------------------------------------- edits


async def test_edits_follow_telegram_rules(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, sent = await api(
        http,
        standin,
        "sendMessage",
        json={"chat_id": USER, "text": "Pick", "reply_markup": keyboard("A", "B")},
    )
    message_id = sent["result"]["message_id"]
    stored = standin.messages[(USER, message_id)]
    target = {"chat_id": USER, "message_id": message_id}

    status, body = await api(
        http,
        standin,
        "editMessageText",
        json={**target, "text": "Pick", "reply_markup": keyboard("A", "B")},
    )
    assert (status, body["description"]) == (400, NOT_MODIFIED)

    status, body = await api(
        http, standin, "editMessageReplyMarkup", json={**target, "reply_markup": keyboard("A")}
    )
    assert status == 200
    assert stored.button_labels() == ["A"]
    assert stored.edits == 1
    assert body["result"]["edit_date"] == stored.edit_date

    # Without reply_markup, editMessageText removes the keyboard, as Telegram does.
    status, body = await api(http, standin, "editMessageText", json={**target, "text": "Picked"})
    assert status == 200
    assert "reply_markup" not in body["result"]
    assert (stored.text, stored.reply_markup, stored.edits) == ("Picked", None, 2)

    status, body = await api(http, standin, "editMessageReplyMarkup", json=target)
    assert (status, body["description"]) == (400, NOT_MODIFIED)

    status, body = await api(
        http, standin, "editMessageText", json={"chat_id": USER, "message_id": 99, "text": "x"}
    )
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")

    users_message = standin.user_text(USER, "mine")
    status, body = await api(
        http,
        standin,
        "editMessageText",
        json={"chat_id": USER, "message_id": users_message.message_id, "text": "x"},
    )
    assert (status, body["description"]) == (400, "Bad Request: message can't be edited")

    assert (await api(http, standin, "deleteMessage", json=target))[0] == 200
    assert stored.deleted
    status, body = await api(http, standin, "deleteMessage", json=target)
    assert (status, body["description"]) == (400, "Bad Request: message to delete not found")
    status, body = await api(http, standin, "editMessageText", json={**target, "text": "late"})
    assert (status, body["description"]) == (400, "Bad Request: message to edit not found")
    assert standin.chat_messages(USER) == []
    assert standin.chat_messages(USER, include_deleted=True) == [stored]
    assert len(standin.successful_calls("editMessageText")) == 1


async def test_captions_can_be_edited(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("caption", "Your week")
    form.add_field("photo", PNG, filename="chart.png", content_type="image/png")
    status, body = await api(http, standin, "sendPhoto", data=form)
    assert status == 200, body
    (size,) = body["result"]["photo"]
    assert (size["width"], size["height"], size["file_size"]) == (3, 2, len(PNG))
    target = {"chat_id": USER, "message_id": body["result"]["message_id"]}

    status, body = await api(
        http, standin, "editMessageCaption", json={**target, "caption": "Your week"}
    )
    assert (status, body["description"]) == (400, NOT_MODIFIED)
    status, body = await api(
        http, standin, "editMessageCaption", json={**target, "caption": "Week 2"}
    )
    assert status == 200
    assert body["result"]["caption"] == "Week 2"
    status, body = await api(http, standin, "editMessageText", json={**target, "text": "x"})
    assert (status, body["description"]) == (
        400,
        "Bad Request: there is no text in the message to edit",
    )


async def test_an_edit_must_change_what_is_shown(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, sent = await send(http, standin, text="a &amp; b", parse_mode="HTML")
    target = {"chat_id": USER, "message_id": sent["result"]["message_id"]}

    async def edit(**fields: Any) -> tuple[int, str]:
        status, body = await api(http, standin, "editMessageText", json={**target, **fields})
        return status, body.get("description", "")

    # The same visible text without formatting: not modified (Telegram compares what it shows).
    assert await edit(text="a & b") == (400, NOT_MODIFIED)
    assert await edit(text="  a & b\n") == (400, NOT_MODIFIED)  # trimmed first
    # Formatting is content: plain into bold and back are both edits.
    assert await edit(text="<b>a &amp; b</b>", parse_mode="HTML") == (200, "")
    assert await edit(text="*a & b*", parse_mode="Markdown") == (400, NOT_MODIFIED)
    assert await edit(text="a & b") == (200, "")
    assert standin.messages[(USER, target["message_id"])].edits == 2
    assert [d for _, _, d in standin.refused_calls("editMessageText")] == [NOT_MODIFIED] * 3


async def test_edited_texts_follow_the_text_rules(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, sent = await send(http, standin, text="short")
    target = {"chat_id": USER, "message_id": sent["result"]["message_id"]}
    status, body = await api(
        http, standin, "editMessageText", json={**target, "text": "x" * 4096 + "  "}
    )
    assert status == 200
    for fields, description in [
        ({"text": "x" * 4097}, "Bad Request: MESSAGE_TOO_LONG"),
        ({"text": ""}, "Bad Request: message text is empty"),
        ({"text": " "}, "Bad Request: text must be non-empty"),
        (
            {"text": "<b>x", "parse_mode": "HTML"},
            "Bad Request: can't parse entities: "
            'Can\'t find end tag corresponding to start tag "b"',
        ),
    ]:
        status, body = await api(http, standin, "editMessageText", json={**target, **fields})
        assert (status, body["description"]) == (400, description)

    _, photo = await api(http, standin, "sendPhoto", data=photo_form(PNG, caption="c"))
    target = {"chat_id": USER, "message_id": photo["result"]["message_id"]}
    status, body = await api(
        http, standin, "editMessageCaption", json={**target, "caption": "c" * 1025}
    )
    assert (status, body["description"]) == (400, "Bad Request: MEDIA_CAPTION_TOO_LONG")
    status, body = await api(
        http, standin, "editMessageCaption", json={**target, "caption": "c" * 1024}
    )
    assert status == 200


# --------------------------------------------------------------------------- keyboards


async def test_keyboards_as_telegram_reads_them(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    rows: list[list[dict[str, Any]]] = [
        [{"text": "", "callback_data": "dropped"}, {"text": " ", "callback_data": "blank"}],
        [{"text": "", "url": "https://a.b"}],  # a row left empty: dropped
        [{"text": "Site", "url": "https://a.b"}, {"text": "d" * 64, "callback_data": "d" * 64}],
    ]
    status, body = await send(http, standin, text="hi", reply_markup={"inline_keyboard": rows})
    assert status == 200, body
    assert body["result"]["reply_markup"] == {"inline_keyboard": [[rows[0][1]], rows[2]]}
    status, body = await send(
        http,
        standin,
        text="hi",
        reply_markup={"inline_keyboard": [[{"text": "", "callback_data": "x"}]]},
    )
    assert status == 200
    assert "reply_markup" not in body["result"]  # nothing left: no keyboard

    for markup, description in [
        (
            {"inline_keyboard": [[{"text": "x"}]]},
            "Bad Request: can't parse inline keyboard "
            "button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"inline_keyboard": [[{"text": "x", "callback_data": ""}]]},
            "Bad Request: can't parse "
            "inline keyboard button: Text buttons are unallowed in the inline keyboard",
        ),
        (
            {"inline_keyboard": [[{"text": "", "callback_data": "d" * 65}]]},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"inline_keyboard": [[{"text": "x", "callback_data": "é" * 33}]]},
            "Bad Request: BUTTON_DATA_INVALID",
        ),
        (
            {"inline_keyboard": [[{"callback_data": "x"}]]},
            "Bad Request: can't parse inline keyboard button: Can't find field \"text\"",
        ),
        (
            {"inline_keyboard": [{"text": "x", "callback_data": "x"}]},
            "Bad Request: field "
            '"inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays',
        ),
    ]:
        status, body = await send(http, standin, text="hi", reply_markup=markup)
        assert (status, body["description"]) == (400, description), markup
    assert len(standin.refused_calls()) == 6


# ------------------------------------------------------------------------- who the bot writes to


async def test_the_bot_cannot_start_a_conversation(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    async def to(chat_id: int) -> tuple[int, str]:
        status, body = await api(
            http, standin, "sendMessage", json={"chat_id": chat_id, "text": "Time to move"}
        )
        return status, body.get("description", "")

    assert await to(STRANGER) == (403, CANT_INITIATE)
    status, body = await api(http, standin, "sendPhoto", data=photo_form(PNG, chat_id=STRANGER))
    assert (status, body["description"]) == (403, CANT_INITIATE)
    action = {"chat_id": STRANGER, "action": "typing"}
    status, body = await api(http, standin, "sendChatAction", json=action)
    assert (status, body["description"]) == (403, CANT_INITIATE)
    assert [(m, d) for m, _, d in standin.refused_calls()] == [
        ("sendMessage", CANT_INITIATE),
        ("sendPhoto", CANT_INITIATE),
        ("sendChatAction", CANT_INITIATE),
    ]
    assert standin.chat_messages(STRANGER) == []

    standin.user_text(STRANGER, "/start")  # writing opens the chat
    assert await to(STRANGER) == (200, "")
    standin.open_chat(STRANGER + 1)  # as a test does for runners put in the database
    assert await to(STRANGER + 1) == (200, "")
    standin.push_update(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": STRANGER + 2, "type": "private", "first_name": "A"},
                "from": {"id": STRANGER + 2, "is_bot": False, "first_name": "A"},
                "text": "hi",
            }
        }
    )
    assert await to(STRANGER + 2) == (200, "")
    assert not standin.chat_is_open(STRANGER + 3)
    standin.every_chat_open = True
    assert await to(STRANGER + 3) == (200, "")


async def test_groups_must_be_known(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    message = {"chat_id": -100123, "text": "hello group"}
    status, body = await api(http, standin, "sendMessage", json=message)
    assert (status, body["description"]) == (400, "Bad Request: chat not found")
    standin.user_text(USER, "/help", chat_id=-100123, chat_type="group")
    assert (await api(http, standin, "sendMessage", json=message))[0] == 200
    assert not standin.chat_is_open(STRANGER)  # a group message opens no private chat


async def test_a_blocked_bot_keeps_its_own_answer(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    standin.inject_error(STRANGER, 403)  # the injected error answers before any rule
    status, body = await api(http, standin, "sendMessage", json={"chat_id": STRANGER, "text": "hi"})
    assert (status, body["description"]) == (403, BLOCKED)
    assert standin.refused_calls() == []
    ((_, params),) = standin.calls
    assert params["_fault"] is True


# --------------------------------------------------------------------------- photos and uploads


@pytest.mark.parametrize(
    ("width", "height", "accepted"),
    [
        (5000, 5000, True),
        (5001, 5000, False),  # width + height over 10000
        (2000, 100, True),
        (2000, 99, False),  # a ratio over 20
        (99, 2000, False),
        (1, 20, True),
    ],
)
async def test_photo_dimensions(
    standin: BotApiStandIn, http: aiohttp.ClientSession, width: int, height: int, accepted: bool
) -> None:
    status, body = await api(http, standin, "sendPhoto", data=photo_form(png(width, height)))
    if accepted:
        assert status == 200, body
        (size,) = body["result"]["photo"]
        assert (size["width"], size["height"]) == (width, height)
    else:
        assert (status, body["description"]) == (400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
    # As a document the same image is only a file.
    form = aiohttp.FormData()
    form.add_field("chat_id", str(USER))
    form.add_field("document", png(width, height), filename="chart.png")
    assert (await api(http, standin, "sendDocument", data=form))[0] == 200


async def test_photo_and_upload_sizes(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    limit = int(FileSizeLimit.PHOTOSIZE_UPLOAD)
    photo = PNG + b"\x00" * (limit - len(PNG))
    assert (await api(http, standin, "sendPhoto", data=photo_form(photo)))[0] == 200
    status, body = await api(http, standin, "sendPhoto", data=photo_form(photo + b"\x00"))
    assert (status, body["description"]) == (400, "Bad Request: PHOTO_SAVE_FILE_INVALID")

    def document(size: int) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("chat_id", str(USER))
        form.add_field("document", b"\x00" * size, filename="export.csv")
        return form

    upload = int(FileSizeLimit.FILESIZE_UPLOAD)
    assert (await api(http, standin, "sendDocument", data=document(upload - 1000)))[0] == 200
    status, body = await api(http, standin, "sendDocument", data=document(upload + 1))
    assert (status, body) == (
        413,
        {"ok": False, "error_code": 413, "description": "Request Entity Too Large"},
    )
    assert [(m, d) for m, _, d in standin.refused_calls()] == [
        ("sendPhoto", "Bad Request: PHOTO_SAVE_FILE_INVALID"),
        ("sendDocument", "Request Entity Too Large"),
    ]


# --------------------------------------------------------------------------- the user's side


async def test_user_side_chats_and_names(standin: BotApiStandIn) -> None:
    standin.user_text(USER, "hi", first_name="Ana")
    standin.user_text(USER, "still me")
    group_message = standin.user_text(
        USER, "/help@mobility_test_bot x", chat_id=-100, chat_type="group"
    )
    with pytest.raises(ValueError, match="empty"):
        standin.user_text(USER, "")
    updates = standin.pending_updates
    assert updates[1]["message"]["from"]["first_name"] == "Ana"
    assert "entities" not in updates[1]["message"]
    group = updates[2]["message"]
    assert group["chat"] == {"id": -100, "type": "group", "title": "Test group"}
    assert group["entities"] == [{"type": "bot_command", "offset": 0, "length": 23}]
    assert group_message.message_id == 1
    assert not group_message.from_bot


async def test_taps_and_callback_answers(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, sent = await send(
        http, standin, text="<b>Pain?</b>", parse_mode="HTML", reply_markup=keyboard("0", "5")
    )
    message = standin.messages[(USER, sent["result"]["message_id"])]
    query_id = standin.user_tap(USER, message, "cb:5")
    (update,) = standin.pending_updates
    query = update["callback_query"]
    assert query["id"] == query_id
    assert query["data"] == "cb:5"
    assert query["message"]["text"] == "Pain?"
    assert query["message"]["entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    assert query["message"]["reply_markup"] == keyboard("0", "5")
    assert query["from"]["id"] == USER
    assert query["chat_instance"]

    answer: dict[str, Any] = {"callback_query_id": query_id, "text": "x" * 201}
    status, body = await api(http, standin, "answerCallbackQuery", json=answer)
    assert (status, body["description"]) == (400, "Bad Request: MESSAGE_TOO_LONG")
    answer = {"callback_query_id": query_id, "text": "x" * 200, "show_alert": True}
    assert (await api(http, standin, "answerCallbackQuery", json=answer))[0] == 200
    assert standin.answered_callbacks[query_id] == answer
    for unknown in (query_id, "12345"):
        status, body = await api(
            http, standin, "answerCallbackQuery", data={"callback_query_id": unknown}
        )
        assert (status, body["description"]) == (
            400,
            "Bad Request: query is too old and response timeout expired or query ID is invalid",
        )


async def test_updates_pushed_as_telegram_would_send_them(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    """An update from Telegram carries a callback query the bot may answer, and chats the
    bot may write to."""
    channel = {"id": -100777, "type": "channel", "title": "News"}
    standin.push_update(
        {"channel_post": {"message_id": 1, "date": 0, "chat": channel, "text": "hi"}}
    )
    status, _ = await api(http, standin, "sendMessage", json={"chat_id": -100777, "text": "x"})
    assert status == 200
    standin.push_update(
        {
            "callback_query": {
                "id": "forged-1",
                "from": {"id": STRANGER, "is_bot": False, "first_name": "M"},
                "chat_instance": "1",
                "data": "x",
            }
        }
    )
    answer = {"callback_query_id": "forged-1"}
    assert (await api(http, standin, "answerCallbackQuery", json=answer))[0] == 200
    status, body = await api(http, standin, "answerCallbackQuery", json=answer)
    assert (status, body["description"]) == (
        400,
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    )
    assert not standin.chat_is_open(STRANGER)  # a tap without a message opens no chat


async def test_tap_by_label(standin: BotApiStandIn, http: aiohttp.ClientSession) -> None:
    async def sent(text: str, markup: dict[str, Any]) -> StoredMessage:
        _, body = await send(http, standin, text=text, reply_markup=markup)
        return standin.messages[(USER, body["result"]["message_id"])]

    old = await sent("old", keyboard("Start session", "Settings"))
    new = await sent("new", keyboard("Start", "Start later"))

    def tapped() -> dict[str, Any]:
        query: dict[str, Any] = standin.pending_updates[-1]["callback_query"]
        return query

    standin.user_tap_label(USER, "Start")  # exact beats substring
    assert (tapped()["message"]["message_id"], tapped()["data"]) == (new.message_id, "cb:Start")
    standin.user_tap_label(USER, "settings")  # the only substring match, on an older message
    assert (tapped()["message"]["message_id"], tapped()["data"]) == (old.message_id, "cb:Settings")
    standin.user_tap_label(USER, "Start session")
    assert tapped()["data"] == "cb:Start session"
    with pytest.raises(LookupError, match="ambiguous"):
        standin.user_tap_label(USER, "sta")
    with pytest.raises(LookupError, match=r"'Start', 'Start later'") as missing:
        standin.user_tap_label(USER, "Nope")
    assert "Settings" in str(missing.value)
    with pytest.raises(LookupError, match="no inline keyboards"):
        standin.user_tap_label(USER, "x", chat_id=555)

    standin.user_tap_button(USER, old, "Settings")
    assert (tapped()["message"]["message_id"], tapped()["data"]) == (old.message_id, "cb:Settings")
    with pytest.raises(LookupError, match=r"no button 'Start' on message"):
        standin.user_tap_button(USER, old, "Start")


async def test_link_buttons_cannot_be_tapped(
    standin: BotApiStandIn, http: aiohttp.ClientSession
) -> None:
    _, body = await send(
        http,
        standin,
        text="links",
        reply_markup={
            "inline_keyboard": [
                [{"text": "Open site", "url": "https://a.b", "callback_data": "ignored"}],
                [{"text": "Copy", "copy_text": {"text": "code"}}],
            ]
        },
    )
    message = standin.messages[(USER, body["result"]["message_id"])]
    queued = len(standin.pending_updates)
    with pytest.raises(LinkButtonError, match=r"'Open site' .* link button \(url https://a.b\)"):
        standin.user_tap_label(USER, "Open site")  # a link opens; the bot hears nothing
    with pytest.raises(LinkButtonError, match=r"'Copy' .* a copy_text button"):
        standin.user_tap_label(USER, "copy")
    with pytest.raises(LinkButtonError):
        standin.user_tap_button(USER, message, "Open site")
    assert len(standin.pending_updates) == queued
