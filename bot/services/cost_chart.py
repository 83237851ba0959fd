"""The PNG of `imagine-bot report --png`: credits and vendor cost per day, stacked by model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display, no GUI toolkit

import matplotlib.pyplot as plt  # noqa: E402 - after the backend is chosen

from bot.services.cost_report import Report  # noqa: E402

WIDTH_PX, HEIGHT_PX, DPI = 1200, 750, 100


def write_png(report: Report, path: Path) -> None:
    days = report.days or [report.since]
    labels = [d.strftime("%m-%d") for d in days]
    models = sorted({r.model_id for r in report.models})
    net = {(r.day, r.model_id): r.credits_charged - r.credits_refunded for r in report.models}
    usd = {(r.day, r.model_id): r.vendor_usd for r in report.models}
    fig, (top, bottom) = plt.subplots(
        2, 1, sharex=True, figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI
    )
    try:
        colors = plt.get_cmap("tab10")
        x = range(len(days))
        for axis, values in ((top, net), (bottom, usd)):
            base = [0.0] * len(days)
            for i, model in enumerate(models):
                heights = [float(values.get((d, model), 0)) for d in days]
                axis.bar(x, heights, bottom=base, label=model, color=colors(i % 10))
                base = [b + h for b, h in zip(base, heights, strict=True)]
            axis.grid(axis="y", alpha=0.3)
        top.set_title(f"Credits spent (charged minus refunded) per day, since {report.since}")
        top.set_ylabel("credits")
        bottom.set_title("Estimated vendor cost per day (data/models.toml usd_per_image)")
        bottom.set_ylabel("US dollars")
        bottom.set_xticks(list(x), labels, rotation=45 if len(days) > 14 else 0)
        bottom.set_xlabel("day (UTC)")
        if models:
            top.legend(loc="upper left", fontsize="small", ncol=min(4, len(models)))
        fig.tight_layout()
        fig.savefig(path, format="png", dpi=DPI)  # fixed size: no bbox trimming
    finally:
        plt.close(fig)
