"""Operator commands: `imagine-bot providers`, `generate` (no credits, no chat) and `report`.

`providers` says which keys are set and which route each model would use; `generate` runs
one image through the configured routes exactly as a chat request would (same failover), so
an operator can check a key or a model id before people pay for it. `generate` prints one
JSON object; on failure it exits non-zero with `error` = "rejected" or "unavailable".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import httpx

from adapters.providers.demo import DemoProvider
from adapters.providers.registry import VENDORS, build_providers, configured
from bot.bootstrap import PROVIDER_TIMEOUT, load_rules
from bot.domain.catalog import Catalog, Model
from bot.domain.providers import ImageSpec, ProviderRejected, ProviderUnavailable, no_record
from bot.services.provider_router import ProviderRouter
from bot.settings import Settings


def _emit(payload: dict[str, Any]) -> None:
    print(json.dumps(payload, ensure_ascii=False), flush=True)


def route_lines(catalog: Catalog, keyed: list[str]) -> list[str]:
    lines = []
    for model in catalog:
        live = [f"{r.provider} ({r.model})" for r in model.routes if r.provider in keyed]
        missing = sorted({r.provider for r in model.routes if r.provider not in keyed})
        head = f"  {model.id} [{model.price_label}]: "
        if live:
            tail = f"   (no key: {', '.join(missing)})" if missing else ""
            lines.append(head + " -> ".join(live) + tail)
        else:
            lines.append(head + f"NOT AVAILABLE: set a key for one of {', '.join(missing)}")
    return lines


async def providers_command(settings: Settings) -> int:
    catalog, _ = load_rules(settings)
    keyed = configured(settings)
    unset = [name for name in VENDORS if name not in keyed]
    if not keyed:
        print("No provider keys are set: DEMO MODE. Every model runs on the offline demo "
              "renderer and every image is stamped DEMO.")
        print("Set a key in .env (FAL_KEY covers all eight models) to generate real images.")
        return 0
    print(f"Providers with a key: {', '.join(keyed)}")
    print(f"Providers without a key: {', '.join(unset) or 'none'}")
    print("Models and their routes, tried in this order (-> = fails over to):")
    for line in route_lines(catalog, keyed):
        print(line)
    return 0


def _provider_problem(settings: Settings, model: Model, provider: str | None) -> str:
    if not provider or provider == "demo":
        return ""
    if provider not in {r.provider for r in model.routes}:
        return f"{model.name} has no {provider} route in the catalog"
    if provider not in configured(settings):
        key = VENDORS[provider][1].upper() if provider in VENDORS else "its key"
        return f"no key is set for {provider} ({key})"
    return ""


async def generate_command(settings: Settings, args: argparse.Namespace) -> int:
    catalog, _ = load_rules(settings)
    model = catalog.find(args.model)
    if model is None:
        _emit({"error": "unknown_model", "reason": f"no model called {args.model!r}",
               "did_you_mean": catalog.suggest(args.model), "models": [m.id for m in catalog]})
        return 2
    if args.ar not in model.aspect_ratios:
        _emit({"error": "bad_aspect_ratio",
               "reason": f"{model.name} does not draw {args.ar}",
               "aspect_ratios": list(model.aspect_ratios)})
        return 2
    problem = _provider_problem(settings, model, args.provider)
    if problem:
        _emit({"error": "unavailable", "model": model.id, "provider": args.provider,
               "reason": problem, "routes": [r.provider for r in model.routes]})
        return 1
    spec = ImageSpec(args.prompt, args.ar, args.seed, model.id, model.name)
    async with httpx.AsyncClient(timeout=PROVIDER_TIMEOUT, follow_redirects=True) as client:
        router = ProviderRouter(
            build_providers(settings, client),
            DemoProvider(settings.demo_delay_seconds, settings.demo_fail),
        )
        started = time.monotonic()
        try:
            image = await router.generate(model, spec, no_record, only_provider=args.provider)
        except (ProviderRejected, ProviderUnavailable) as exc:
            kind = "rejected" if isinstance(exc, ProviderRejected) else "unavailable"
            _emit({"error": kind, "reason": exc.reason, "model": model.id,
                   "provider": exc.provider or args.provider or ""})
            return 1
    seconds = round(time.monotonic() - started, 3)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(image.data)
    _emit({"model": model.id, "provider": image.provider, "provider_model": image.provider_model,
           "seconds": seconds, "bytes": len(image.data), "width": image.width,
           "height": image.height, "mime": image.mime, "demo": image.is_demo,
           "out": str(args.out)})
    return 0


async def report_command(settings: Settings, args: argparse.Namespace) -> int:
    """`imagine-bot report`: per day and model, images, credits and estimated vendor cost."""
    from adapters.storage.database import open_database
    from adapters.storage.report import SqlUsage
    from bot.domain.errors import RequestError
    from bot.services.cost_report import build_report, parse_since, render_text, write_csv

    try:
        since = parse_since(args.since)
    except RequestError as exc:
        print(f"report: {exc.user_message}", file=sys.stderr)
        return 2
    catalog, _ = load_rules(settings)
    db = await open_database(settings.database_url)
    try:
        report = build_report(await SqlUsage(db).usage_since(since), catalog, since)
    finally:
        await db.close()
    print(render_text(report))
    if args.csv is not None:
        write_csv(report, args.csv)
        print(f"CSV: {args.csv}")
    if args.png is not None:
        from bot.services.cost_chart import write_png

        write_png(report, args.png)
        print(f"Chart: {args.png}")
    return 0
