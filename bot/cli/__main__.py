"""`python -m bot.cli`: the same as the `aisi-bot` console script."""

from bot.cli import main

raise SystemExit(main())
