"""`python -m bot replay FILE [--json] [--content DIR]`: what a clinician runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.content import DEFAULT_CONTENT_DIR

EXAMPLE = DEFAULT_CONTENT_DIR / "histories" / "flare-and-recovery.yaml"


def test_json_output_is_the_specified_shape(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", str(EXAMPLE), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out[0].keys() == {"day", "rule", "decision", "level", "session_level", "flare"}
    assert {
        "day": 5,
        "rule": "R6",
        "decision": "flare_on",
        "level": 4,
        "session_level": 2,
        "flare": True,
    } in out


def test_text_output_tells_each_decision_in_the_bots_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["replay", "--json", str(EXAMPLE)]) == 0  # options before or after FILE
    capsys.readouterr()
    assert main(["replay", str(EXAMPLE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    flare = next(line for line in lines if "flare_on" in line)
    assert flare.startswith("day   5  R6")
    assert "Flare mode: 8/10 is high" in flare


def test_another_content_folder_changes_the_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tuned = tmp_path / "content"
    shutil.copytree(DEFAULT_CONTENT_DIR, tuned)
    path = tuned / "progression.yaml"
    path.write_text(path.read_text().replace("pain_at_least: 7", "pain_at_least: 9"))
    assert main(["replay", str(EXAMPLE), "--json", "--content", str(tuned)]) == 0
    out = json.loads(capsys.readouterr().out)
    # 8/10 is below the tuned threshold: day 5 lowers the level (R5) but starts no flare.
    assert [(row["rule"], row["decision"]) for row in out if row["day"] == 5][-1] == (
        "R5",
        "level_down",
    )
    assert ("R6", "flare_on") not in {
        (row["rule"], row["decision"]) for row in out if row["day"] == 5
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("events: [", "not valid YAML"),
        ("onboarding_pain: 3\nevents:\n  - {day: 1, morning: 12}", "events.0.morning"),
        ("onboarding_pain: 3\nlevel: 9", "above the ladder"),
        ("events: []", "onboarding_pain: Field required"),
    ],
)
def test_a_broken_history_gets_one_clear_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "history.yaml"
    path.write_text(text)
    assert main(["replay", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_a_missing_file_or_no_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["replay", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["replay"]) == 2
    assert "needs a history file" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["run", "--json"])
