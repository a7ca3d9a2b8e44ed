"""The message templates: one Jinja2 file per message (``NAME.json.j2`` renders Block Kit,
``_*.j2`` are the parts they include). Shipped in the wheel and read with
importlib.resources by ``bot.slack.render``; no Python code lives here."""
