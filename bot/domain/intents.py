"""Intent routing: which intent a prompt expresses, and a one-line reason why.

The rules live in data/intents.toml; this module only scores them. Scoring is a weighted
sum of matched terms per intent; the best intent over `min_score` wins, ties going to the
intent listed first, so operators can tune routing without touching code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Signal:
    label: str
    weight: float
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    unless: tuple[re.Pattern[str], ...] = ()
    # All the patterns as one alternation: most signals match nothing in a prompt, and one
    # search says so instead of one per term (None when they cannot be joined safely).
    any_term: re.Pattern[str] | None = None
    # The prefilter (IntentTable._may_match): the longest word of each plain term, and the
    # regex terms alone as one alternation. None: this signal cannot be prefiltered.
    keys: frozenset[str] | None = None
    regex_any: re.Pattern[str] | None = None

    def matches(self, text: str) -> list[str]:
        """The terms of this signal found in `text` (lower-cased), unless switched off."""
        if self.any_term is not None and self.any_term.search(text) is None:
            return []
        if any(u.search(text) for u in self.unless):
            return []
        found: list[str] = []
        for term, pattern in self.patterns:
            m = pattern.search(text)
            if m:
                found.append(m.group(0) if term.startswith("re:") else term)
        return found


@dataclass(frozen=True)
class Intent:
    id: str
    phrase: str
    default_model: str
    why: str
    compare: tuple[str, ...]
    signals: tuple[Signal, ...]


@dataclass(frozen=True)
class RouteDecision:
    intent: Intent
    reason: str
    score: float


_GROUP_REFERENCE = re.compile(r"\\\d|\(\?P=|\(\?[aiLmsux-]+\)")


def _any_of(patterns: tuple[tuple[str, re.Pattern[str]], ...]) -> re.Pattern[str] | None:
    """One pattern that matches wherever any of `patterns` does (the plain terms share one
    word-boundary test); None if a regex term uses a group reference or inline flags
    (joined, those would change meaning)."""
    regexes = [p.pattern for t, p in patterns if t.startswith("re:")]
    if any(_GROUP_REFERENCE.search(src) for src in regexes):
        return None
    words = [_words(t) for t, _ in patterns if not t.startswith("re:")]
    parts = [f"(?:{src})" for src in regexes]
    if words:
        parts.append(_WHOLE.format(words="(?:" + "|".join(words) + ")"))
    try:
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None
    except re.error:
        return None


def _words(term: str) -> str:
    return r"\s+".join(re.escape(w) for w in term.lower().split())


# Whole words only, with an optional plural; `(?<!\w)` rather than \b so terms that start
# or end with punctuation ("a.s.a.p.") still match.
_WHOLE = r"(?<![\w-]){words}(?:s|es)?(?![\w])"


def _compile(term: str) -> re.Pattern[str]:
    if term.startswith("re:"):
        return re.compile(term[3:], re.IGNORECASE)
    return re.compile(_WHOLE.format(words=_words(term)), re.IGNORECASE)


class IntentTable:
    def __init__(self, intents: list[Intent], min_score: float, fallback: str) -> None:
        self.intents = tuple(intents)
        self.min_score = min_score
        self._by_id = {i.id: i for i in intents}
        self.fallback = self._by_id[fallback]
        # The prefilter's index, by signal id: which signals each key word may switch on.
        self._by_key: dict[str, list[int]] = {}
        self._unfiltered: set[int] = set()
        self._regex: list[tuple[int, re.Pattern[str]]] = []
        for signal in (s for i in intents for s in i.signals):
            if signal.keys is None:
                self._unfiltered.add(id(signal))
                continue
            for key in signal.keys:
                self._by_key.setdefault(key, []).append(id(signal))
            if signal.regex_any is not None:
                self._regex.append((id(signal), signal.regex_any))

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.intents)

    def get(self, intent_id: str) -> Intent | None:
        return self._by_id.get(intent_id.strip().lower())

    def ids(self) -> list[str]:
        return [i.id for i in self.intents]

    def classify(self, prompt: str) -> RouteDecision:
        text = prompt  # patterns ignore case; keep the original so reasons quote it as typed
        # Python's regex engine tries every branch of a long alternation at every position
        # (about 50 µs for "a fox in the snow" against all the signals): first rule out, by
        # the words the prompt holds, the signals that cannot match (most of them).
        maybe = self._may_match(text)
        best: tuple[float, Intent, list[tuple[Signal, list[str]]]] | None = None
        for intent in self.intents:
            hits = [(s, found) for s in intent.signals
                    if (maybe is None or id(s) in maybe) and (found := s.matches(text))]
            score = sum(s.weight * len(found) for s, found in hits)
            if score >= self.min_score and (best is None or score > best[0]):
                best = (score, intent, hits)
        if best is None:
            return self._no_signal()
        score, intent, hits = best
        # Name the strongest kind of signal (the first listed on a tie), e.g. quoted words.
        signal, found = max(hits, key=lambda h: h[0].weight)
        example = found[0].strip()
        if len(example) > 40:
            example = example[:37] + "..."
        label = signal.label if signal.label.endswith(example) else f"{signal.label} ({example})"
        return RouteDecision(intent, f"{label}: {intent.why}", score)

    def _may_match(self, text: str) -> set[int] | None:
        """The ids of the signals that may match `text`; None: any may (not ASCII)."""
        words = prompt_words(text)
        if words is None:
            return None
        found = set(self._unfiltered)
        for word in words & self._by_key.keys():
            found.update(self._by_key[word])
        found.update(n for n, regex in self._regex if n not in found and regex.search(text))
        return found

    def _no_signal(self) -> RouteDecision:
        return RouteDecision(self.fallback, f"no strong signal: {self.fallback.why}", 0.0)


_WORD = re.compile(r"\w+")


def prompt_words(text: str) -> set[str] | None:
    """The words of an ASCII prompt, lower-cased, each also without a plural ending (a term
    matches "foxes" and "foxs"); None for other prompts, whose case folding (İ, ſ, K) lower()
    does not mirror, so every signal is searched as before."""
    if not text.isascii():
        return None
    words = set(_WORD.findall(text.lower()))
    words |= {w[:-2] for w in words if w.endswith("es")} | {w[:-1] for w in words if w.endswith("s")}
    return words


def _folds_to_ascii(ch: str) -> bool:
    """A letter outside ASCII that ignoring case can equal an ASCII one (K, ſ, ı, İ)."""
    return not ch.isascii() and any(c.isascii() for c in ch.lower() + ch.upper())


def _prefilter(patterns: tuple[tuple[str, re.Pattern[str]], ...]
               ) -> tuple[frozenset[str] | None, re.Pattern[str] | None]:
    r"""A signal's keys and regex alternation (IntentTable._may_match). A plain term matches only
    where each of its word-character runs is a word of the prompt (the term is anchored by
    `(?<![\w-])` and `(?![\w])`, its other characters match themselves, and only its end
    takes a plural), so its longest run is its key: the rarest, "words" of "the words".
    A key with a letter that ignoring case can equal an ASCII one, or regexes that cannot be
    joined, leave the signal unfiltered."""
    keys: set[str] = set()
    for term, _ in patterns:
        if term.startswith("re:"):
            continue
        runs = _WORD.findall(term.lower())
        key = max(runs, key=len, default=None)
        if key is None or any(_folds_to_ascii(ch) for ch in key):
            return None, None
        keys.add(key)  # a key with other letters can never be an ASCII word
    regexes = tuple((t, p) for t, p in patterns if t.startswith("re:"))
    if not regexes:
        return frozenset(keys), None
    joined = _any_of(regexes)
    return (None, None) if joined is None else (frozenset(keys), joined)


def _signal(raw: dict[str, Any]) -> Signal:
    patterns = tuple((t, _compile(t)) for t in raw["terms"])
    keys, regex_any = _prefilter(patterns)
    return Signal(label=raw["label"], weight=float(raw["weight"]), patterns=patterns,
                  unless=tuple(_compile(t) for t in raw.get("unless", [])),
                  any_term=_any_of(patterns), keys=keys, regex_any=regex_any)


def load_intents(path: Path) -> IntentTable:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    intents = []
    for entry in raw.get("intents", []):
        signals = tuple(_signal(s) for s in entry.get("signals", []))
        intents.append(
            Intent(
                id=entry["id"],
                phrase=entry["phrase"],
                default_model=entry["default_model"],
                why=entry["why"],
                compare=tuple(entry.get("compare", [])),
                signals=signals,
            )
        )
    return IntentTable(intents, float(raw.get("min_score", 1)), raw.get("fallback", "general"))
