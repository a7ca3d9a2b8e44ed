"""Settings: the typed model (``model``), the layered TOML files (``files``), unknown-key
checks (``keys``), value validators (``values``), secrets that never print (``secrets``)
and the packaged defaults (``defaults/``).

The bottom layer: imports nothing of the bot but ``bot.errors`` and ``bot.i18n``."""
