"""The model catalog, loaded from data/models.toml (operators edit prices and routes there)."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.domain.providers import EditRoute, Route


@dataclass(frozen=True)
class Model:
    id: str
    name: str
    architecture: str
    maker: str
    credits: int
    speed: str
    strengths: tuple[str, ...]
    aspect_ratios: tuple[str, ...]
    routes: tuple[Route, ...] = ()
    # Credits for one edit or variation; None: no route of this model takes images.
    edit_credits: int | None = None

    @property
    def can_edit(self) -> bool:
        return self.edit_credits is not None and any(r.edit for r in self.routes)

    def max_input_images(self) -> int:
        """The most references any of this model's edit routes accepts (0: cannot edit)."""
        return max((r.edit.max_images for r in self.routes if r.edit), default=0)

    @property
    def price_label(self) -> str:
        return f"{self.credits} credit" + ("" if self.credits == 1 else "s")


def _key(text: str) -> str:
    """Normalise a model name for matching: `Flux-Pro`, `flux pro` and `FLUX_PRO` are equal."""
    return re.sub(r"[^a-z0-9.]+", "", text.lower())


class Catalog:
    def __init__(self, models: Iterable[Model]) -> None:
        self.models: tuple[Model, ...] = tuple(models)
        self._by_id = {m.id: m for m in self.models}
        if len(self._by_id) != len(self.models):
            raise ValueError("duplicate model id in the catalog")
        self._by_key: dict[str, Model] = {}
        for m in self.models:
            self._by_key[_key(m.id)] = m
            self._by_key[_key(m.name)] = m

    def __iter__(self) -> Iterator[Model]:
        return iter(self.models)

    def __len__(self) -> int:
        return len(self.models)

    def get(self, model_id: str) -> Model:
        return self._by_id[model_id]

    def find(self, name: str) -> Model | None:
        """Match by id or display name, ignoring case, spaces and punctuation."""
        return self._by_key.get(_key(name)) if name.strip() else None

    def suggest(self, name: str) -> list[str]:
        keys = difflib.get_close_matches(_key(name), list(self._by_key), n=3, cutoff=0.5)
        seen: list[str] = []
        for k in keys:
            if self._by_key[k].id not in seen:
                seen.append(self._by_key[k].id)
        return seen

    def by_price(self) -> list[Model]:
        return sorted(self.models, key=lambda m: (m.credits, m.id))

    def cheapest_affordable(self, balance: int, aspect: str | None = None) -> Model | None:
        for m in self.by_price():
            if m.credits <= balance and (aspect is None or aspect in m.aspect_ratios):
                return m
        return None

    def others(self, model_id: str) -> list[Model]:
        return [m for m in self.models if m.id != model_id]

    def usd_per_image(self, model_id: str, provider: str) -> float | None:
        """The vendor's price for one image of this model on this provider's route. The
        offline demo renderer costs nothing; a model or route no longer listed is None."""
        if provider == "demo":
            return 0.0
        model = self._by_id.get(model_id)
        routes = [r for r in model.routes if r.provider == provider] if model else []
        return routes[0].usd_per_image if routes else None


def _usd_price(model_id: object, route: dict[str, object]) -> float | None:
    price = route.get("usd_per_image")
    if price is None:
        return None
    if isinstance(price, bool) or not isinstance(price, int | float) or not 0 <= price <= 100:
        raise ValueError(
            f"model {model_id!r}, route {route.get('provider')!r}: usd_per_image must be "
            "a number of US dollars from 0 to 100"
        )
    return float(price)


SAFETY_LEVELS = ("strict", "standard", "mature")
VENDOR_FIXED = "vendor-fixed"


def _edit_route(where: str, model_id: str, raw: dict[str, Any]) -> EditRoute | None:
    """A route's `edit = { model = "...", max_images = N, params = {...} }`, if any."""
    edit = raw.get("edit")
    if edit is None:
        return None
    if not isinstance(edit, dict):
        raise ValueError(f"{where}: edit is a table {{ model = ..., max_images = N }}")
    count = edit.get("max_images", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 16:
        raise ValueError(f"{where}: edit.max_images must be a whole number from 1 to 16")
    return EditRoute(str(edit.get("model", raw["model"])), count, dict(edit.get("params", {})),
                     usd_per_image=_usd_price(model_id, edit))


def _route(model_id: str, raw: dict[str, Any]) -> Route:
    """A route, with its vendor safety fields per level (or `safety = "vendor-fixed"`)."""
    safety = raw.get("safety", {})
    where = f"model {model_id!r}, route {raw.get('provider')}"
    edit = _edit_route(where, model_id, raw)
    if safety == VENDOR_FIXED:
        return Route(raw["provider"], raw["model"], dict(raw.get("params", {})),
                     usd_per_image=_usd_price(model_id, raw), vendor_fixed=True, edit=edit)
    if not isinstance(safety, dict) or (safety and set(safety) != set(SAFETY_LEVELS)) or any(
        not isinstance(v, dict) for v in safety.values()
    ):
        raise ValueError(f"{where}: safety is \"{VENDOR_FIXED}\" or a table with "
                         f"{', '.join(SAFETY_LEVELS)}")
    return Route(raw["provider"], raw["model"], dict(raw.get("params", {})),
                 usd_per_image=_usd_price(model_id, raw),
                 safety={k: dict(v) for k, v in safety.items()}, edit=edit)


def load_catalog(path: Path) -> Catalog:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    models = []
    for entry in raw.get("models", []):
        credits = entry["credits"]
        if not isinstance(credits, int) or isinstance(credits, bool) or credits < 0:
            raise ValueError(f"model {entry.get('id')!r}: credits must be a whole number >= 0")
        routes = tuple(_route(entry["id"], r) for r in entry.get("routes", []))
        edit_credits = entry.get("edit_credits")
        if edit_credits is not None and (
            not isinstance(edit_credits, int) or isinstance(edit_credits, bool) or edit_credits < 0
        ):
            raise ValueError(f"model {entry.get('id')!r}: edit_credits must be a whole number >= 0")
        if edit_credits is not None and not any(r.edit for r in routes):
            raise ValueError(f"model {entry.get('id')!r}: edit_credits is set but no route has "
                             "an edit table")
        models.append(
            Model(
                id=entry["id"],
                name=entry["name"],
                architecture=entry["architecture"],
                maker=entry["maker"],
                credits=credits,
                speed=entry["speed"],
                strengths=tuple(entry.get("strengths", [])),
                aspect_ratios=tuple(entry.get("aspect_ratios", ["1:1"])),
                routes=routes,
                edit_credits=edit_credits,
            )
        )
    if not models:
        raise ValueError(f"{path}: no [[models]] entries")
    return Catalog(models)
