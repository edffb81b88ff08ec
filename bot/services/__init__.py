"""Use cases: one module per family, each public function one write unit that returns a
result (what changed and what to tell the runner, as text keys and fields). Nothing here
imports Telegram: `bot.handlers` turns the results into messages and buttons."""
