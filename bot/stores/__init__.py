"""Where state lives: PostgreSQL (pool and ``migrations/``), Redis (``cache``), locks, the
result cache, the app's cache clearing, Slack event dedup and the audit table.

The bottom layer with ``bot.settings``: imports no domain package, nothing of Slack."""
