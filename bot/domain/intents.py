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

    def matches(self, text: str) -> list[str]:
        """The terms of this signal found in `text` (lower-cased), unless switched off."""
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


def _compile(term: str) -> re.Pattern[str]:
    if term.startswith("re:"):
        return re.compile(term[3:], re.IGNORECASE)
    words = r"\s+".join(re.escape(w) for w in term.lower().split())
    # Whole words only, with an optional plural; `(?<!\w)` rather than \b so terms that
    # start or end with punctuation ("a.s.a.p.") still match.
    return re.compile(rf"(?<![\w-]){words}(?:s|es)?(?![\w])", re.IGNORECASE)


class IntentTable:
    def __init__(self, intents: list[Intent], min_score: float, fallback: str) -> None:
        self.intents = tuple(intents)
        self.min_score = min_score
        self._by_id = {i.id: i for i in intents}
        self.fallback = self._by_id[fallback]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.intents)

    def get(self, intent_id: str) -> Intent | None:
        return self._by_id.get(intent_id.strip().lower())

    def ids(self) -> list[str]:
        return [i.id for i in self.intents]

    def classify(self, prompt: str) -> RouteDecision:
        text = prompt  # patterns ignore case; keep the original so reasons quote it as typed
        best: tuple[float, Intent, list[tuple[Signal, list[str]]]] | None = None
        for intent in self.intents:
            hits = [(s, found) for s in intent.signals if (found := s.matches(text))]
            score = sum(s.weight * len(found) for s, found in hits)
            if score >= self.min_score and (best is None or score > best[0]):
                best = (score, intent, hits)
        if best is None:
            return RouteDecision(self.fallback, f"no strong signal: {self.fallback.why}", 0.0)
        score, intent, hits = best
        # Name the strongest kind of signal (the first listed on a tie), e.g. quoted words.
        signal, found = max(hits, key=lambda h: h[0].weight)
        example = found[0].strip()
        if len(example) > 40:
            example = example[:37] + "..."
        label = signal.label if signal.label.endswith(example) else f"{signal.label} ({example})"
        return RouteDecision(intent, f"{label}: {intent.why}", score)


def load_intents(path: Path) -> IntentTable:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    intents = []
    for entry in raw.get("intents", []):
        signals = tuple(
            Signal(
                label=s["label"],
                weight=float(s["weight"]),
                patterns=tuple((t, _compile(t)) for t in s["terms"]),
                unless=tuple(_compile(t) for t in s.get("unless", [])),
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
