"""The prompt filter: normalised text against the operator list, the level lists and the
server's own words. Pure and synchronous; the rules come from data/safety.toml.

Normalisation undoes the usual evasions before matching: case, accents and look-alike
letters (`ñúdé`, Cyrillic `р`), leetspeak (`p0rn`, `n@ked`, `$ex`), spacing and punctuation
tricks (`n u d e`, `n.u.d.e`), invisible characters and stretched letters (`nuuuude`).
Matching is on whole words (a term may be a phrase, and takes plural and verb endings), so
Scunthorpe, "grape" and "therapist" pass. An ambiguous term ("cock", "breast") has context
words that make it harmless ("a cock crowing at dawn", "a breast stroke swimmer").

`check` returns which KIND of rule matched (operator, level, server), never the term: the
person is told the kind, and a slur is not echoed back.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.domain.errors import RequestError
from bot.domain.safety import Level

OPERATOR, LEVEL, SERVER = "operator", "level", "server"
# The endings a listed word also takes; a short word takes only a plural (so "spic" does
# not catch "spices" nor "butt" "butter").
ENDINGS = ("", "s", "es", "d", "ed", "ing")
SHORT_ENDINGS = ("", "s")
SHORT = 4
MAX_WORD_CHARS = 100
MAX_SERVER_WORDS = 200
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b",
                       "@": "a", "$": "s", "!": "i", "|": "i", "€": "e", "£": "l"})
# Cyrillic and Greek letters that look like Latin ones (the common homoglyph evasions).
_LOOKALIKE = str.maketrans({"а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "х": "x",
                            "у": "y", "і": "i", "ѕ": "s", "ј": "j", "к": "k", "м": "m",
                            "т": "t", "н": "h", "в": "b", "ο": "o", "α": "a", "ε": "e",
                            "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t", "υ": "u"})
_LEET_CHARS = set("0134578@$!|€£")
_NUMBER = re.compile(r"^[\d.,:/x-]*\d(?:k|yo|d|s|th|st|nd|rd|px|mm|cm|m|x|p|am|pm|fps)?[.,!?]?$")
_POSSESSIVE = re.compile(r"['’]s\b")
_RUN3 = re.compile(r"(.)\1{2,}")
# A regex that can take exponential time: a quantified group that itself repeats.
_NESTED_QUANTIFIER = re.compile(r"\([^)]*[+*][^)]*\)\s*[+*{]")


def _fold(text: str) -> str:
    """Lower case, no accents, no invisible characters, look-alikes to Latin."""
    if text.isascii():  # most prompts: nothing to decompose, strip or map
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if unicodedata.category(ch) not in ("Mn", "Cf"))
    return kept.translate(_LOOKALIKE)


def _deleet(word: str) -> str:
    """`p0rn` -> `porn`, but a number stays a number (`1990`, `16:9`, `4k`, `12yo`)."""
    if _LEET_CHARS.isdisjoint(word):  # most words: nothing to undo
        return word
    if _NUMBER.match(word):
        return word
    if any(ch.isalpha() for ch in word):  # it holds a leet character (checked above)
        return word.translate(_LEET)
    return word


def tokens(text: str) -> list[str]:
    """The words of `text` after undoing the evasions."""
    folded = _POSSESSIVE.sub(" ", _fold(text))
    words = [_deleet(part) for w in folded.split() for part in w.split("-")]
    flat = re.sub(r"[^a-z0-9]+", " ", " ".join(words)).split()
    out: list[str] = []
    run: list[str] = []
    for word in [*flat, ""]:
        if len(word) == 1 and word.isalpha():
            run.append(word)
            continue
        out.extend(_spelled_out(run))
        run = []
        if word:
            out.append(word)
    return out


def _spelled_out(run: list[str]) -> list[str]:
    """`n u d e`: three or more single letters in a row are one word spelled out; a
    leading `a` or `i` is usually the article or the pronoun (`a b l o o d y knife`)."""
    if len(run) < 3:
        return run
    if len(run) >= 4 and run[0] in ("a", "i"):
        return [run[0], "".join(run[1:])]
    return ["".join(run)]


def _variants(word: str) -> set[str]:
    """The word, and if it has stretched letters (`nuuuude`), its shorter spellings."""
    if not _RUN3.search(word):
        return {word}
    return {word, _RUN3.sub(r"\1", word), _RUN3.sub(r"\1\1", word)}


def _word_matches(term: str, variants: set[str], last: bool) -> bool:
    if not last:
        return term in variants
    endings = SHORT_ENDINGS if len(term) <= SHORT else ENDINGS
    return any(term + ending in variants for ending in endings)


@dataclass(frozen=True)
class Term:
    """One entry of a list: a word or phrase (already tokenised), with harmless contexts."""

    words: tuple[str, ...]
    context: frozenset[str] = frozenset()

    def found(self, prompt: Sequence[set[str]], present: set[str]) -> bool:
        if self.context & present:
            return False
        n = len(self.words)
        for start in range(len(prompt) - n + 1):
            if all(_word_matches(w, prompt[start + i], i == n - 1)
                   for i, w in enumerate(self.words)):
                return True
        return False


def _first_keys(term: Term) -> set[str]:
    """What `present` must hold for `term` to be found: its first word, with the endings
    that word takes when it is also the last (a one-word term)."""
    first = term.words[0]
    if len(term.words) > 1:
        return {first}
    return {first + ending for ending in (SHORT_ENDINGS if len(first) <= SHORT else ENDINGS)}


class TermIndex:
    """Terms by the strings their first word can match: `found` tries only the terms whose
    first word is in the prompt (a prompt has a few words, a list has dozens of terms),
    with the same result as trying every term."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self.terms = tuple(terms)
        self._by_key: dict[str, list[Term]] = {}
        for term in self.terms:
            for key in _first_keys(term):
                self._by_key.setdefault(key, []).append(term)

    def found(self, prompt: Sequence[set[str]], present: set[str]) -> bool:
        by_key = self._by_key
        for word in present:
            for term in by_key.get(word, ()):
                if term.found(prompt, present):
                    return True
        return False


def make_terms(entries: Iterable[str], context: Mapping[str, Iterable[str]]) -> tuple[Term, ...]:
    out = []
    for entry in entries:
        words = tuple(tokens(entry))
        if words:
            safe = frozenset(w for c in context.get(entry, ()) for w in tokens(c))
            out.append(Term(words, safe))
    return tuple(out)


@dataclass(frozen=True)
class ServerWord:
    """A server's own entry: a word or phrase, or `re:<regex>` (matched case-insensitively
    on the normalised prompt and on the prompt as written)."""

    text: str
    term: Term | None = None
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> ServerWord:
        text = " ".join((text or "").split())
        if not text:
            raise RequestError("Give a word, a phrase, or `re:<regex>`.", key="word-empty")
        if len(text) > MAX_WORD_CHARS:
            raise RequestError(f"A blocked word is at most {MAX_WORD_CHARS} characters.",
                               key="word-too-long", max=MAX_WORD_CHARS)
        if text.lower().startswith("re:"):
            source = text[3:].strip()
            if not source:
                raise RequestError("`re:` needs a regular expression after it.",
                                   key="regex-empty")
            if _NESTED_QUANTIFIER.search(source):
                raise RequestError("That regex nests repeats (like `(a+)+`), which can hang "
                                   "the bot. Please write it without.", key="regex-nested")
            try:
                pattern = re.compile(source, re.IGNORECASE)
            except re.error as exc:
                raise RequestError(f"That is not a valid regular expression: {exc.msg}.",
                                   key="regex-invalid", error=exc.msg) from None
            return cls(f"re:{source}", pattern=pattern)
        words = tuple(tokens(text))
        if not words:
            raise RequestError("That word has no letters or digits to match.",
                               key="word-no-letters")
        return cls(text.lower(), term=Term(words))

    def found(self, prompt: Sequence[set[str]], present: set[str], flat: str,
              written: str) -> bool:
        """`flat`: the normalised words joined by spaces; `written`: as typed, folded."""
        if self.pattern is not None:
            return bool(self.pattern.search(flat) or self.pattern.search(written))
        assert self.term is not None
        return self.term.found(prompt, present)


@dataclass(frozen=True)
class Verdict:
    """None `kind`: allowed. Otherwise which kind of rule stopped it (never the term)."""

    kind: str | None = None

    @property
    def blocked(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True)
class FilterRules:
    operator: tuple[Term, ...] = ()
    minors: tuple[Term, ...] = ()  # a minor named with a sexual word: refused everywhere
    sexual: tuple[Term, ...] = ()
    minor_ages: re.Pattern[str] | None = None
    levels: Mapping[Level, tuple[Term, ...]] = field(default_factory=dict)
    _index: dict[str, TermIndex] = field(init=False, repr=False, compare=False)
    _level_index: tuple[tuple[Level, TermIndex], ...] = field(init=False, repr=False,
                                                              compare=False)

    def __post_init__(self) -> None:
        index = {name: TermIndex(getattr(self, name)) for name in ("operator", "minors", "sexual")}
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_level_index",
                           tuple((listed, TermIndex(terms)) for listed, terms in self.levels.items()))

    def check(self, prompt: str, level: Level,
              server_words: Sequence[ServerWord] = ()) -> Verdict:
        words = tokens(prompt)
        folded = [_variants(w) for w in words]
        present = set().union(*folded) if folded else set()
        if self._index["operator"].found(folded, present) or self._minor_sexual(
            folded, present, words
        ):
            return Verdict(OPERATOR)
        # A level blocks its own list and every looser level's list.
        for listed, terms in self._level_index:
            if listed >= level and terms.found(folded, present):
                return Verdict(LEVEL)
        flat, written = " ".join(words), _fold(prompt)
        if any(w.found(folded, present, flat, written) for w in server_words):
            return Verdict(SERVER)
        return Verdict()

    def _minor_sexual(self, folded: list[set[str]], present: set[str], words: list[str]) -> bool:
        minor = self._index["minors"].found(folded, present) or bool(
            self.minor_ages and self.minor_ages.search(" ".join(words)))
        return minor and self._index["sexual"].found(folded, present)


def load_rules(path: Path) -> FilterRules:
    """Read data/safety.toml (SAFETY_FILE). A broken file stops the bot at start."""
    with path.open("rb") as fh:
        data: dict[str, Any] = tomllib.load(fh)
    context: dict[str, list[str]] = data.get("context", {})
    operator = data.get("operator", {})
    levels = {Level.parse(name): make_terms(table.get("terms", []), context)
              for name, table in data.get("levels", {}).items()}
    ages = operator.get("minor_ages", "")
    return FilterRules(
        operator=make_terms(operator.get("terms", []), context),
        minors=make_terms(operator.get("minor_words", []), context),
        sexual=make_terms(operator.get("sexual_words", []), context),
        minor_ages=re.compile(ages) if ages else None,
        levels=levels,
    )
