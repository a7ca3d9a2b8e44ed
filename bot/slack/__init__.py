"""Everything that knows Slack: the Web API client and posting, the incident notifier, App
Home publishing, the person's locale, the request edge and workspace checks, operators (who
may press a button), Block Kit limits and fitting, rendering (Jinja2 → Block Kit, terminal
text), the view models the templates print, help texts and the slash-command grammar.

May import the domain packages, ``bot.settings``, ``bot.stores``, ``bot.i18n`` and
``bot.upstream``; never ``bot.app``, ``handlers`` or ``jobs``."""
