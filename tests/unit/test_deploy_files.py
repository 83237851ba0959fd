"""deploy/: what can be checked without a container engine (none runs on CI machines).

The Dockerfile installs the package and starts the entry point the README documents, runs as
a non-root user, keeps the database on a volume, asks /healthz, and carries no secret; the
compose files name only real settings; the systemd unit starts the same entry point.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import yaml

from bot.settings import SECRET_SETTINGS

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE_FILES = ["docker-compose.yml", "docker-compose.fleet.yml"]


def instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    joined, out = "", []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not joined and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            joined += line.rstrip()[:-1] + " "
            continue
        joined += line
        word, _, rest = joined.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        joined = ""
    return out


def entry_point() -> str:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert list(scripts) == ["imagine-bot"]
    return "imagine-bot"


def env_example_keys() -> set[str]:
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, re.M))


def dockerfile_env(steps: list[tuple[str, str]]) -> dict[str, str]:
    env: dict[str, str] = {}
    for word, rest in steps:
        if word == "ENV":
            for item in shlex.split(rest):
                name, _, value = item.partition("=")
                env[name] = value
    return env


def test_the_dockerfile_installs_the_package_and_runs_the_documented_entry_point():
    steps = instructions(DEPLOY / "Dockerfile")
    base = next(rest for word, rest in steps if word == "FROM")
    assert re.fullmatch(r"python:3\.1[1-9]-slim", base), base
    runs = " ".join(rest for word, rest in steps if word == "RUN")
    assert re.search(r"pip install \.(\s|$)", runs), "the image installs this package"
    copied = " ".join(rest for word, rest in steps if word == "COPY")
    for needed in ("pyproject.toml", "bot", "adapters", "data/models.toml", "data/intents.toml"):
        assert needed in copied, needed
    cmd = [rest for word, rest in steps if word == "CMD"][-1]
    assert cmd == f'["{entry_point()}", "run"]'
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{entry_point()} run`" in readme and "deploy/Dockerfile" in readme


def test_the_image_runs_as_a_non_root_user_with_the_database_on_a_volume():
    steps = instructions(DEPLOY / "Dockerfile")
    users = [rest for word, rest in steps if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert f"useradd --system --create-home --uid 10001 --user-group {users[-1]}" in " ".join(
        rest for word, rest in steps if word == "RUN"
    )
    database = dockerfile_env(steps)["DATABASE_URL"]
    assert database.startswith("sqlite:////")
    volumes = [v for word, rest in steps if word == "VOLUME" for v in yaml.safe_load(rest)]
    assert str(Path(database.removeprefix("sqlite:///")).parent) in volumes


def test_the_healthcheck_asks_healthz_on_the_metrics_port():
    steps = instructions(DEPLOY / "Dockerfile")
    checks = [rest for word, rest in steps if word == "HEALTHCHECK"]
    assert len(checks) == 1
    assert "/healthz" in checks[0] and "METRICS_LISTEN" in checks[0] and "127.0.0.1" in checks[0]
    assert "curl" not in checks[0], "the slim image has no curl"
    env = dockerfile_env(steps)
    port = env["METRICS_LISTEN"].rsplit(":", 1)[1]
    assert f"EXPOSE {port}" in [f"{w} {r}" for w, r in steps]


def test_no_secret_is_baked_into_the_image():
    steps = instructions(DEPLOY / "Dockerfile")
    secretish = re.compile(r"TOKEN|SECRET|KEY|PASSWORD", re.I)
    names = [w for word, rest in steps if word == "ARG" for w in [rest.split("=")[0]]]
    names += list(dockerfile_env(steps))
    for name in names:
        assert name.lower() not in SECRET_SETTINGS and not secretish.search(name), name
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text().splitlines()
    assert ".env" in ignored


def test_compose_files_name_only_settings_from_env_example():
    known = env_example_keys()
    for name in COMPOSE_FILES:
        compose = yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))
        bots = {k: s for k, s in compose["services"].items() if "build" in s}
        assert bots, name
        for service, spec in bots.items():
            assert spec["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
            assert spec["env_file"] == "../.env"
            settings = set(spec.get("environment", {}))
            assert settings <= known, (name, service, settings - known)
            for setting in settings:
                assert setting.lower() not in SECRET_SETTINGS, (name, service, setting)
            if spec.get("command"):
                assert spec["command"][0] == entry_point()


def test_the_single_bot_compose_keeps_sqlite_on_a_volume():
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text(encoding="utf-8"))
    (bot,) = compose["services"].values()
    database = bot["environment"]["DATABASE_URL"]
    assert database.startswith("sqlite:////")
    mounts = dict(v.split(":", 1) for v in bot["volumes"])
    assert mounts.get("data") == str(Path(database.removeprefix("sqlite:///")).parent)
    assert "data" in compose["volumes"]


def test_the_systemd_unit_starts_the_entry_point_as_its_own_user():
    unit = (DEPLOY / "imagine-bot.service").read_text(encoding="utf-8")
    values = dict(
        line.split("=", 1) for line in unit.splitlines() if "=" in line and not line.startswith("#")
    )
    command = values["ExecStart"].split()
    assert Path(command[0]).name == entry_point() and command[1:] == ["run"]
    assert values["User"] not in ("root", "0")
    assert values["KillSignal"] == "SIGTERM"
    assert values["Environment"].startswith("DATABASE_URL=sqlite:////var/lib/imagine-bot/")
    assert values["StateDirectory"] == "imagine-bot"
    assert "deploy/imagine-bot.service" in (ROOT / "README.md").read_text(encoding="utf-8")
