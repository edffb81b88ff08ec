"""Pure rules: no Telegram, no database; plain functions over plain data."""
