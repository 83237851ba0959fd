"""Run a catalog model on its configured routes, failing over when a route is unavailable.

A rejection (moderation, invalid input) is final: never retried, never sent to another
provider. With no provider keys at all, every model runs on the demo renderer.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bot.domain.catalog import Catalog, Model
from bot.domain.providers import (
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

    def routes_for(self, model: Model) -> list[tuple[Route, ImageProvider]]:
        if self.demo_mode:
            return [(Route("demo", model.id), self.demo)]
        return [
            (r, self.providers[r.provider]) for r in model.routes if r.provider in self.providers
        ]

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
        routes = self.routes_for(model)
        if only_provider:
            routes = [(r, p) for r, p in routes if r.provider == only_provider]
        if not routes:
            raise ProviderUnavailable(
                f"{model.name} has no configured provider on this bot", provider=only_provider or ""
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
        route = next(
            (
                r
                for r in model.routes
                if r.provider == name and r.model == handle.get("route_model")
            ),
            Route(str(name), str(handle.get("route_model", model.id))),
        )
        async with metrics.provider_call(model.id, route.provider):
            return await provider.resume(route, spec, handle, record)
