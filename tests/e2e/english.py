"""Is any English left in a reply? Words only the English catalog uses, found in a text.

The list is built from the English catalog itself (every word of its values), less the words
a translated reply may rightly contain: those the translation's own catalog uses too (model
names, `/imagine`, "id"), command and option names people type, and the test's own words
(names, prompts, titles). What remains in a reply is English that should not be there.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot import i18n

_WORD = re.compile(r"[^\W\d_]{3,}")
# Typed words: `code` (and Telegram's <code>code</code>), /commands, option:values, links.
_TYPED = re.compile(r"`[^`]*`|<code>[^<]*</code>|/\w+(?: \w+)?|\w+:\S*|<[^>]+>|https?://\S+"
                    r"|tg://\S+")


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(_TYPED.sub(" ", text))}


def _catalog_words(lang: str) -> set[str]:
    catalog = i18n.catalog()
    found: set[str] = set()
    for key in catalog.ids[lang]:
        try:
            found |= words(i18n.t_in(lang, key, **{n: "" for n in _args(lang, key)}))
        except KeyError:
            continue
    return found


def _args(lang: str, key: str) -> set[str]:
    text = "".join(i18n.catalog().sources[lang].values())
    start = text.find(f"\n{key} =")
    chunk = text[start:start + 600]
    return i18n.placeholders(chunk.split("\n\n")[0])


def english_only(lang: str, allowed: Iterable[str] = ()) -> set[str]:
    """Words of the English catalog that `lang`'s catalog never uses."""
    keep = _catalog_words(lang) | {w.lower() for w in allowed}
    return _catalog_words("en") - keep


def english_in(text: str, lang: str, allowed: Iterable[str] = ()) -> set[str]:
    return words(text) & english_only(lang, allowed)
