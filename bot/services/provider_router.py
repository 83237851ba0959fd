"""Run a catalog model on its configured routes, failing over when a route is unavailable.

A rejection (moderation, invalid input) is final: never retried, never sent to another
provider. With no provider keys at all, every model runs on the demo renderer. An edit
(input pictures) runs, and fails over, only on routes whose `edit` table takes that many.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.domain.catalog import Catalog, Model
from bot.domain.providers import (
    EditRoute,
    GeneratedImage,
    ImageProvider,
    ImageSpec,
    JobHandleRecorder,
    NotResumable,
    ProviderUnavailable,
    Route,
)
from bot.services import metrics

log = logging.getLogger(__name__)


class ProviderRouter:
    def __init__(self, providers: Mapping[str, ImageProvider], demo: ImageProvider) -> None:
        self.providers = dict(providers)
        self.demo = demo

    @property
    def demo_mode(self) -> bool:
        return not self.providers

    def routes_for(self, model: Model, images: int = 0) -> list[tuple[Route, ImageProvider]]:
        """The configured routes of `model` that can take `images` input pictures."""
        if self.demo_mode:
            # The demo renders edits of every model that can edit, as far as its data says.
            edit = EditRoute(model.id, model.max_input_images()) if model.can_edit else None
            routes = [(Route("demo", model.id, edit=edit), self.demo)]
        else:
            routes = [(r, self.providers[r.provider]) for r in model.routes
                      if r.provider in self.providers]
        return [(r, p) for r, p in routes if r.takes_images(images)]

    def can_edit(self, model: Model, images: int) -> bool:
        """Whether an edit with `images` pictures has a configured route on this model."""
        return images > 0 and model.can_edit and bool(self.routes_for(model, images))

    def available(self, model: Model) -> bool:
        return bool(self.routes_for(model))

    def available_models(self, catalog: Catalog) -> list[Model]:
        return [m for m in catalog if self.available(m)]

    async def generate(
        self,
        model: Model,
        spec: ImageSpec,
        record: JobHandleRecorder,
        only_provider: str | None = None,
    ) -> GeneratedImage:
        routes = self.routes_for(model, len(spec.images))
        if only_provider:
            routes = [(r, p) for r, p in routes if r.provider == only_provider]
        if not routes:
            what = "provider" if not spec.images else "provider that takes pictures"
            raise ProviderUnavailable(
                f"{model.name} has no configured {what} on this bot", provider=only_provider or ""
            )
        last: ProviderUnavailable | None = None
        for route, provider in routes:

            async def tagged(handle: Mapping[str, Any], route: Route = route) -> None:
                await record({"provider": route.provider, "route_model": route.model, **handle})

            try:
                async with metrics.provider_call(model.id, route.provider):
                    return await provider.generate(route, spec, tagged)
            except ProviderUnavailable as exc:
                log.warning(
                    "route unavailable model=%s provider=%s: %s",
                    model.id,
                    route.provider,
                    exc.reason,
                )
                last = exc
        assert last is not None
        raise last

    async def resume(
        self, model: Model, spec: ImageSpec, handle: Mapping[str, Any], record: JobHandleRecorder
    ) -> GeneratedImage:
        name = handle.get("provider")
        provider = self.demo if name == "demo" else self.providers.get(str(name))
        if provider is None:
            raise NotResumable(f"provider {name!r} is not configured any more", provider=str(name))
        count = len(spec.images)
        fallback = next((r for r, _ in self.routes_for(model, count) if r.provider == name),
                        Route(str(name), str(handle.get("route_model", model.id))))
        route = next(
            (
                r
                for r in model.routes
                if r.provider == name and r.model == handle.get("route_model")
            ),
            fallback,
        )
        async with metrics.provider_call(model.id, route.provider):
            return await provider.resume(route, spec, handle, record)
