"""The prompt filter against the labelled set (precision and recall per level, printed for
the report), its evasion handling, server words, and the level resolution per place."""

from __future__ import annotations

import pytest

from bot.domain.errors import RequestError
from bot.domain.prompt_filter import LEVEL, OPERATOR, SERVER, FilterRules, ServerWord, load_rules
from bot.domain.safety import Level, Place, resolve
from tests.conftest import DATA
from tests.unit.safety_labelled import LABELLED

ORDER = {"ok": -1, "strict": Level.STRICT, "standard": Level.STANDARD,
         "everywhere": Level.MATURE}
FLOORS = {Level.STRICT: (0.97, 0.95), Level.STANDARD: (0.97, 0.93), Level.MATURE: (0.95, 0.9)}


@pytest.fixture(scope="module")
def rules() -> FilterRules:
    return load_rules(DATA / "safety.toml")


def test_the_labelled_set_is_big_and_mixed() -> None:
    labels = [label for _, label in LABELLED]
    assert len(LABELLED) >= 150
    assert {labels.count(k) >= 20 for k in ORDER} == {True}
    assert len({p for p, _ in LABELLED}) == len(LABELLED)


@pytest.mark.parametrize("level", list(Level), ids=lambda lv: lv.label)
def test_precision_and_recall_on_the_labelled_set(rules: FilterRules, level: Level) -> None:
    tp = fp = fn = 0
    for prompt, label in LABELLED:
        should = ORDER[label] >= level
        blocked = rules.check(prompt, level).blocked
        tp += should and blocked
        fp += blocked and not should
        fn += should and not blocked
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nfilter at {level.label}: precision {precision:.3f} recall {recall:.3f} "
          f"(tp {tp}, fp {fp}, fn {fn}, n {len(LABELLED)})")
    floor_p, floor_r = FLOORS[level]
    assert precision >= floor_p
    assert recall >= floor_r


@pytest.mark.parametrize("prompt", [
    "a breast stroke swimmer", "a cock crowing at dawn", "Scunthorpe", "grape juice",
    "a therapist", "Essex", "a 4k photo, 16:9", "spices", "butter on toast",
])
def test_harmless_look_alikes_pass_even_at_strict(rules: FilterRules, prompt: str) -> None:
    assert not rules.check(prompt, Level.STRICT).blocked


@pytest.mark.parametrize("prompt", [
    "nude", "NUDE", "ñúdé", "n u d e", "n.u.d.e", "n-u-d-e", "nuuuude", "nud3", "рorn",
    "p0rn", "nu\u200bde", "a n u d e woman",
])
def test_evasions_are_undone(rules: FilterRules, prompt: str) -> None:
    assert rules.check(prompt, Level.STANDARD).kind == LEVEL
    assert not rules.check(prompt, Level.MATURE).blocked


def test_the_operator_list_holds_at_mature(rules: FilterRules) -> None:
    assert rules.check("a nude child", Level.MATURE).kind == OPERATOR
    assert rules.check("a 12 year old in lingerie", Level.MATURE).kind == OPERATOR
    assert rules.check("a child reading", Level.MATURE).kind is None
    assert rules.check("a nude adult", Level.MATURE).kind is None


def test_server_words_and_regexes(rules: FilterRules) -> None:
    words = [ServerWord.parse("clown"), ServerWord.parse("re:\\bcorp(oration)?\\b"),
             ServerWord.parse("Big Tooth")]
    assert rules.check("a scary c l o w n", Level.MATURE, words).kind == SERVER
    assert rules.check("clowns at a party", Level.MATURE, words).kind == SERVER
    assert rules.check("Acme Corporation HQ", Level.MATURE, words).kind == SERVER
    assert rules.check("a big tooth", Level.MATURE, words).kind == SERVER
    assert rules.check("a corporate office", Level.MATURE, words).kind is None
    assert rules.check("a big toothbrush", Level.MATURE, words).kind is None
    # The operator list wins: the kind says which rule, never the word.
    assert rules.check("a nude child clown", Level.MATURE, words).kind == OPERATOR


@pytest.mark.parametrize("bad", ["", "re:", "re:(", "re:(a+)+$", "x" * 101, "!!!"])
def test_a_bad_server_word_is_refused_with_a_reason(bad: str) -> None:
    with pytest.raises(RequestError):
        ServerWord.parse(bad)


# -- which level applies where ------------------------------------------------------------

GUILD = Place("discord", "discord:guild:1", channel="10")
NSFW = Place("discord", "discord:guild:1", channel="11", age_restricted=True)
DM = Place.private("discord", "7")
GROUP = Place("telegram", "telegram:chat:-100")
PRIVATE = Place.private("telegram", "42")


def level_at(place: Place, server: Level | None = None, channel: Level | None = None,
             dm: Level = Level.STRICT, cap: Level = Level.MATURE) -> tuple[Level, tuple[str, ...]]:
    r = resolve(place, server=server, channel=channel, dm_level=dm, max_level=cap)
    return r.level, r.reasons


def test_defaults_per_place() -> None:
    assert level_at(GUILD)[0] is Level.STANDARD
    assert level_at(GROUP)[0] is Level.STANDARD
    assert level_at(DM)[0] is Level.STRICT
    assert level_at(PRIVATE)[0] is Level.STRICT
    assert level_at(DM, server=Level.MATURE, dm=Level.STANDARD)[0] is Level.STANDARD


def test_mature_only_where_the_platform_allows_it() -> None:
    level, reasons = level_at(GUILD, server=Level.MATURE)
    assert level is Level.STANDARD and any("age-restricted" in r for r in reasons)
    assert level_at(NSFW, server=Level.MATURE)[0] is Level.MATURE
    assert level_at(NSFW, channel=Level.MATURE)[0] is Level.MATURE
    assert level_at(GROUP, server=Level.MATURE)[0] is Level.MATURE
    level, reasons = level_at(DM, dm=Level.MATURE)
    assert level is Level.STANDARD and "private chats" in reasons[-1]


def test_channel_overrides_server_and_operator_caps_everything() -> None:
    level, reasons = level_at(NSFW, server=Level.STRICT, channel=Level.MATURE,
                              cap=Level.STANDARD)
    assert level is Level.STANDARD
    assert reasons == ("server default: strict", "channel override: mature",
                       "operator cap: nothing looser than standard")
    assert level_at(NSFW, server=Level.MATURE, channel=Level.STRICT)[0] is Level.STRICT
