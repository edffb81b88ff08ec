"""Data access by topic: small keyword-only functions over one unit of work (`tx`, an
AsyncSession from `Database.read()` or `Database.write()`). Only `bot.services` calls them."""
