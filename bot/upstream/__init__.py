"""Helpers shared by every client of an outside service: the bounded HTTP reader
(``http``), rate-limit and quota headers (``quota``) and the Vercel API client (``vercel``).

Below the domain: imports only ``bot.settings``, ``bot.i18n`` and ``bot.errors``."""
