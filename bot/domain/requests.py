"""One request grammar for every chat surface.

`/imagine <prompt> [--model M] [--intent I] [--ar W:H] [--seed N]` (also `--model=M` and the
slash-option style `model:M`) parses into a `GenerationRequest`. Discord's structured options
go through `build_request`, the same validation. Every error is a `RequestError` with a
specific, friendly message; nothing else escapes, whatever the input.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.domain.catalog import Catalog, Model
from bot.domain.errors import RequestError, UnknownModel
from bot.domain.intents import IntentTable

MAX_PROMPT_CHARS = 1500
MAX_SEED = 2**32 - 1
OPTION_NAMES = ("model", "intent", "ar", "seed")
_ALIASES = {"aspect": "ar", "aspect_ratio": "ar", "ratio": "ar", "m": "model", "i": "intent"}
_FLAG = re.compile(r"^(?:--|—|–)([A-Za-z_][\w-]*)(?:=(.*))?$")
_COLON_OPTION = re.compile(r"^(model|intent|ar|aspect|seed):(.*)$", re.IGNORECASE)
_RATIO = re.compile(r"^\s*(\d{1,2})\s*[:x/]\s*(\d{1,2})\s*$")


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    model: Model | None = None
    intent: str | None = None
    aspect: str | None = None
    seed: int | None = None


def clean_text(text: str) -> str:
    """Drop control and format characters (keep newlines as spaces), squeeze whitespace."""
    if text.isprintable():  # most prompts: no control, format or unassigned characters
        return " ".join(text.split())
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\r\t":
            out.append(" ")
        elif cat in ("Cc", "Cs", "Co", "Cn") or (cat == "Cf" and ch not in "\u200d"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def _model_option(catalog: Catalog, value: str) -> Model:
    model = catalog.find(value)
    if model is None:
        hint = catalog.suggest(value)
        ids = ", ".join(m.id for m in catalog)
        did_you_mean = f" Did you mean {' or '.join(f'`{h}`' for h in hint)}?" if hint else ""
        raise UnknownModel(f"I don't know the model `{value[:40]}`.{did_you_mean} Models: {ids}.")
    return model


def pick_model(catalog: Catalog, value: str) -> Model:
    """The model a person named, or UnknownModel with what they may have meant."""
    return _model_option(catalog, clean_text(value))


def _intent_option(intents: IntentTable, value: str) -> str:
    intent = intents.get(value)
    if intent is None:
        raise RequestError(
            f"I don't know the intent `{value[:40]}`. Intents: {', '.join(intents.ids())}.",
            key="unknown-intent", value=value[:40], intents=", ".join(intents.ids()))
    return intent.id


def normalise_aspect(value: str) -> str:
    m = _RATIO.match(value)
    if not m or int(m.group(1)) == 0 or int(m.group(2)) == 0:
        raise RequestError(
            f"`{value[:20]}` is not an aspect ratio. Write it as width:height, like 16:9 or 1:1.",
            key="not-aspect", value=value[:20])
    return f"{int(m.group(1))}:{int(m.group(2))}"


def _seed_option(value: str | int) -> int:
    try:
        seed = int(str(value).strip())
    except ValueError:
        shown = str(value)[:20]
        raise RequestError(f"The seed must be a whole number, not `{shown}`.",
                           key="seed-not-number", value=shown) from None
    if not 0 <= seed <= MAX_SEED:
        raise RequestError(f"The seed must be between 0 and {MAX_SEED}.", key="seed-range",
                           max=MAX_SEED)
    return seed


def build_request(
    catalog: Catalog,
    intents: IntentTable,
    prompt: str,
    *,
    model: str | None = None,
    intent: str | None = None,
    aspect: str | None = None,
    seed: str | int | None = None,
) -> GenerationRequest:
    """Validate already-separated options (Discord's slash options, or the parsed text)."""
    prompt = clean_text(prompt or "")
    if not prompt:
        raise RequestError("Tell me what to draw: `/imagine a fox in the snow`.",
                           key="prompt-missing")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise RequestError(
            f"That prompt is {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}. "
            "Please shorten it.", key="prompt-too-long", length=len(prompt),
            limit=MAX_PROMPT_CHARS)
    chosen = _model_option(catalog, clean_text(model)) if model and clean_text(model) else None
    intent_id = _intent_option(intents, clean_text(intent)) if intent and intent.strip() else None
    ratio = normalise_aspect(clean_text(aspect)) if aspect and aspect.strip() else None
    if chosen and ratio and ratio not in chosen.aspect_ratios:
        raise RequestError(
            f"{chosen.name} does not do {ratio}. It supports {', '.join(chosen.aspect_ratios)}.",
            key="model-no-aspect", model=chosen.name, aspect=ratio,
            supported=", ".join(chosen.aspect_ratios))
    seed_value = _seed_option(seed) if seed is not None and str(seed).strip() else None
    return GenerationRequest(prompt, chosen, intent_id, ratio, seed_value)


def _take_model_words(catalog: Catalog, words: list[str], i: int) -> tuple[str, int]:
    """After `--model`, take the longest run of words naming a model (`flux pro`), else one."""
    for n in (3, 2):
        if i + n <= len(words) and catalog.find(" ".join(words[i : i + n])):
            return " ".join(words[i : i + n]), i + n
    return words[i], i + 1


def parse_imagine(text: str, catalog: Catalog, intents: IntentTable) -> GenerationRequest:
    """Parse the text after `/imagine` (the command word itself may be included)."""
    text = clean_text(text)
    words = text.split(" ") if text else []
    if words and re.match(r"^/imagine(@\w+)?$", words[0], re.IGNORECASE):
        words = words[1:]
    options: dict[str, str] = {}
    prompt_words: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        flag = _FLAG.match(word)
        colon = _COLON_OPTION.match(word) if not flag else None
        if flag:
            name = flag.group(1).lower().replace("-", "_")
            name = _ALIASES.get(name, name)
            if name not in OPTION_NAMES:
                known = ", ".join(f"--{o}" for o in OPTION_NAMES)
                raise RequestError(
                    f"I don't know the option `--{flag.group(1)[:20]}`. Try {known}.",
                    key="unknown-flag", flag=f"--{flag.group(1)[:20]}", known=known)
            value = flag.group(2)
            i += 1
            if value is None:
                if i >= len(words) or _FLAG.match(words[i]):
                    raise RequestError(
                        f"`--{name}` needs a value, like `--{name} {_example(name)}`.",
                        key="flag-needs-value", flag=f"--{name}", example=_example(name))
                if name == "model":
                    value, i = _take_model_words(catalog, words, i)
                else:
                    value, i = words[i], i + 1
        elif colon and colon.group(2):
            name = _ALIASES.get(colon.group(1).lower(), colon.group(1).lower())
            value = colon.group(2)
            i += 1
        else:
            prompt_words.append(word)
            i += 1
            continue
        if name in options:
            raise RequestError(f"`--{name}` is given twice; give it once.", key="given-twice",
                               option=f"--{name}")
        options[name] = value
    return build_request(
        catalog,
        intents,
        " ".join(prompt_words),
        model=options.get("model"),
        intent=options.get("intent"),
        aspect=options.get("ar"),
        seed=options.get("seed"),
    )


def _example(name: str) -> str:
    return {"model": "flux-pro", "intent": "photo", "ar": "16:9", "seed": "42"}[name]


@dataclass(frozen=True)
class EditRequest:
    instruction: str
    model: Model | None = None


def parse_edit(text: str, catalog: Catalog) -> EditRequest:
    """The words after `/edit`: what to change, and a model named with `--model M` (or
    `model:M`). An edit keeps the picture's shape and takes a new seed, so /imagine's other
    options are refused by name rather than drawn into the instruction."""
    words = clean_text(text).split(" ") if clean_text(text) else []
    kept: list[str] = []
    model: Model | None = None
    i = 0
    while i < len(words):
        word = words[i]
        flag = _FLAG.match(word)
        colon = _COLON_OPTION.match(word) if not flag else None
        name = (flag.group(1) if flag else colon.group(1) if colon else "").lower()
        if not name:
            kept.append(word)
            i += 1
            continue
        if _ALIASES.get(name, name) != "model":
            raise RequestError(f"`{word[:20]}` does not apply to an edit; only `--model` does.",
                               key="edit-not-for-edit", word=word[:20])
        if model is not None:
            raise RequestError("`--model` is given twice; give it once.", key="given-twice",
                               option="--model")
        value = flag.group(2) if flag else colon.group(2) if colon else None
        i += 1
        if not value:
            if i >= len(words):
                raise RequestError("`--model` needs a value, like `--model nano-banana-2`.",
                                   key="flag-needs-value", flag="--model",
                                   example="nano-banana-2")
            value, i = _take_model_words(catalog, words, i)
        model = pick_model(catalog, value)
    return EditRequest(" ".join(kept), model)
