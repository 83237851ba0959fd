"""deploy/grafana/imagine-bot.json: valid JSON Grafana can import, whose queries name only
metrics the bot exports (and every one it exports)."""

from __future__ import annotations

import json
import re

from prometheus_client import REGISTRY

import bot.services.metrics  # noqa: F401 - registers the bot's metrics
from tests.conftest import ROOT

DASHBOARD = ROOT / "deploy" / "grafana" / "imagine-bot.json"
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or",
            "unless", "offset"}
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",)}


def exported() -> dict[str, set[str]]:
    """Each imagine_* metric family -> the sample names it exports."""
    return {
        family.name: {family.name + suffix for suffix in SUFFIXES[family.type]}
        for family in REGISTRY.collect() if family.name.startswith("imagine_")
    }


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression selects (strings, matchers, ranges, groupings
    and function names taken out)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][\w:]*", text):
        rest = text[match.end():].lstrip()
        if match.group() not in KEYWORDS and not rest.startswith("("):
            names.add(match.group())
    return names


def targets(dashboard: dict) -> list[dict]:
    return [t for p in dashboard["panels"] for t in p.get("targets", [])]


def test_the_dashboard_is_json_grafana_can_import():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["title"] == "imagine-bot" and dashboard["uid"]
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for p in dashboard["panels"]:
        grid = p["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, p["title"]
        if p["type"] != "row":
            assert p["targets"] and p["datasource"]["uid"] == "${datasource}", p["title"]
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource", "instance"}


def test_every_query_names_only_metrics_the_bot_exports():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    samples = set().union(*exported().values())
    for target in targets(dashboard):
        names = metric_names(target["expr"])
        assert names, target["expr"]
        assert names <= samples, (names - samples, target["expr"])


def test_every_metric_the_bot_exports_has_a_panel():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    used = set().union(*(metric_names(t["expr"]) for t in targets(dashboard)))
    unused = [family for family, names in exported().items() if not names & used]
    assert unused == []


def test_the_name_extraction_sees_through_promql():
    expr = ('histogram_quantile(0.95, sum by (le, model) (rate(imagine_generation_seconds_bucket'
            '{instance=~"$instance",model="a"}[5m]))) / sum(imagine_jobs_total) > bool 0')
    assert metric_names(expr) == {"imagine_generation_seconds_bucket", "imagine_jobs_total"}
    assert metric_names("sum(rate(nonexistent_total[5m]))") == {"nonexistent_total"}
