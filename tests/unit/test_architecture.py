"""Imports point inward, and .env.example lists exactly the settings."""

import ast
import re
from pathlib import Path

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DB_DRIVERS = ("sqlite3", "aiosqlite", "psycopg", "psycopg_pool", "asyncpg")
PLATFORM_LIBS = ("discord", "telegram", "httpx", "aiohttp", *DB_DRIVERS)


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def modules(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_domain_imports_nothing_of_ours_but_domain():
    for path in modules("bot/domain"):
        for name in imports(path):
            assert not name.startswith(("adapters", "bot.services", "bot.bootstrap")), (path, name)
            assert name.split(".")[0] not in PLATFORM_LIBS, (path, name)


def test_core_never_imports_adapters_or_platform_libraries():
    wiring = {"bootstrap.py", "cli.py", "__main__.py", "operator_cli.py", "bench.py", "bench_fleet.py"}
    for path in modules("bot"):
        if path.name in wiring and path.parent.name == "bot":
            continue
        for name in imports(path):
            assert not name.startswith("adapters"), (path, name)
            assert name.split(".")[0] not in PLATFORM_LIBS, (path, name)


def test_only_storage_adapters_import_a_database_driver():
    for folder in ("adapters", "bot"):
        for path in modules(folder):
            if path.is_relative_to(ROOT / "adapters" / "storage"):
                continue
            if path.parent == ROOT / "bot" and path.name == "bench.py":
                continue  # the benchmark measures the raw drivers as its baseline
            for name in imports(path):
                assert name.split(".")[0] not in DB_DRIVERS, (path, name)


def test_adapters_never_import_the_composition_root():
    for path in modules("adapters"):
        for name in imports(path):
            assert not name.startswith("bot.bootstrap"), (path, name)


def test_adapters_never_import_each_other():
    for path in modules("adapters"):
        own = path.relative_to(ROOT / "adapters").parts[0]
        for name in imports(path):
            if name.startswith("adapters."):
                assert name.split(".")[1] == own, (path, name)


def test_surfaces_take_their_commands_from_the_table_the_app_holds():
    """No surface picks commands by hand: they come from the app's table, so a declared
    command reaches every surface (and a test can hand a surface a table of its own)."""
    feature = re.compile(r"^bot\.services\.(command_table|\w+_commands)$")
    for path in modules("adapters"):
        for name in imports(path):
            assert not feature.match(name), (path, name)


def test_env_example_lists_every_setting_with_a_comment():
    lines = (ROOT / ".env.example").read_text(encoding="utf-8").splitlines()
    keys = []
    for i, line in enumerate(lines):
        m = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if m:
            keys.append(m.group(1))
            assert lines[i - 1].startswith("#"), f"{m.group(1)} has no comment above it"
    assert sorted(keys) == sorted(name.upper() for name in Settings.model_fields)
    assert len(keys) == len(set(keys))


def test_secrets_are_blank_in_env_example():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    for key in (
        "TELEGRAM_TOKEN",
        "DISCORD_TOKEN",
        "FAL_KEY",
        "BFL_API_KEY",
        "GEMINI_API_KEY",
        "XAI_API_KEY",
        "ARK_API_KEY",
        "RECRAFT_API_TOKEN",
        "REPLICATE_API_TOKEN",
    ):
        assert re.search(rf"^{key}=$", text, re.M), key


def test_every_secretstr_setting_is_in_secret_settings():
    from bot.settings import SECRET_SETTINGS

    secret = {n for n, f in Settings.model_fields.items() if "SecretStr" in str(f.annotation)}
    assert secret == set(SECRET_SETTINGS)
