"""Languages: the gettext translator and the compiled catalogs in ``locales/``, and
``Said`` (text kept with its arguments until a reader's language renders it).

A bottom layer: imports nothing of the bot but ``bot.errors``."""
