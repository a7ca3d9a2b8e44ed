"""Model-data sources along the priority chain, each an adapter returning a SourceResult.

1 provider listings (:mod:`bot.sources.providers`), 2 Artificial Analysis — data API
(:mod:`bot.sources.aa_api`) else the leaderboard page (:mod:`bot.sources.aa_page`),
3 the GitHub backup (:mod:`bot.sources.github_backup`), 4 ``config/model-defaults.json``
(:mod:`bot.sources.defaults`). No adapter raises for an upstream problem.
"""

from bot.sources.placeholder import detect_placeholder
from bot.sources.records import (
    ModelRecord,
    SourceResult,
    normalise_model_slug,
    normalise_provider,
)

__all__ = [
    "ModelRecord",
    "SourceResult",
    "detect_placeholder",
    "normalise_model_slug",
    "normalise_provider",
]
