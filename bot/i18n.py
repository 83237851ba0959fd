"""The bot's words in the person's language: Fluent catalogs, one locale per event.

Catalogs live in data/locales/<lang>/<domain>.ftl; the supported languages are the folders
there, so an eighth language is one new folder (no code change). English holds today's
words and is the fallback of every key: a message a translation lacks is said in English,
never as its id.

Each platform boundary sets the locale once per event (`use(code)` / `set_locale(code)`),
and every `t(key, **args)` below it speaks that language; work that outlives the event
(a job delivered after a restart, a public post) names its locale explicitly with
`use(...)` or `t_in(...)`. The locale is a ContextVar, so concurrent events never mix
languages. Of ours it imports only the domain errors (to render their keyed messages):
adapters and services both use it.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from contextvars import ContextVar, Token
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import lists as babel_lists
from babel import numbers as babel_numbers
from babel import units as babel_units
from fluent.runtime import FluentBundle, FluentResource
from fluent.runtime.types import FluentNumber, fluent_number

from bot.domain import errors

DEFAULT = "en"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "data" / "locales"

_current: ContextVar[str] = ContextVar("bot_locale", default=DEFAULT)


@dataclass
class Catalog:
    """Every language's bundle, and the message ids each one holds."""

    bundles: dict[str, FluentBundle]
    ids: dict[str, set[str]]
    sources: dict[str, dict[str, str]]  # lang -> domain file name -> text (for the checks)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(sorted(self.bundles, key=lambda code: (code != DEFAULT, code)))


def load(directory: Path = LOCALES_DIR) -> Catalog:
    """Read every <lang>/<domain>.ftl under `directory`. Bidi isolation marks are off: they
    would show up as stray characters in chat text."""
    bundles: dict[str, FluentBundle] = {}
    ids: dict[str, set[str]] = {}
    sources: dict[str, dict[str, str]] = {}
    for folder in sorted(p for p in directory.iterdir() if p.is_dir()):
        lang = folder.name
        bundle = FluentBundle([_babel_name(lang)], use_isolating=False)
        ids[lang], sources[lang] = set(), {}
        for path in sorted(folder.glob("*.ftl")):
            text = path.read_text(encoding="utf-8")
            sources[lang][path.name] = text
            resource = FluentResource(text)
            bundle.add_resource(resource)
            ids[lang] |= {m.id.name for m in resource.body if hasattr(m, "id")
                          and not m.id.name.startswith("-")}
        bundles[lang] = bundle
    if DEFAULT not in bundles:
        raise FileNotFoundError(f"no {DEFAULT} catalog under {directory}")
    return Catalog(bundles, ids, sources)


@lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The catalogs, read once per process."""
    return load()


def supported() -> tuple[str, ...]:
    """The language codes people can pick, English first (e.g. en, de, es, fr, pt-BR ...)."""
    return catalog().languages


def _babel_name(code: str) -> str:
    return code.replace("-", "_")


def normalise(code: str | None) -> str:
    """The supported language nearest to a platform's code: `pt-br`, `pt`, `pt_PT` -> pt-BR,
    `es-419` -> es, `en-GB` -> en, `ru-RU` -> ru. Unknown or empty -> English."""
    found = match(code)
    return found or DEFAULT


def match(code: str | None) -> str | None:
    """Like normalise, but None when no supported language is near (for /language)."""
    if not code:
        return None
    return _match(code)


@lru_cache(maxsize=512)  # the codes platforms send are few; every event asks (issue 15)
def _match(code: str) -> str | None:
    wanted = code.strip().replace("_", "-").lower()
    by_lower = {lang.lower(): lang for lang in supported()}
    if wanted in by_lower:
        return by_lower[wanted]
    base = wanted.split("-", 1)[0]
    # Same language, another region (pt-PT -> pt-BR): closer than falling back to English.
    same = [lang for lang in supported() if lang.lower().split("-", 1)[0] == base]
    return same[0] if same else None


def current() -> str:
    return _current.get()


def set_locale(code: str | None) -> Token[str]:
    """Speak `code` (normalised) from here on in this task: the platform boundary's call."""
    return _current.set(normalise(code))


@contextlib.contextmanager
def use(code: str | None) -> Iterator[str]:
    """Speak `code` inside the block (a delivery, a public post), then the previous one."""
    token = set_locale(code)
    try:
        yield current()
    finally:
        _current.reset(token)


@dataclass(frozen=True)
class Count:
    """A count said with its noun, rendered in the message's language: `Count(5)` is
    "5 credits" / "5 créditos" / "5 кредитов". Fluent terms take only literal arguments,
    so a message cannot pluralise another message's placeholder itself."""

    n: int
    key: str = "credits"


@dataclass(frozen=True)
class Span:
    """A duration in seconds, said in the message's language ("1h30m", "1 h y 30 min")."""

    seconds: float


def _arg(lang: str, value: Any) -> Any:
    if isinstance(value, Count):
        return count_in(lang, value.key, value.n)
    if isinstance(value, Span):
        return duration(value.seconds, lang)
    if isinstance(value, FluentNumber):  # formatted by the caller (e.g. grouped in English)
        return value
    # Counts are formatted for the locale. English keeps today's ungrouped digits ("1000
    # credits"), which its tests and operators already read.
    if isinstance(value, int) and not isinstance(value, bool):
        return fluent_number(value, useGrouping=lang != DEFAULT)
    return value


def t_in(lang: str, key: str, **args: Any) -> str:
    """The message `key` in `lang`, English when that language lacks it."""
    cat = catalog()
    lang = lang if lang in cat.bundles else normalise(lang)
    for code in (lang, DEFAULT):
        bundle = cat.bundles[code]
        if key in cat.ids[code]:
            message = bundle.get_message(key)
            if message.value is None:  # an attributes-only message: not a text of ours
                continue
            values = {name: _arg(code, v) for name, v in args.items()}
            text, _errors = bundle.format_pattern(message.value, values)
            return str(text)
    raise KeyError(f"no message {key!r} in any catalog")


@lru_cache(maxsize=4096)
def count_in(lang: str, key: str, n: int) -> str:
    """`n` with its noun in `lang` ("5 credits"): said in most replies (prices, balances,
    costs), so worded once per language and number (Fluent and Babel take ~20 µs)."""
    return t_in(lang, key, n=n)


def t(key: str, **args: Any) -> str:
    """The message `key` in the current locale (see use / set_locale)."""
    return t_in(current(), key, **args)


def has(key: str) -> bool:
    return key in catalog().ids[DEFAULT]


E = TypeVar("E", bound=errors.BotError)


def error(kind: type[E], key: str, **args: Any) -> E:
    """A domain error with a catalog message: English inside (logs, str(exc)), and the
    reader's language wherever its `user_message` is shown."""
    return kind(t_in(DEFAULT, key, **args), key=key, **args)


def _translate_error(key: str, params: dict[str, Any]) -> str | None:
    # English readers get the raise site's own words (byte-identical to before catalogs).
    if current() == DEFAULT or not has(key):
        return None
    return t(key, **params)


errors.translator = _translate_error


# -- Babel formatting: numbers, dates, durations ---------------------------------------------

def locale_of(lang: str | None = None) -> Locale:
    try:
        return Locale.parse(_babel_name(lang or current()))
    except (UnknownLocaleError, ValueError):
        return Locale.parse(DEFAULT)


def number(n: float, lang: str | None = None) -> str:
    lang = lang or current()
    if lang == DEFAULT and float(n).is_integer():
        return str(int(n))  # see _arg: English digits stay as they were
    return babel_numbers.format_decimal(n, locale=locale_of(lang))


def date_time(when: datetime, lang: str | None = None) -> str:
    """A short date and time, e.g. 2026-12-04 13:05 in English, 04.12.26, 13:05 in German."""
    lang = lang or current()
    if lang == DEFAULT:
        return when.strftime("%Y-%m-%d %H:%M")  # today's English format
    return babel_dates.format_datetime(when, format="short", locale=locale_of(lang))


_UNITS = (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1))


def duration(seconds: float, lang: str | None = None) -> str:
    """A span in the locale's narrow units: "1h30m" in English, "1 h 30 min" in Spanish.
    Babel's format_timedelta rounds to one unit, so the parts are composed here."""
    lang = lang or current()
    left = max(0, int(seconds))
    parts: list[tuple[int, str]] = []
    for unit, size in _UNITS:
        value, left = divmod(left, size)
        if value:
            parts.append((value, unit))
    parts = parts[:2] or [(0, "second")]
    if lang == DEFAULT:
        return "".join(f"{v}{u[0]}" for v, u in parts)  # today's "1h30m"
    loc = locale_of(lang)
    words = [babel_units.format_unit(v, f"duration-{u}", length="narrow", locale=loc)
             for v, u in parts]
    return babel_lists.format_list(words, style="unit-narrow", locale=loc)


def placeholders(text: str) -> set[str]:
    """The `$name` variables a Fluent message uses (for the parity checks)."""
    return set(re.findall(r"\$([A-Za-z][\w-]*)", text))
