"""The process: the composition root (``wiring``, with the incident and scheduler parts in
``incidents`` and ``scheduling``), the runtime, start-up and shutdown, ``serve`` (HTTP and
Socket Mode), local mode, the bounded executor, logs, metrics, loop lag and the embedded
servers.

May import anything in ``bot/`` and registers ``handlers/`` and ``jobs/``; nothing in
``bot/`` outside this package (and the ``bot.cli`` entry point) imports it."""
