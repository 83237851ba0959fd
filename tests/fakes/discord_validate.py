"""Strict validators used by the fake Discord server (:mod:`tests.fakes.discord_api`).

Every function returns a :class:`FormErrors`; an empty one means "valid". The fake turns a
non-empty one into Discord's
``400 {"code": 50035, "message": "Invalid Form Body", "errors": {...}}``
where ``errors`` is nested by JSON path, e.g.
``{"components": {"0": {"components": {"_errors": [{"code": ..., "message": ...}]}}}}``.

Limits follow the Discord API documentation (messages, embeds, components, application
commands, autocomplete, modals). The error *codes* mimic Discord's style; tests should assert on
the HTTP status and the numeric ``code`` (50035), not on the exact inner strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# --- limits ------------------------------------------------------------------------------------
CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TITLE_MAX = 256
EMBED_DESCRIPTION_MAX = 4096
EMBED_FIELDS_MAX = 25
EMBED_FIELD_NAME_MAX = 256
EMBED_FIELD_VALUE_MAX = 1024
EMBED_FOOTER_MAX = 2048
EMBED_AUTHOR_NAME_MAX = 256
EMBED_TOTAL_MAX = 6000
ATTACHMENTS_MAX = 10
ACTION_ROWS_MAX = 5
ROW_BUTTONS_MAX = 5
CUSTOM_ID_MAX = 100
BUTTON_LABEL_MAX = 80
SELECT_OPTIONS_MAX = 25
SELECT_OPTION_TEXT_MAX = 100
SELECT_PLACEHOLDER_MAX = 150
V2_COMPONENTS_MAX = 40
V2_TEXT_TOTAL_MAX = 4000

COMMAND_NAME_RE = re.compile(r"^[-_'\w\u0900-\u097f\u0e00-\u0e7f]{1,32}$")
COMMAND_DESCRIPTION_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
COMMAND_TOTAL_CHARS_MAX = 4000
CHAT_INPUT_COMMANDS_MAX = 100
CONTEXT_MENU_COMMANDS_MAX = 5

MODAL_TITLE_MAX = 45
MODAL_COMPONENTS_MAX = 5
TEXT_INPUT_LABEL_MAX = 45
TEXT_INPUT_VALUE_MAX = 4000

# Component types
ACTION_ROW, BUTTON, STRING_SELECT, TEXT_INPUT = 1, 2, 3, 4
USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT = 5, 6, 7, 8
SECTION, TEXT_DISPLAY, THUMBNAIL, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER, LABEL = (
    9,
    10,
    11,
    12,
    13,
    14,
    17,
    18,
)
SELECT_TYPES = {STRING_SELECT, USER_SELECT, ROLE_SELECT, MENTIONABLE_SELECT, CHANNEL_SELECT}
V2_TOP_LEVEL = {ACTION_ROW, SECTION, TEXT_DISPLAY, MEDIA_GALLERY, FILE, SEPARATOR, CONTAINER}

# Message flags
FLAG_SUPPRESS_EMBEDS = 1 << 2
FLAG_EPHEMERAL = 1 << 6
FLAG_LOADING = 1 << 7
FLAG_SUPPRESS_NOTIFICATIONS = 1 << 12
FLAG_COMPONENTS_V2 = 1 << 15
CREATE_FLAGS_ALLOWED = (
    FLAG_SUPPRESS_EMBEDS | FLAG_EPHEMERAL | FLAG_SUPPRESS_NOTIFICATIONS | FLAG_COMPONENTS_V2
)

# Application command option types
OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP = 1, 2
OPT_STRING, OPT_INTEGER, OPT_BOOLEAN, OPT_USER = 3, 4, 5, 6
OPT_CHANNEL, OPT_ROLE, OPT_MENTIONABLE, OPT_NUMBER, OPT_ATTACHMENT = 7, 8, 9, 10, 11
OPTION_TYPES = set(range(1, 12))

# Interaction types -> allowed callback types
INTERACTION_PING, APP_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 1, 2, 3, 4, 5
ALLOWED_CALLBACKS = {
    APP_COMMAND: {4, 5, 9, 12},
    COMPONENT: {4, 5, 6, 7, 9},
    AUTOCOMPLETE: {8},
    MODAL_SUBMIT: {4, 5, 6, 7},
}


class FormErrors:
    """Collects errors keyed by a JSON path; renders Discord's nested ``errors`` object."""

    def __init__(self) -> None:
        self._items: list[tuple[tuple[str, ...], str, str]] = []

    def add(self, path: Iterable[Any], code: str, message: str) -> None:
        self._items.append((tuple(str(p) for p in path), code, message))

    def extend(self, other: FormErrors, prefix: Iterable[Any] = ()) -> None:
        pre = tuple(str(p) for p in prefix)
        for path, code, message in other._items:
            self._items.append((pre + path, code, message))

    def __bool__(self) -> bool:
        return bool(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"FormErrors({self.flat()!r})"

    def flat(self) -> list[str]:
        """``["components.0.components: COMPONENT_LAYOUT_WIDTH_EXCEEDED", ...]`` (for messages)."""
        return [f"{'.'.join(p) or '<root>'}: {c}" for p, c, _ in self._items]

    def to_dict(self) -> dict[str, Any]:
        root: dict[str, Any] = {}
        for path, code, message in self._items:
            node = root
            for key in path:
                node = node.setdefault(key, {})
            node.setdefault("_errors", []).append({"code": code, "message": message})
        return root


def _max_len(errs: FormErrors, path: list[Any], value: Any, limit: int) -> None:
    if isinstance(value, str | list) and len(value) > limit:
        errs.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")


def _bad_len(errs: FormErrors, path: list[Any], value: Any, lo: int, hi: int) -> None:
    if not isinstance(value, str) or not lo <= len(value) <= hi:
        errs.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")


def _is_url(
    value: Any, schemes: tuple[str, ...] = ("http://", "https://", "attachment://")
) -> bool:
    return isinstance(value, str) and value.startswith(schemes) and len(value) > 8


# --- embeds ------------------------------------------------------------------------------------
def validate_embeds(embeds: Any) -> FormErrors:
    errs = FormErrors()
    if embeds is None:
        return errs
    if not isinstance(embeds, list):
        errs.add(["embeds"], "BASE_TYPE_LIST", "Must be an array.")
        return errs
    _max_len(errs, ["embeds"], embeds, EMBEDS_MAX)
    total = 0
    for i, embed in enumerate(embeds):
        p = ["embeds", i]
        if not isinstance(embed, dict):
            errs.add(p, "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
            continue
        title, desc = embed.get("title"), embed.get("description")
        _max_len(errs, [*p, "title"], title, EMBED_TITLE_MAX)
        _max_len(errs, [*p, "description"], desc, EMBED_DESCRIPTION_MAX)
        total += len(title or "") + len(desc or "")
        fields = embed.get("fields") or []
        _max_len(errs, [*p, "fields"], fields, EMBED_FIELDS_MAX)
        for j, field in enumerate(fields):
            fp = [*p, "fields", j]
            name, value = field.get("name"), field.get("value")
            _bad_len(errs, [*fp, "name"], name, 1, EMBED_FIELD_NAME_MAX)
            _bad_len(errs, [*fp, "value"], value, 1, EMBED_FIELD_VALUE_MAX)
            total += len(name or "") + len(value or "")
        footer = embed.get("footer") or {}
        _max_len(errs, [*p, "footer", "text"], footer.get("text"), EMBED_FOOTER_MAX)
        total += len(footer.get("text") or "")
        author = embed.get("author") or {}
        _max_len(errs, [*p, "author", "name"], author.get("name"), EMBED_AUTHOR_NAME_MAX)
        total += len(author.get("name") or "")
        if embed.get("url") is not None and not _is_url(embed["url"], ("http://", "https://")):
            errs.add([*p, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        for key in ("image", "thumbnail"):
            sub = embed.get(key)
            if sub is not None and not _is_url((sub or {}).get("url")):
                errs.add([*p, key, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        color = embed.get("color")
        if color is not None and (not isinstance(color, int) or not 0 <= color <= 0xFFFFFF):
            errs.add([*p, "color"], "NUMBER_TYPE_MAX", "int value should be <= 16777215.")
    if total > EMBED_TOTAL_MAX:
        errs.add(
            ["embeds"],
            "MAX_EMBED_SIZE_EXCEEDED",
            f"Embed size exceeds maximum size of {EMBED_TOTAL_MAX}",
        )
    return errs


# --- components --------------------------------------------------------------------------------
def iter_components(components: Any) -> Iterable[dict[str, Any]]:
    """Depth-first walk over every component (rows, containers, sections, labels, accessories)."""
    for comp in components or []:
        if not isinstance(comp, dict):
            continue
        yield comp
        yield from iter_components(comp.get("components"))
        for key in ("accessory", "component"):
            if isinstance(comp.get(key), dict):
                yield from iter_components([comp[key]])


def find_component(components: Any, custom_id: str) -> dict[str, Any] | None:
    for comp in iter_components(components):
        if comp.get("custom_id") == custom_id:
            return comp
    return None


def _validate_button(errs: FormErrors, p: list[Any], b: dict[str, Any]) -> None:
    style = b.get("style")
    if style not in (1, 2, 3, 4, 5, 6):
        errs.add([*p, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4, 5, 6}.")
        return
    _max_len(errs, [*p, "label"], b.get("label"), BUTTON_LABEL_MAX)
    if style == 5:
        if not b.get("url"):
            errs.add([*p, "url"], "BUTTON_COMPONENT_URL_REQUIRED", "A url is required")
        elif not _is_url(b["url"], ("http://", "https://", "discord://")):
            errs.add([*p, "url"], "URL_TYPE_INVALID_URL", "Not a well formed URL.")
        if b.get("custom_id") is not None:
            errs.add(
                [*p, "custom_id"],
                "BUTTON_COMPONENT_CUSTOM_ID_NOT_ALLOWED",
                "A custom id cannot be set on a link button",
            )
    elif style == 6:  # premium: the SKU alone (Discord draws the label and price)
        if not b.get("sku_id"):
            errs.add([*p, "sku_id"], "BUTTON_COMPONENT_SKU_ID_REQUIRED", "A sku id is required")
        for name in ("custom_id", "label", "url", "emoji"):
            if b.get(name) is not None:
                errs.add([*p, name], "BUTTON_COMPONENT_PREMIUM_FIELD_NOT_ALLOWED",
                         f"A {name.replace('_', ' ')} cannot be set on a premium button")
    else:
        if b.get("url") is not None:
            errs.add([*p, "url"], "BUTTON_COMPONENT_URL_NOT_ALLOWED", "A url cannot be set")
        if b.get("custom_id") is None:
            errs.add(
                [*p, "custom_id"], "BUTTON_COMPONENT_CUSTOM_ID_REQUIRED", "A custom id is required"
            )
        else:
            _bad_len(errs, [*p, "custom_id"], b["custom_id"], 1, CUSTOM_ID_MAX)
        if not b.get("label") and not b.get("emoji"):
            errs.add(
                [*p], "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED", "A label or emoji is required"
            )


def _validate_select(errs: FormErrors, p: list[Any], s: dict[str, Any], *, in_modal: bool) -> None:
    _bad_len(errs, [*p, "custom_id"], s.get("custom_id"), 1, CUSTOM_ID_MAX)
    _max_len(errs, [*p, "placeholder"], s.get("placeholder"), SELECT_PLACEHOLDER_MAX)
    lo, hi = s.get("min_values", 1), s.get("max_values", 1)
    if not isinstance(lo, int) or not 0 <= lo <= 25:
        errs.add([*p, "min_values"], "NUMBER_TYPE_MAX", "int value should be between 0 and 25.")
    if not isinstance(hi, int) or not 1 <= hi <= 25:
        errs.add([*p, "max_values"], "NUMBER_TYPE_MAX", "int value should be between 1 and 25.")
    elif isinstance(lo, int) and lo > hi:
        errs.add([*p, "min_values"], "SELECT_COMPONENT_MIN_GREATER_THAN_MAX", "min > max")
    if s["type"] != STRING_SELECT:
        if s.get("options"):
            errs.add(
                [*p, "options"], "COMPONENT_FIELD_NOT_ALLOWED", "options only on string selects"
            )
        return
    options = s.get("options")
    if not isinstance(options, list) or not options:
        errs.add([*p, "options"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return
    _max_len(errs, [*p, "options"], options, SELECT_OPTIONS_MAX)
    seen: set[str] = set()
    defaults = 0
    for j, opt in enumerate(options):
        op = [*p, "options", j]
        _bad_len(errs, [*op, "label"], opt.get("label"), 1, SELECT_OPTION_TEXT_MAX)
        _bad_len(errs, [*op, "value"], opt.get("value"), 1, SELECT_OPTION_TEXT_MAX)
        _max_len(errs, [*op, "description"], opt.get("description"), SELECT_OPTION_TEXT_MAX)
        if opt.get("value") in seen:
            errs.add(
                [*op, "value"],
                "SELECT_COMPONENT_OPTION_VALUE_DUPLICATED",
                "Select component option value is duplicated",
            )
        seen.add(opt.get("value"))
        defaults += bool(opt.get("default"))
    if isinstance(hi, int) and hi > len(options):
        errs.add(
            [*p, "max_values"],
            "SELECT_COMPONENT_MAX_VALUES_EXCEEDED",
            "max_values must be less than or equal to the number of options",
        )
    if isinstance(hi, int) and defaults > hi:
        errs.add([*p, "options"], "SELECT_COMPONENT_TOO_MANY_DEFAULTS", "Too many default values")


def _validate_row(errs: FormErrors, p: list[Any], row: dict[str, Any], *, in_modal: bool) -> None:
    children = row.get("components")
    if not isinstance(children, list) or not children:
        errs.add([*p, "components"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return
    _max_len(errs, [*p, "components"], children, ROW_BUTTONS_MAX)
    types = [c.get("type") for c in children if isinstance(c, dict)]
    if len(children) > 1 and any(t in SELECT_TYPES or t == TEXT_INPUT for t in types):
        errs.add(
            [*p, "components"],
            "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
            "The specified component exceeds the maximum width",
        )
    for j, child in enumerate(children):
        cp = [*p, "components", j]
        t = child.get("type") if isinstance(child, dict) else None
        if t == BUTTON and not in_modal:
            _validate_button(errs, cp, child)
        elif t in SELECT_TYPES:
            _validate_select(errs, cp, child, in_modal=in_modal)
        elif t == TEXT_INPUT and in_modal:
            _validate_text_input(errs, cp, child)
        else:
            errs.add(
                [*cp, "type"], "UNION_TYPE_CHOICES", f"Value of field 'type' ({t}) is invalid here"
            )


def validate_components(components: Any, *, v2: bool = False) -> FormErrors:
    """Message components (classic action rows, or Components V2 when ``v2``)."""
    errs = FormErrors()
    if components is None:
        return errs
    if not isinstance(components, list):
        errs.add(["components"], "BASE_TYPE_LIST", "Must be an array.")
        return errs
    if not v2:
        _max_len(errs, ["components"], components, ACTION_ROWS_MAX)
        for i, row in enumerate(components):
            if not isinstance(row, dict) or row.get("type") != ACTION_ROW:
                errs.add(
                    ["components", i, "type"],
                    "UNION_TYPE_CHOICES",
                    "Top-level components must be action rows (set IS_COMPONENTS_V2 for others)",
                )
                continue
            _validate_row(errs, ["components", i], row, in_modal=False)
    else:
        total = sum(1 for _ in iter_components(components))
        if total > V2_COMPONENTS_MAX:
            errs.add(
                ["components"],
                "BASE_TYPE_MAX_LENGTH",
                f"Must be {V2_COMPONENTS_MAX} or fewer in length.",
            )
        text_total = 0
        for i, comp in enumerate(components):
            if not isinstance(comp, dict) or comp.get("type") not in V2_TOP_LEVEL:
                errs.add(["components", i, "type"], "UNION_TYPE_CHOICES", "Invalid top-level type")
        for comp in iter_components(components):
            t = comp.get("type")
            if t == ACTION_ROW:
                _validate_row(errs, ["components"], comp, in_modal=False)
            elif t == TEXT_DISPLAY:
                text_total += len(comp.get("content") or "")
        for comp in iter_components(components):
            if comp.get("type") == SECTION and isinstance(comp.get("accessory"), dict):
                acc = comp["accessory"]
                if acc.get("type") == BUTTON:
                    _validate_button(errs, ["components", "accessory"], acc)
        if text_total > V2_TEXT_TOTAL_MAX:
            errs.add(
                ["components"], "BASE_TYPE_MAX_LENGTH", f"Text displays exceed {V2_TEXT_TOTAL_MAX}"
            )
    ids = [c["custom_id"] for c in iter_components(components) if c.get("custom_id") is not None]
    if len(ids) != len(set(ids)):
        errs.add(
            ["components"],
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    return errs


# --- messages ----------------------------------------------------------------------------------
def validate_message(
    payload: dict[str, Any],
    *,
    files: int = 0,
    create: bool = True,
    existing: dict[str, Any] | None = None,
) -> FormErrors:
    """Validate a create/edit message payload (JSON part); ``existing``: the message edited."""
    errs = FormErrors()
    if not isinstance(payload, dict):
        errs.add([], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return errs
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errs.add(["content"], "BASE_TYPE_STRING", "Must be a string.")
    else:
        _max_len(errs, ["content"], content, CONTENT_MAX)
    errs.extend(validate_embeds(payload.get("embeds")))
    flags = payload.get("flags")
    if flags is not None and not isinstance(flags, int):
        errs.add(["flags"], "NUMBER_TYPE_COERCE", "Value is not int.")
        flags = 0
    flags = flags or 0
    old_flags = (existing or {}).get("flags", 0)
    if create and flags & ~CREATE_FLAGS_ALLOWED:
        errs.add(["flags"], "MESSAGE_FLAGS_INVALID", f"Invalid message flags {flags}")
    v2 = bool((flags | old_flags) & FLAG_COMPONENTS_V2)
    if existing is not None and old_flags & FLAG_COMPONENTS_V2 and not flags & FLAG_COMPONENTS_V2:
        if "flags" in payload:
            errs.add(["flags"], "MESSAGE_CANNOT_REMOVE_COMPONENTS_V2_FLAG", "Cannot remove V2 flag")
    if v2 and (payload.get("content") or payload.get("embeds")):
        errs.add(
            ["content"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "content and embeds cannot be used with IS_COMPONENTS_V2",
        )
    errs.extend(validate_components(payload.get("components"), v2=v2))
    attachments = payload.get("attachments")
    if attachments is not None:
        if not isinstance(attachments, list):
            errs.add(["attachments"], "BASE_TYPE_LIST", "Must be an array.")
        else:
            _max_len(errs, ["attachments"], attachments, ATTACHMENTS_MAX)
    if files > ATTACHMENTS_MAX:
        errs.add(
            ["files"], "BASE_TYPE_MAX_LENGTH", f"Must be {ATTACHMENTS_MAX} or fewer in length."
        )
    return errs


def message_is_empty(msg: dict[str, Any]) -> bool:
    return not (
        msg.get("content")
        or msg.get("embeds")
        or msg.get("attachments")
        or msg.get("components")
        or msg.get("sticker_items")
        or msg.get("poll")
    )


# --- application commands ----------------------------------------------------------------------
def _count_chars(cmd: dict[str, Any]) -> int:
    total = len(cmd.get("name") or "") + len(cmd.get("description") or "")
    for opt in cmd.get("options") or []:
        total += _count_chars(opt)
        for ch in opt.get("choices") or []:
            total += len(str(ch.get("name") or "")) + len(str(ch.get("value") or ""))
    return total


def _validate_name(errs: FormErrors, p: list[Any], name: Any, *, chat_input: bool) -> None:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        errs.add([*p, "name"], "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 32 in length.")
        return
    if chat_input and (not COMMAND_NAME_RE.match(name) or name != name.lower()):
        errs.add(
            [*p, "name"],
            "APPLICATION_COMMAND_INVALID_NAME",
            "Command name is invalid (lowercase letters, digits, - and _ only)",
        )


# Discord's locale codes (developers/reference: Locales): the keys of *_localizations.
DISCORD_LOCALES = frozenset(
    "id da de en-GB en-US es-ES es-419 fr hr it lt hu nl no pl pt-BR ro fi sv-SE vi tr cs el "
    "bg ru uk hi th zh-CN ja zh-TW ko".split()
)


def _validate_localizations(errs: FormErrors, p: list[Any], item: dict[str, Any], *,
                            chat_input: bool = True) -> None:
    """name_localizations follow the name rules (a context menu's: 1-32 characters, any
    case, spaces allowed), description_localizations 1-100 characters, both keyed by
    Discord locales only."""
    for field, is_name in (("name_localizations", True), ("description_localizations", False)):
        values = item.get(field) or {}
        if not isinstance(values, dict):
            errs.add([*p, field], "MODEL_TYPE_CONVERT", "Only dictionaries may be used")
            continue
        for locale, text in values.items():
            where = [*p, field, locale]
            if locale not in DISCORD_LOCALES:
                errs.add(where, "LOCALE_INVALID", f"Invalid locale {locale!r}")
            elif is_name:
                _validate_name(errs, [*p, field], text, chat_input=chat_input)
            else:
                _bad_len(errs, where, text, 1, COMMAND_DESCRIPTION_MAX)


def _validate_option(errs: FormErrors, p: list[Any], opt: dict[str, Any], depth: int) -> None:
    t = opt.get("type")
    if t not in OPTION_TYPES:
        errs.add([*p, "type"], "BASE_TYPE_CHOICES", f"Value must be one of {sorted(OPTION_TYPES)}.")
        return
    _validate_name(errs, p, opt.get("name"), chat_input=True)
    _bad_len(errs, [*p, "description"], opt.get("description"), 1, COMMAND_DESCRIPTION_MAX)
    _validate_localizations(errs, p, opt)
    children = opt.get("options") or []
    if t in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
        if opt.get("required"):
            errs.add(
                [*p, "required"],
                "APPLICATION_COMMAND_OPTION_INVALID",
                "Subcommands can't be required",
            )
        if t == OPT_SUB_COMMAND_GROUP and depth > 0:
            errs.add([*p, "type"], "APPLICATION_COMMAND_OPTION_INVALID", "Groups cannot be nested")
        if t == OPT_SUB_COMMAND_GROUP and any(c.get("type") != OPT_SUB_COMMAND for c in children):
            errs.add(
                [*p, "options"], "APPLICATION_COMMAND_OPTION_INVALID", "Groups hold subcommands"
            )
        if t == OPT_SUB_COMMAND and any(
            c.get("type") in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for c in children
        ):
            errs.add(
                [*p, "options"], "APPLICATION_COMMAND_OPTION_INVALID", "Subcommands can't nest"
            )
        errs.extend(_validate_options(children, depth + 1), p)
        return
    if children:
        errs.add(
            [*p, "options"], "APPLICATION_COMMAND_OPTION_INVALID", "Only subcommands have options"
        )
    choices = opt.get("choices")
    if choices:
        if t not in (OPT_STRING, OPT_INTEGER, OPT_NUMBER):
            errs.add([*p, "choices"], "APPLICATION_COMMAND_OPTION_INVALID", "Choices not allowed")
        _max_len(errs, [*p, "choices"], choices, COMMAND_CHOICES_MAX)
        if opt.get("autocomplete"):
            errs.add(
                [*p, "autocomplete"],
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete and choices are mutually exclusive",
            )
        for j, ch in enumerate(choices):
            cp = [*p, "choices", j]
            _bad_len(errs, [*cp, "name"], ch.get("name"), 1, 100)
            value = ch.get("value")
            if t == OPT_STRING:
                _bad_len(errs, [*cp, "value"], value, 1, 100)
            elif t == OPT_INTEGER and (not isinstance(value, int) or isinstance(value, bool)):
                errs.add([*cp, "value"], "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
            elif t == OPT_NUMBER and (
                not isinstance(value, int | float) or isinstance(value, bool)
            ):
                errs.add([*cp, "value"], "NUMBER_TYPE_COERCE", f"Value {value!r} is not a number.")
    for key in ("min_length", "max_length"):
        if opt.get(key) is not None:
            if t != OPT_STRING:
                errs.add([*p, key], "APPLICATION_COMMAND_OPTION_INVALID", f"{key} only for strings")
            elif not 0 <= opt[key] <= 6000:
                errs.add([*p, key], "NUMBER_TYPE_MAX", "int value should be between 0 and 6000.")
    for key in ("min_value", "max_value"):
        if opt.get(key) is not None and t not in (OPT_INTEGER, OPT_NUMBER):
            errs.add([*p, key], "APPLICATION_COMMAND_OPTION_INVALID", f"{key} only for numbers")


def _validate_options(options: Any, depth: int) -> FormErrors:
    errs = FormErrors()
    if not options:
        return errs
    if not isinstance(options, list):
        errs.add(["options"], "BASE_TYPE_LIST", "Must be an array.")
        return errs
    _max_len(errs, ["options"], options, COMMAND_OPTIONS_MAX)
    names = [o.get("name") for o in options]
    if len(names) != len(set(names)):
        errs.add(["options"], "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Duplicate names")
    subs = [o.get("type") in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP) for o in options]
    if any(subs) and not all(subs):
        errs.add(
            ["options"],
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Subcommands and regular options cannot be mixed",
        )
    seen_optional = False
    for i, opt in enumerate(options):
        if not isinstance(opt, dict):
            errs.add(["options", i], "MODEL_TYPE_CONVERT", "Only dictionaries may be used")
            continue
        if opt.get("required"):
            if seen_optional:
                errs.add(
                    ["options", i, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                )
        elif opt.get("type") not in (OPT_SUB_COMMAND, OPT_SUB_COMMAND_GROUP):
            seen_optional = True
        _validate_option(errs, ["options", i], opt, depth)
    return errs


def validate_command(cmd: Any) -> FormErrors:
    errs = FormErrors()
    if not isinstance(cmd, dict):
        errs.add([], "MODEL_TYPE_CONVERT", "Only dictionaries may be used in a ModelType")
        return errs
    ctype = cmd.get("type", 1)
    if ctype not in (1, 2, 3, 4):
        errs.add(["type"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
        return errs
    chat_input = ctype == 1
    _validate_name(errs, [], cmd.get("name"), chat_input=chat_input)
    desc = cmd.get("description")
    if chat_input:
        _bad_len(errs, ["description"], desc, 1, COMMAND_DESCRIPTION_MAX)
        _validate_localizations(errs, [], cmd)
        errs.extend(_validate_options(cmd.get("options"), 0))
    elif ctype in (2, 3):
        if desc:
            errs.add(["description"], "APPLICATION_COMMAND_INVALID_DESCRIPTION", "Must be empty")
        if cmd.get("options"):
            errs.add(["options"], "APPLICATION_COMMAND_OPTIONS_INVALID", "Context menus have none")
        if cmd.get("description_localizations"):
            errs.add(["description_localizations"], "APPLICATION_COMMAND_INVALID_DESCRIPTION",
                     "Must be empty")
        _validate_localizations(errs, [], cmd, chat_input=False)
    if _count_chars(cmd) > COMMAND_TOTAL_CHARS_MAX:
        errs.add([], "APPLICATION_COMMAND_TOO_LARGE", "Command exceeds maximum size (4000)")
    perms = cmd.get("default_member_permissions")
    # Documented as a string; Discord also accepts an integer (discord.py sends one).
    if perms is not None and not (
        (isinstance(perms, str) and perms.isdigit())
        or (isinstance(perms, int) and not isinstance(perms, bool) and perms >= 0)
    ):
        errs.add(["default_member_permissions"], "BASE_TYPE_STRING", "Must be a permission string")
    for key, allowed in (("contexts", {0, 1, 2}), ("integration_types", {0, 1})):
        value = cmd.get(key)
        if value is not None and (not isinstance(value, list) or not set(value) <= allowed):
            errs.add([key], "BASE_TYPE_CHOICES", f"Values must be in {sorted(allowed)}")
    return errs


def validate_command_list(commands: Any) -> FormErrors:
    errs = FormErrors()
    if not isinstance(commands, list):
        errs.add([], "BASE_TYPE_LIST", "Must be an array.")
        return errs
    counts: dict[int, int] = {}
    seen: set[tuple[Any, Any]] = set()
    for i, cmd in enumerate(commands):
        errs.extend(validate_command(cmd), [i])
        if isinstance(cmd, dict):
            key = (cmd.get("type", 1), cmd.get("name"))
            if key in seen:
                errs.add(
                    [i, "name"], "APPLICATION_COMMANDS_DUPLICATE_NAME", f"Duplicate name {key[1]}"
                )
            seen.add(key)
            counts[key[0]] = counts.get(key[0], 0) + 1
    if counts.get(1, 0) > CHAT_INPUT_COMMANDS_MAX:
        errs.add([], "BASE_TYPE_MAX_LENGTH", "Max 100 chat input commands")
    if counts.get(2, 0) > CONTEXT_MENU_COMMANDS_MAX or counts.get(3, 0) > CONTEXT_MENU_COMMANDS_MAX:
        errs.add([], "BASE_TYPE_MAX_LENGTH", "Max 5 user and 5 message commands")
    return errs


# --- callback payloads: autocomplete + modals --------------------------------------------------
def validate_choices(data: Any, option_type: int | None = None) -> FormErrors:
    errs = FormErrors()
    choices = (data or {}).get("choices")
    if not isinstance(choices, list):
        errs.add(["data", "choices"], "BASE_TYPE_REQUIRED", "This field is required")
        return errs
    _max_len(errs, ["data", "choices"], choices, COMMAND_CHOICES_MAX)
    for j, ch in enumerate(choices):
        p = ["data", "choices", j]
        _bad_len(errs, [*p, "name"], (ch or {}).get("name"), 1, 100)
        value = (ch or {}).get("value")
        if option_type in (None, OPT_STRING):
            if isinstance(value, str):
                _max_len(errs, [*p, "value"], value, 100)
            elif option_type == OPT_STRING:
                errs.add([*p, "value"], "BASE_TYPE_STRING", "Must be a string.")
        elif option_type == OPT_INTEGER and (not isinstance(value, int) or isinstance(value, bool)):
            errs.add([*p, "value"], "NUMBER_TYPE_COERCE", f"Value {value!r} is not int.")
    return errs


def _validate_text_input(errs: FormErrors, p: list[Any], ti: dict[str, Any]) -> None:
    _bad_len(errs, [*p, "custom_id"], ti.get("custom_id"), 1, CUSTOM_ID_MAX)
    if ti.get("style") not in (1, 2):
        errs.add([*p, "style"], "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
    if ti.get("label") is not None:
        _bad_len(errs, [*p, "label"], ti.get("label"), 1, TEXT_INPUT_LABEL_MAX)
    lo, hi = ti.get("min_length"), ti.get("max_length")
    if lo is not None and not 0 <= lo <= TEXT_INPUT_VALUE_MAX:
        errs.add([*p, "min_length"], "NUMBER_TYPE_MAX", "int value should be between 0 and 4000.")
    if hi is not None and not 1 <= hi <= TEXT_INPUT_VALUE_MAX:
        errs.add([*p, "max_length"], "NUMBER_TYPE_MAX", "int value should be between 1 and 4000.")
    _max_len(errs, [*p, "value"], ti.get("value"), TEXT_INPUT_VALUE_MAX)
    _max_len(errs, [*p, "placeholder"], ti.get("placeholder"), 100)


def validate_modal(data: Any) -> FormErrors:
    errs = FormErrors()
    if not isinstance(data, dict):
        errs.add(["data"], "BASE_TYPE_REQUIRED", "This field is required")
        return errs
    _bad_len(errs, ["data", "title"], data.get("title"), 1, MODAL_TITLE_MAX)
    _bad_len(errs, ["data", "custom_id"], data.get("custom_id"), 1, CUSTOM_ID_MAX)
    comps = data.get("components")
    if not isinstance(comps, list) or not comps:
        errs.add(["data", "components"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length.")
        return errs
    _max_len(errs, ["data", "components"], comps, MODAL_COMPONENTS_MAX)
    for i, comp in enumerate(comps):
        p = ["data", "components", i]
        t = comp.get("type")
        if t == ACTION_ROW:
            _validate_row(errs, p, comp, in_modal=True)
        elif t == LABEL:
            _bad_len(errs, [*p, "label"], comp.get("label"), 1, TEXT_INPUT_LABEL_MAX)
            _max_len(errs, [*p, "description"], comp.get("description"), 100)
            inner = comp.get("component") or {}
            if inner.get("type") == TEXT_INPUT:
                _validate_text_input(errs, [*p, "component"], inner)
            elif inner.get("type") in SELECT_TYPES:
                _validate_select(errs, [*p, "component"], inner, in_modal=True)
            elif inner.get("type") not in (FILE, 19):  # 19 = file upload
                errs.add([*p, "component", "type"], "UNION_TYPE_CHOICES", "Invalid in a label")
        elif t != TEXT_DISPLAY:
            errs.add([*p, "type"], "UNION_TYPE_CHOICES", f"Component type {t} invalid in a modal")
    ids = [c["custom_id"] for c in iter_components(comps) if c.get("custom_id") is not None]
    if len(ids) != len(set(ids)):
        errs.add(
            ["data", "components"],
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    return errs
