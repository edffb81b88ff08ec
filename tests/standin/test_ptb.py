"""python-telegram-bot against the stand-in: every answer parses, errors map to PTB's."""

from __future__ import annotations

import pytest
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from bot.devtools.standin import BotApiStandIn
from tests.standin.helpers import PNG, TOKEN, USER


async def test_ptb_parses_every_response(standin: BotApiStandIn, tg: Bot) -> None:
    me = await tg.get_me()
    assert (me.id, me.username, me.is_bot) == (7000001, "mobility_test_bot", True)
    assert await tg.delete_webhook(drop_pending_updates=True) is True
    commands = [BotCommand("start", "Set up"), BotCommand("help", "What I can do")]
    assert await tg.set_my_commands(commands) is True
    assert standin.commands == [
        {"command": "start", "description": "Set up"},
        {"command": "help", "description": "What I can do"},
    ]
    assert await tg.get_my_commands() == tuple(commands)
    assert await tg.send_chat_action(USER, "typing") is True

    markup = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Easy", callback_data="lvl:1")],
            [InlineKeyboardButton("Hard", callback_data="lvl:2")],
        ]
    )
    sent = await tg.send_message(
        USER, "<b>Pick</b> a level", parse_mode="HTML", reply_markup=markup
    )
    assert sent.text == "Pick a level"  # Telegram answers with the parsed text and entities
    assert sent.text_html == "<b>Pick</b> a level"
    assert sent.reply_markup == markup
    assert sent.chat.id == USER
    assert sent.chat.type == "private"
    assert sent.from_user == me
    stored = standin.messages[(USER, sent.message_id)]
    assert stored.reply_markup == markup.to_dict()
    assert stored.button_labels() == ["Easy", "Hard"]

    edited = await tg.edit_message_text(
        "Level?", chat_id=USER, message_id=sent.message_id, reply_markup=markup
    )
    assert not isinstance(edited, bool)
    assert edited.text == "Level?"
    assert edited.edit_date is not None
    edited = await tg.edit_message_reply_markup(chat_id=USER, message_id=sent.message_id)
    assert not isinstance(edited, bool)
    assert edited.reply_markup is None
    assert stored.edits == 2
    assert standin.messages[(USER, sent.message_id)].reply_markup is None  # (mypy narrowing)

    photo = await tg.send_photo(USER, PNG, caption="Your week")
    assert photo.caption == "Your week"
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    assert standin.messages[(USER, photo.message_id)].photo == PNG
    photo_file = await tg.get_file(photo.photo[-1].file_id)
    assert bytes(await photo_file.download_as_bytearray()) == PNG

    document = await tg.send_document(USER, b"day,pain\n1,3\n", filename="export.csv")
    assert document.document is not None
    assert document.document.file_name == "export.csv"
    assert document.document.mime_type == "text/csv"
    stored_document = standin.messages[(USER, document.message_id)]
    assert (stored_document.document, stored_document.document_name) == (
        b"day,pain\n1,3\n",
        "export.csv",
    )

    assert await tg.delete_message(USER, document.message_id) is True
    assert stored_document.deleted

    standin.user_text(USER, "/start", first_name="Ana")
    query_id = standin.user_tap(USER, stored, "lvl:2")
    updates = await tg.get_updates(timeout=1)
    assert [type(u) for u in updates] == [Update, Update]
    assert updates[0].message is not None
    assert updates[0].message.text == "/start"
    assert updates[0].message.from_user is not None
    assert updates[0].message.from_user.first_name == "Ana"
    assert updates[0].message.entities[0].type == "bot_command"
    query = updates[1].callback_query
    assert query is not None
    assert query.id == query_id
    assert query.data == "lvl:2"
    assert query.message is not None
    assert query.message.message_id == sent.message_id
    assert await query.answer("Saved") is True
    assert standin.answered_callbacks[query_id]["text"] == "Saved"
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    assert await tg.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    assert await tg.log_out() is True


async def test_ptb_sees_not_modified_as_bad_request(standin: BotApiStandIn, tg: Bot) -> None:
    sent = await tg.send_message(USER, "Same")
    with pytest.raises(BadRequest, match="Message is not modified"):
        await tg.edit_message_text("Same", chat_id=USER, message_id=sent.message_id)
    with pytest.raises(BadRequest, match="Message is too long"):
        await tg.send_message(USER, "x" * 5000)
    with pytest.raises(BadRequest, match="Message to edit not found"):
        await tg.edit_message_text("New", chat_id=USER, message_id=404)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
async def test_ptb_raises_the_right_errors(standin: BotApiStandIn, tg: Bot) -> None:
    standin.inject_error(USER, 403)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await tg.send_message(USER, "hi")
    standin.inject_error(USER, 429, retry_after=7)
    with pytest.raises(RetryAfter, match="Retry in 7 seconds"):
        await tg.send_message(USER, "hi")
    for status in (500, 502):
        standin.inject_error(USER, status, methods=["sendPhoto"])
        with pytest.raises(NetworkError, match="Internal Server Error"):
            await tg.send_photo(USER, PNG)
    standin.inject_error(USER, 400, description="Bad Request: chat not found")
    with pytest.raises(BadRequest, match="Chat not found"):
        await tg.send_chat_action(USER, "typing")
    sent = await tg.send_message(USER, "finally")
    assert standin.chat_messages(USER) == [standin.messages[(USER, sent.message_id)]]
    assert [params.get("_error") for name, params in standin.calls if name != "getMe"] == [
        403,
        429,
        500,
        502,
        400,
        None,
    ]


async def test_ptb_application_polls_against_the_stand_in(standin: BotApiStandIn) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        choices = [[InlineKeyboardButton(t, callback_data=f"lvl:{t}")] for t in ("Easy", "Hard")]
        await update.effective_message.reply_text(
            "Pick a level", reply_markup=InlineKeyboardMarkup(choices)
        )

    async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer("Saved")
        await query.edit_message_text(f"You chose {query.data}")

    application = (
        ApplicationBuilder()
        .token(TOKEN)
        .base_url(f"{standin.url}/bot")
        .base_file_url(f"{standin.url}/file/bot")
        .build()
    )
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CallbackQueryHandler(choose))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(timeout=1, drop_pending_updates=True)
        await application.start()
        try:
            standin.user_text(USER, "/start", first_name="Ana")
            menu = await standin.wait_for_bot_message(USER)
            assert menu.text == "Pick a level"
            assert menu.button_labels() == ["Easy", "Hard"]
            query_id = standin.user_tap_label(USER, "hard")
            await standin.wait_for_call("editMessageText")
            await standin.wait_idle(quiet=0.2)
        finally:
            await application.updater.stop()
            await application.stop()
    assert standin.answered_callbacks[query_id]["text"] == "Saved"
    assert (menu.text, menu.reply_markup, menu.edits) == ("You chose lvl:Hard", None, 1)
    assert standin.pending_updates == []
