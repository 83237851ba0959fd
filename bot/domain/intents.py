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


@dataclass(frozen=True)
class Signal:
    label: str
    weight: float
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    unless: tuple[re.Pattern[str], ...] = ()
    # All the patterns as one alternation: most signals match nothing in a prompt, and one
    # search says so instead of one per term (None when they cannot be joined safely).
    any_term: re.Pattern[str] | None = None

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
        # Every signal's alternation joined: a prompt with no signal at all (most of them)
        # costs one search instead of one per signal. None if any signal has no alternation.
        self._any_signal = _join([s.any_term for i in intents for s in i.signals])

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.intents)

    def get(self, intent_id: str) -> Intent | None:
        return self._by_id.get(intent_id.strip().lower())

    def ids(self) -> list[str]:
        return [i.id for i in self.intents]

    def classify(self, prompt: str) -> RouteDecision:
        text = prompt  # patterns ignore case; keep the original so reasons quote it as typed
        if self._any_signal is not None and self._any_signal.search(text) is None:
            return self._no_signal()
        best: tuple[float, Intent, list[tuple[Signal, list[str]]]] | None = None
        for intent in self.intents:
            hits = [(s, found) for s in intent.signals if (found := s.matches(text))]
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


    def _no_signal(self) -> RouteDecision:
        return RouteDecision(self.fallback, f"no strong signal: {self.fallback.why}", 0.0)


def _join(patterns: list[re.Pattern[str] | None]) -> re.Pattern[str] | None:
    if not patterns or any(p is None for p in patterns):
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns if p), re.IGNORECASE)
    except re.error:
        return None


def load_intents(path: Path) -> IntentTable:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    intents = []
    for entry in raw.get("intents", []):
        signals = tuple(
            Signal(
                label=s["label"],
                weight=float(s["weight"]),
                patterns=(patterns := tuple((t, _compile(t)) for t in s["terms"])),
                unless=tuple(_compile(t) for t in s.get("unless", [])),
                any_term=_any_of(patterns),
            )
            for s in entry.get("signals", [])
        )
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
