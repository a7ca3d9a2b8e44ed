"""Jinja2 → Block Kit: one template per message, every value passed through a filter.

Templates live in the package, ``templates/NAME.json.j2`` (read with importlib.resources,
so they are found in a wheel as in a checkout), and produce ``{"text": ..., "blocks": [...]}``
(a dialog's also a ``"title"``). Values may only be printed through ``text`` (escaped
mrkdwn), ``plain`` (plain_text) or ``json`` (numbers, booleans, ids): printing a bare value
raises, so nothing reaches Slack unescaped by accident.

Each template is rendered for a surface (a message, a modal, App Home) whose limits are
enforced on the result (``bot.slack.blockkit``): a value is cut to the limit of the place it
landed in before it is escaped, and what did not fit is summarised, never dropped silently.
Templates that list things use ``fit_list`` and ``fit_lines`` to say "…and 37 more
providers" themselves; ``max_blocks`` is in every template's context.

Languages (``bot.i18n.translator``): one Jinja2 environment per language, built once, with
``jinja2.ext.i18n`` and that language's catalog installed ("newstyle" gettext), so a render
never changes shared state. ``render(..., lang="ko")`` picks the environment. Text to
translate is written as an expression and printed through a filter like any value::

    {{ _("Checked %(when)s in %(ms)s ms", when=report.checked_at|datetime, ms=ms) | text }}
    {{ ngettext("%(num)s probe", "%(num)s probes", count) | plain }}

``_()`` fills the placeholders (``%(name)s``; write a literal per cent sign as ``%%``) with
the raw values and the filter escapes the whole result once, so a value is escaped exactly
like any other. ``{% trans %}`` blocks print without a filter and are therefore refused
(``UnfilteredValueError``): use ``_()``. The filters ``datetime``, ``date``, ``time``,
``duration`` and ``relative`` write values in the render's language and the configured
time zone; ``said`` writes a ``bot.i18n.said.Said`` (words the domain decided, a string in
English) in the render's language and leaves any other value as it is; ``lang`` and
``timezone`` are in every template's context, and ``translator``
(the render's ``Translator``) for objects that lay their text out themselves
(``layout.view(translator)``).
"""

from __future__ import annotations

import functools
import json
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound

from bot.i18n.said import shown
from bot.i18n.translator import DEFAULT_LANGUAGE, SUPPORTED, Translator, relative
from bot.slack.blockkit import (
    FALLBACK_TEXT,
    MAX_BLOCKS,
    VIEW_TITLE,
    Finisher,
    Surface,
    Tags,
    Texts,
    escape_mrkdwn,
)
from bot.slack.fit import Fitted, fit_lines, fit_list, left_out_note
from bot.upstream.quota import quota_line

__all__ = [
    "Fitted",
    "Message",
    "Renderer",
    "Surface",
    "UnfilteredValueError",
    "escape_mrkdwn",
    "fit_list",
]

TEMPLATE_DIR: Traversable = resources.files("templates")
TEMPLATE_SUFFIX = ".json.j2"

# The surfaces each template is shown on (a test renders every one on each of them).
SURFACES: dict[str, frozenset[Surface]] = {
    "home": frozenset({Surface.HOME}),
    "not_authorized": frozenset({Surface.MESSAGE, Surface.MODAL}),
    "recover_modal": frozenset({Surface.MODAL}),
}
MESSAGE_ONLY = frozenset({Surface.MESSAGE})


class _FolderLoader(BaseLoader):
    """Templates from one folder, a package resource or a plain directory alike."""

    def __init__(self, folder: Traversable) -> None:
        self.folder = folder

    def get_source(
        self, environment: Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        if "/" in template or template.startswith("."):
            raise TemplateNotFound(template)
        item = self.folder / template
        if not item.is_file():
            raise TemplateNotFound(template)
        return item.read_text(encoding="utf-8"), str(item), lambda: True

    def list_templates(self) -> list[str]:
        return sorted(item.name for item in self.folder.iterdir() if item.is_file())


class _Json(str):
    """A value already encoded as a JSON literal by one of the filters."""


class UnfilteredValueError(TypeError):
    """A template printed a value without an escaping filter."""


_USER_ID = re.compile(r"^[UWS][A-Z0-9]{2,20}$")  # users (U, W) and user groups (S)


def _finalize(value: object) -> object:
    if isinstance(value, _Json):
        return value
    raise UnfilteredValueError(
        f"template printed {value!r} without a filter (use |text, |plain or |json)"
    )


def _json_filter(value: object) -> _Json:
    """Any JSON-able value (numbers, ids, lists) as a JSON literal."""
    return _Json(json.dumps(value, ensure_ascii=False, default=str))


@dataclass(frozen=True)
class Message:
    """A rendered message: fallback text and Block Kit blocks (a dialog's title too)."""

    text: str
    blocks: list[dict[str, Any]]
    title: str = ""
    surface: Surface = Surface.MESSAGE
    left_out: int = field(default=0, compare=False)  # parts cut by the surface's limits

    def as_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for chat.postMessage / respond()."""
        return {"text": self.text, "blocks": self.blocks}


class Renderer:
    """Renders templates/NAME.json.j2 with plain result objects into a Message."""

    def __init__(
        self,
        template_dir: Traversable = TEMPLATE_DIR,
        *,
        timezone: str = "UTC",
        translators: Mapping[str, Translator] | None = None,
    ) -> None:
        nonce = secrets.token_hex(8)  # per process: no user can forge a tag or a mention
        self._texts = Texts(Tags(f"\x00{nonce}m", f"\x00{nonce}p", f"\x00{nonce}@"))
        loader = _FolderLoader(template_dir)
        chosen = translators or {lang: Translator(lang, timezone=timezone) for lang in SUPPORTED}
        self._translators = dict(chosen)
        self._envs = {lang: self._environment(loader, t) for lang, t in chosen.items()}
        self._constant: dict[
            tuple[str, str, tuple[tuple[str, str | int | bool], ...]], Message
        ] = {}

    def _environment(self, loader: BaseLoader, t: Translator) -> Environment:
        """The environment of one language: its catalog, filters and helpers installed once."""
        env = Environment(
            loader=loader,
            undefined=StrictUndefined,
            autoescape=False,  # noqa: S701 - output is JSON; values go through |text/|plain/|json
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(t.translations, newstyle=True)  # type: ignore[attr-defined]
        env.filters["text"] = self._text_filter
        env.filters["plain"] = self._plain_filter
        env.filters["json"] = _json_filter
        env.filters["datetime"] = t.datetime
        env.filters["date"] = t.date
        env.filters["time"] = t.time
        env.filters["duration"] = t.duration
        env.filters["relative"] = relative
        env.filters["said"] = functools.partial(shown, t=t)
        env.globals["mention"] = self._mention
        env.globals["quota_line"] = functools.partial(quota_line, translator=t)
        env.globals["fit_list"] = functools.partial(fit_list, translator=t)
        env.globals["fit_lines"] = functools.partial(fit_lines, self._texts, translator=t)
        env.globals["utc_time"] = utc_time
        env.globals["translator"] = t  # for objects in the context that lay out text
        env.globals["lang"] = t.lang
        env.globals["timezone"] = t.timezone
        return env

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages this renderer writes (``en`` and ``ko``)."""
        return tuple(self._envs)

    def translator(self, lang: str = DEFAULT_LANGUAGE) -> Translator:
        """The ``Translator`` a render in ``lang`` uses (for text made outside templates)."""
        if lang not in self._translators:
            raise ValueError(f"no language {lang!r} (this renderer writes {self.languages})")
        return self._translators[lang]

    # ---- the filters: values stay raw (tagged) until the surface's limits are applied ----
    def _text_filter(self, value: object, limit: int | None = None) -> _Json:
        """mrkdwn, escaped once its place's limit is known (``limit``: a lower cap)."""
        raw = str(value) if limit is None else self._texts.cut(str(value), limit)
        return _Json(json.dumps(self._texts.tags.mrkdwn + raw, ensure_ascii=False))

    def _plain_filter(self, value: object, limit: int | None = None) -> _Json:
        """plain_text; a marked mention shows as @id."""
        raw = str(value)
        if limit is not None:
            raw = self._texts.cut(raw, limit, mrkdwn=False)
        return _Json(json.dumps(self._texts.tags.plain + raw, ensure_ascii=False))

    def _mention(self, user_id: object) -> str:
        """A verified user (or user-group) id as a mention that survives escaping; anything
        else as text."""
        text = str(user_id)
        mark = self._texts.tags.mark
        return f"{mark}{text}{mark}" if _USER_ID.match(text) else text

    # ---- rendering -----------------------------------------------------------------------
    def render_constant(
        self, name: str, *, lang: str = DEFAULT_LANGUAGE, **context: str | int | bool
    ) -> Message:
        """A message fully set by a few plain values (a busy notice), rendered once per values
        and language.

        Callers must not pass free text (each distinct value is kept).
        """
        key = (name, lang, tuple(sorted(context.items())))
        message = self._constant.get(key)
        if message is None:
            message = self.render(name, surface=Surface.MESSAGE, lang=lang, **context)
            self._constant[key] = message
        return message

    def template_names(self) -> list[str]:
        """Every message template there is (without the .json.j2 ending)."""
        env = next(iter(self._envs.values()))
        names = env.list_templates(filter_func=lambda n: n.endswith(TEMPLATE_SUFFIX))
        return [name.removesuffix(TEMPLATE_SUFFIX) for name in names]

    @staticmethod
    def surfaces(name: str) -> frozenset[Surface]:
        """The surfaces template ``name`` is shown on."""
        return SURFACES.get(name, MESSAGE_ONLY)

    def render(
        self,
        name: str,
        *,
        surface: Surface = Surface.MESSAGE,
        lang: str = DEFAULT_LANGUAGE,
        **context: Any,
    ) -> Message:
        """Render one template in ``lang`` for ``surface`` within its limits.

        Raises ValueError when the template does not produce valid JSON, is not meant for
        ``surface``, or ``lang`` is not a language of this renderer.
        """
        if surface not in self.surfaces(name):
            raise ValueError(f"template {name} is not shown on a {surface.value}")
        translator = self.translator(lang)
        template = self._envs[lang].get_template(name + TEMPLATE_SUFFIX)
        raw = template.render(**context, surface=surface.value, max_blocks=MAX_BLOCKS[surface])
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValueError(f"template {name} produced invalid JSON: {exc}") from exc
        finisher = Finisher(self._texts, surface, note=left_out_note(translator, surface))
        blocks = finisher.blocks(data.get("blocks", []))
        text = self._texts.value(data.get("text", ""), FALLBACK_TEXT)
        title = self._texts.value(data.get("title", ""), VIEW_TITLE)
        return Message(str(text), blocks, str(title), surface, finisher.left_out)


def utc_time(moment: datetime) -> str:
    """``2026-11-26 03:12:04 UTC`` (a naive time is taken as UTC)."""
    if moment.utcoffset() is None:
        moment = moment.replace(tzinfo=UTC)
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
