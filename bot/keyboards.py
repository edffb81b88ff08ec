"""Inline keyboards: pure builders from what a use case asked for (`bot.services.results`)
to Telegram's buttons, each carrying a typed tap (`bot.callbacks`)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import time

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.callbacks import (
    AnswerTap,
    DailyTap,
    DaysTap,
    DeleteTap,
    Flow,
    GoTap,
    LibraryTap,
    MorningFirstTap,
    MorningTap,
    ReminderTap,
    RescreenTap,
    RoutineTap,
    SessionPainTap,
    StepTap,
    Tap,
    encode,
)
from bot.content import Content, Texts
from bot.domain.language import language_name
from bot.domain.questions import Question
from bot.domain.schedule import default_morning_time
from bot.domain.session_flow import Action, offered
from bot.services.guided import RoutineOption, step_state
from bot.services.results import (
    Buttons,
    DailyChoice,
    Keys,
    LibraryPage,
    MenuKeys,
    MorningKeys,
    NoteButtons,
    QuestionKeys,
    SessionPainKeys,
    StartAgain,
    StepView,
)
from bot.services.settings import MENU_LABELS


def button(label: str, tap: Tap) -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=encode(tap))


# How many characters a row of buttons shows on a narrow phone (390 px; Cyrillic letters
# are wider than Latin ones, so it is counted for them): Telegram gives
# each button of a row the same width, so one long label in a row of four is cut off
# ("Más f…", "Change daily ro…") where it would fit in a row of two.
ROW_CHARACTERS = 32


def _width(label: str) -> int:
    """Characters as a button shows them: an emoji or a wide character counts twice."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in label)


def _fit(row: Sequence[InlineKeyboardButton]) -> list[list[InlineKeyboardButton]]:
    """`row` as few rows as keep every label whole (a label too long even alone keeps a
    row of its own), the buttons in their order."""
    longest = max((_width(b.text) for b in row), default=0)
    per_row = len(row)
    while per_row > 1 and longest > ROW_CHARACTERS // per_row - 2:
        per_row -= 1
    if per_row >= len(row):
        return [list(row)]
    lines = -(-len(row) // per_row)  # as few rows as that takes, filled evenly: 2 + 2, not 3 + 1
    return _rows(row, -(-len(row) // lines))


def _markup(rows: Sequence[Sequence[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """Buttons in rows that a phone shows whole (`_fit`)."""
    return InlineKeyboardMarkup([fitted for row in rows for fitted in _fit(row)])


def _rows(buttons: Sequence[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def _choice(
    flow: Flow, question: str, options: Sequence[tuple[str, str]], width: int = 2
) -> InlineKeyboardMarkup:
    """One button per (label, value) option."""
    return _markup(
        _rows([button(label, AnswerTap(flow, question, value)) for label, value in options], width)
    )


def pain_scale(taps: Sequence[Tap]) -> InlineKeyboardMarkup:
    """0-10 in two rows: 0-5 and 6-10."""
    buttons = [button(str(n), tap) for n, tap in enumerate(taps)]
    return _markup([buttons[:6], buttons[6:]])


def days(texts: Texts, flow: Flow, mask: int) -> InlineKeyboardMarkup:
    """Mon..Sun toggles (✓ on chosen days) and Save. The mask rides along so that a second
    tap on an old keyboard (a double tap) is recognised as stale instead of toggling back."""
    toggles = [
        button(
            texts.get("chosen", label=name) if mask >> i & 1 else name,
            DaysTap(flow, False, i, mask),
        )
        for i, name in enumerate(texts.weekday_name(d) for d in range(7))
    ]
    return _markup([toggles[:4], toggles[4:], [button(texts.save, DaysTap(flow, True, 0, mask))]])


def question(content: Content, keys: Keys) -> InlineKeyboardMarkup:
    """The buttons of a question."""
    texts = content.texts
    if isinstance(keys, SessionPainKeys):
        return pain_scale([SessionPainTap(keys.session_id, n) for n in range(11)])
    if isinstance(keys, MorningKeys):
        if keys.then_start:
            return morning_first(texts, keys.delivery_id)
        return morning(keys.delivery_id)
    if isinstance(keys, MenuKeys):
        values = ["time", "zone", "days", "routine", "equipment", "morning", "pictures"]
        values += ["language"] if len(content.languages) > 1 else []
        values += ["resume" if keys.paused else "pause", "close"]
        return _choice(
            Flow.SETTINGS, Question.MENU, [(texts.get(MENU_LABELS[v]), v) for v in values]
        )
    flow, asked = keys.flow, keys.question
    if asked in ("red_flag", "see_doctor", "see_physician"):
        return _choice(flow, asked, [(texts.doctor_cleared, "y"), (texts.not_yet, "n")])
    if asked == Question.RESTART:
        return _choice(flow, asked, [(texts.start_over, "y"), (texts.keep_settings, "n")])
    if asked == "equipment":
        return _choice(flow, asked, [(texts.roller_yes, "y"), (texts.roller_no, "n")])
    if asked == Question.DELETE:
        return _markup(
            [[button(texts.delete_yes, DeleteTap(True)), button(texts.delete_no, DeleteTap(False))]]
        )
    if asked == Question.LANGUAGE:
        names = [(language_name(code), code) for code in content.languages]
        return _choice(flow, asked, names, width=2)
    if asked == Question.PAUSE:
        options = [
            (texts.pause_week if n == 7 else texts.get("pause_for_days", count=n), str(n))
            for n in content.choices.pause_days
        ]
        return _choice(flow, asked, [*options, (texts.pause_until_resume, "0")], width=3)
    if asked in ("pain", Question.RUN_PAIN, Question.ADHOC_PAIN):
        return pain_scale([AnswerTap(flow, asked, str(n)) for n in range(11)])
    if asked == "time":
        presets = content.choices.time_presets
        return _markup(
            _rows(
                [
                    button(
                        texts.time_text(time.fromisoformat(t)),
                        AnswerTap(flow, asked, t.replace(":", "")),
                    )
                    for t in presets
                ],
                3,
            )
        )
    if asked == "morning":
        return morning_times(content, keys)
    if asked == "zone":
        labels = [(texts.city(z), z) for z in content.choices.common_zones]
        return _choice(flow, asked, labels)
    if asked == "days":
        return days(texts, flow, keys.days_mask)
    return _choice(flow, asked, [(texts.answer_yes, "y"), (texts.answer_no, "n")])


def morning_times(content: Content, keys: QuestionKeys) -> InlineKeyboardMarkup:
    """The default first, on its own row ("With my reminder, 07:30" when the reminder
    comes before noon, otherwise 08:00), then the other presets."""
    first = default_morning_time(keys.reminder)
    texts = content.texts
    label = texts.time_text(first)
    if first == keys.reminder:
        label = content.texts.get("morning_with_reminder", time=label)
    others = [t for t in content.choices.morning_presets if t != f"{first:%H:%M}"]
    flow, asked = keys.flow, keys.question
    return _markup(
        [
            [button(label, AnswerTap(flow, asked, f"{first:%H%M}"))],
            *_rows(
                [
                    button(
                        texts.time_text(time.fromisoformat(t)),
                        AnswerTap(flow, asked, t.replace(":", "")),
                    )
                    for t in others
                ],
                3,
            ),
        ]
    )


def step(content: Content, view: StepView) -> InlineKeyboardMarkup:
    """⏱ (on a timed hold) / Done / Easier / Skip / Hurts / Stop, each naming the session,
    step and its version; the timer and Done share the first row."""
    texts = content.texts
    labels = {
        Action.DONE: texts.btn_done,
        Action.EASIER: texts.btn_easier,
        Action.SKIP: texts.btn_skip,
        Action.HURTS: texts.btn_hurts,
        Action.STOP: texts.btn_stop,
    }
    actions = offered(step_state(content, view))
    if Action.TIMER in actions:
        walked = content.exercises[view.exercise_id].walk()
        seconds = walked[min(view.part, len(walked) - 1)].dose.timer_seconds
        labels[Action.TIMER] = texts.get("btn_timer", seconds=str(seconds))
    buttons = [
        button(labels[a], StepTap(view.session_id, view.index, view.version, a)) for a in actions
    ]
    first = 2 if len(buttons) > 3 else len(buttons)
    return _markup([buttons[:first], buttons[first:]] if buttons[first:] else [buttons])


def attached(content: Content, buttons: NoteButtons) -> InlineKeyboardMarkup:
    """Buttons that go with a message that is not a question."""
    texts = content.texts
    if isinstance(buttons, StartAgain):
        name = content.routines[buttons.routine_id].name
        label = texts.get("btn_start_again", routine=name)
        return _markup([[button(label, RoutineTap(buttons.routine_id))]])
    if isinstance(buttons, DailyChoice):
        return daily_choice(content, buttons.current)
    if buttons is Buttons.START_FIRST:
        return _markup([[button(texts.start_first_session, GoTap())]])
    return _markup([[button(texts.something_new, RescreenTap())]])


def daily_choice(content: Content, current: str) -> InlineKeyboardMarkup:
    """One routine a row, the daily one marked: a tap makes it the daily routine."""
    texts = content.texts
    rows = []
    for routine in content.routines.values():
        label = routine.name
        if routine.id == current:
            label = texts.get("chosen", label=label)
        rows.append([button(label, DailyTap(routine.id))])
    return _markup(rows)


def with_rescreen(texts: Texts, markup: InlineKeyboardMarkup) -> InlineKeyboardMarkup:
    """The markup with "Something new or different?" below it (R6b asks R0 again)."""
    rows = [list(row) for row in markup.inline_keyboard]
    return _markup([*rows, [button(texts.something_new, RescreenTap())]])


def routine_list(texts: Texts, options: Sequence[RoutineOption]) -> InlineKeyboardMarkup:
    """One row per routine (a tap runs it once), the daily one marked; then the choice of
    the daily routine and the exercise library."""
    rows = []
    for option in options:
        label = texts.get(option.label.key, count=option.label.count, **option.label.fields)
        if option.current:
            label = texts.get("chosen", label=label)
        rows.append([button(label, RoutineTap(option.routine_id))])
    rows.append(
        [
            button(texts.btn_change_daily, DailyTap(None)),
            button(texts.btn_library, LibraryTap(fresh=True)),
        ]
    )
    return _markup(rows)


def library(content: Content, page: LibraryPage) -> InlineKeyboardMarkup:
    """The library's buttons: a routine a row; a routine's exercises a row each and the way
    back; on an exercise, the one before and after it in its routine and the way back."""
    texts = content.texts
    if page.routine_id is None:
        return _markup([[button(r.name, LibraryTap(r.id))] for r in content.routines.values()])
    routine = content.routines[page.routine_id]
    if page.index is None:
        rows = [
            [
                button(
                    texts.get("library_item", n=str(i + 1), name=content.exercises[e].name),
                    LibraryTap(routine.id, i),
                )
            ]
            for i, e in enumerate(routine.steps)
        ]
        rows.append([button(texts.btn_library_routines, LibraryTap())])
        return _markup(rows)
    turn = []
    if page.index > 0:
        turn.append(button(texts.btn_library_back, LibraryTap(routine.id, page.index - 1)))
    if page.index + 1 < len(routine.steps):
        turn.append(button(texts.btn_library_next, LibraryTap(routine.id, page.index + 1)))
    up = [button(texts.get("btn_library_list", routine=routine.name), LibraryTap(routine.id))]
    return _markup([turn, up] if turn else [up])


def reminder(texts: Texts, delivery_id: int, *, snooze: bool) -> InlineKeyboardMarkup:
    """Start / Snooze 30 min (once a day) / Skip today."""
    row = [button(texts.btn_start, GoTap(delivery_id))]
    if snooze:
        row.append(button(texts.btn_snooze, ReminderTap(delivery_id, True)))
    row.append(button(texts.btn_skip_today, ReminderTap(delivery_id, False)))
    return _markup([row])


def morning(delivery_id: int) -> InlineKeyboardMarkup:
    """0-10 on the morning question."""
    return pain_scale([MorningTap(delivery_id, n) for n in range(11)])


def morning_first(texts: Texts, delivery_id: int) -> InlineKeyboardMarkup:
    """0-10 on the morning question asked before a session: each starts the session too;
    Skip starts it without a rating."""
    scale = pain_scale([MorningFirstTap(delivery_id, n) for n in range(11)])
    skip = button(texts.btn_skip_morning, MorningFirstTap(delivery_id, None))
    return _markup([*scale.inline_keyboard, [skip]])
