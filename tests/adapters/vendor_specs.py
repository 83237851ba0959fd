"""The vendors' own machine-readable definitions (tests/adapters/vendor_specs_data/), as
request checkers for the local vendor fakes.

Each `check_*` returns a list of problems (empty: the vendor's definition accepts the
request). The lists of endpoints, fields, types and enums are parsed from the vendor files
here, never copied by hand, so a definition that changes changes what the fakes accept:

- fal: fal-js `endpoints.ts` (the endpoint id map and each endpoint's input type);
- BFL: the official SDK's pydantic models (`extra="forbid"`) and its catalog of ids;
- Gemini: the generativelanguage v1beta protos, plus the SDK's `ImageConfig` (the proto at
  that commit predates `image_size`);
- xAI: its image proto, with the REST envelope's `response_format` and image `url`;
- Ark: the SDK's `Images.generate` keyword arguments;
- Recraft: the generated client's `GenerateImageRequest` and `imageToImage` form fields;
- Replicate: the SDK's prediction create params (a model's own `input` schema is served per
  model by the API and is not in any file: `input` is only checked to be an object).

Where a definition is older than a model (Recraft V4 ids and ratio sizes), the checker
says so next to the allowance it makes.
"""

from __future__ import annotations

import ast
import functools
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# The vendors' own definitions, copied into the repository (sources, commits and licences in
# vendor_specs_data/README.md) so a fresh clone tests against them; VENDOR_SPECS_DIR points
# the checks at newer copies.
SPECS = Path(os.environ.get("VENDOR_SPECS_DIR")
             or Path(__file__).resolve().parent / "vendor_specs_data")


def _read(name: str) -> str:
    return (SPECS / name).read_text(encoding="utf-8")


# == a small TypeScript type reader (enough for fal-js's generated endpoint types) ==========

_TS_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|[A-Za-z_$][\w$]*|-?\d+(?:\.\d+)?|\S')


def _strip_ts_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//[^\n]*", " ", text)


@dataclass(frozen=True)
class T:
    """A type: kind is lit, prim, array, obj, ref, union or any."""

    kind: str
    value: Any = None  # lit: the value; prim: the name; array: T; obj: {name: (required, T)};
    #                    ref: the type name; union: tuple of T


class _TsParser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens, self.i = tokens, 0

    def peek(self) -> str:
        return self.tokens[self.i] if self.i < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if expected is not None and tok != expected:
            raise SyntaxError(f"expected {expected!r}, got {tok!r}")
        self.i += 1
        return tok

    def union(self) -> T:
        if self.peek() == "|":
            self.take()
        members = [self.postfix()]
        while self.peek() == "|":
            self.take()
            members.append(self.postfix())
        return members[0] if len(members) == 1 else T("union", tuple(members))

    def postfix(self) -> T:
        base = self.atom()
        while self.peek() == "[" and self.tokens[self.i + 1] == "]":
            self.i += 2
            base = T("array", base)
        return base

    def atom(self) -> T:
        tok = self.take()
        if tok[0] in "\"'":
            return T("lit", tok[1:-1])
        if re.fullmatch(r"-?\d+(?:\.\d+)?", tok):
            return T("lit", float(tok) if "." in tok else int(tok))
        if tok in ("true", "false"):
            return T("lit", tok == "true")
        if tok == "{":
            return self.object_body()
        if tok == "(":
            inner = self.union()
            self.take(")")
            return inner
        if tok in ("Array", "Record", "Partial") and self.peek() == "<":
            self.take("<")
            args = [self.union()]
            while self.peek() == ",":
                self.take()
                args.append(self.union())
            self.take(">")
            return T("array", args[0]) if tok == "Array" else T("any")
        if tok in ("string", "number", "boolean", "null", "Blob", "File"):
            return T("prim", tok)
        if tok in ("any", "unknown", "object", "never"):
            return T("any")
        return T("ref", tok)

    def object_body(self) -> T:
        fields: dict[str, tuple[bool, T]] = {}
        while self.peek() != "}":
            name = self.take().strip("\"'")
            required = True
            if self.peek() == "?":
                self.take()
                required = False
            self.take(":")
            fields[name] = (required, self.union())
            if self.peek() in (";", ","):
                self.take()
        self.take("}")
        return T("obj", fields)


def _ts_decls(text: str) -> dict[str, str]:
    """`export type Name = ...;` source text by name (top-level declarations only)."""
    out: dict[str, str] = {}
    starts = list(re.finditer(r"^export type (\w+)\s*=", text, flags=re.M))
    for n, m in enumerate(starts):
        end = starts[n + 1].start() if n + 1 < len(starts) else len(text)
        out[m.group(1)] = text[m.end():end]
    return out


class TsTypes:
    """Types of one TypeScript file, parsed on first use."""

    def __init__(self, text: str) -> None:
        self.source = _ts_decls(_strip_ts_comments(text))
        self.parsed: dict[str, T] = {}

    def get(self, name: str) -> T:
        if name not in self.parsed:
            if name not in self.source:
                raise KeyError(f"no type {name} in the definition")
            tokens = _TS_TOKEN.findall(self.source[name])
            self.parsed[name] = _TsParser(tokens).union()
        return self.parsed[name]

    def check(self, value: Any, typ: T, where: str = "") -> list[str]:
        kind = typ.kind
        if kind == "any":
            return []
        if kind == "ref":
            return self.check(value, self.get(typ.value), where)
        if kind == "lit":
            return [] if value == typ.value and type(value) is type(typ.value) else [
                f"{where or 'value'}: {value!r} is not {typ.value!r}"]
        if kind == "prim":
            ok = {"string": isinstance(value, str), "Blob": isinstance(value, str),
                  "File": isinstance(value, str), "null": value is None,
                  "boolean": isinstance(value, bool),
                  "number": isinstance(value, int | float) and not isinstance(value, bool)}
            return [] if ok[typ.value] else [f"{where or 'value'}: {value!r} is not a {typ.value}"]
        if kind == "array":
            if not isinstance(value, list):
                return [f"{where}: {value!r} is not a list"]
            return [e for n, item in enumerate(value) for e in self.check(item, typ.value,
                                                                            f"{where}[{n}]")]
        if kind == "union":
            errors: list[str] = []
            for member in typ.value:
                found = self.check(value, member, where)
                if not found:
                    return []
                errors.extend(found)
            allowed = [m.value for m in typ.value if m.kind == "lit"]
            if allowed and isinstance(value, str):
                return [f"{where}: {value!r} is not one of {allowed}"]
            return [f"{where}: {value!r} matches none of the allowed types"]
        if kind == "obj":
            if not isinstance(value, dict):
                return [f"{where or 'body'}: {value!r} is not an object"]
            problems = [f"{where + '.' if where else ''}{k}: unknown field"
                        for k in value if k not in typ.value]
            for name, (required, ftype) in typ.value.items():
                path = f"{where + '.' if where else ''}{name}"
                if name not in value:
                    if required:
                        problems.append(f"{path}: required field missing")
                    continue
                problems.extend(self.check(value[name], ftype, path))
            return problems
        raise AssertionError(kind)


# == fal ===================================================================================


@functools.cache
def fal_types() -> TsTypes:
    return TsTypes(_read("fal-endpoints.ts"))


@functools.cache
def fal_endpoints() -> dict[str, str]:
    """Endpoint id -> its input type name, from fal-js's `EndpointTypeMap`."""
    text = _read("fal-endpoints.ts")
    table = text[text.index("export type EndpointTypeMap"):]
    return dict(re.findall(r'^\s+"([^"]+)": \{\s*input: (\w+);', table, flags=re.M))


def check_fal(endpoint: str, body: Any) -> list[str]:
    input_type = fal_endpoints().get(endpoint)
    if input_type is None:
        return [f"unknown fal endpoint id {endpoint!r}"]
    return fal_types().check(body, T("ref", input_type))


# == BFL ===================================================================================


@functools.cache
def bfl_models() -> dict[str, Any]:
    """Model id -> the SDK's pydantic params class (extra fields forbidden)."""
    spec = importlib.util.spec_from_file_location("bfl_models_flux2", SPECS / "bfl-_models-flux2.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # pydantic resolves postponed annotations through it
    spec.loader.exec_module(module)
    catalog = _read("bfl-catalog-and-auth.txt")
    paths = dict(re.findall(r'id="([^"]+)",\s*path="([^"]+)"', catalog))
    classes = dict(re.findall(r'"([^"]+)": (\w+),', catalog))
    return {paths[i]: getattr(module, c) for i, c in classes.items() if i in paths}


# The SDK enforces the klein reference ceiling in the resource, not the model (its
# docstring: "4 for 4B, 5 for 9B"); the model classes allow input_image_8.
BFL_KLEIN_REFS = {"/v1/flux-2-klein-4b": 4, "/v1/flux-2-klein-9b": 5}


def check_bfl(path: str, body: Any) -> list[str]:
    from pydantic import ValidationError

    model = bfl_models().get(path)
    if model is None:
        return [f"unknown BFL endpoint {path!r}"]
    problems: list[str] = []
    try:
        model.model_validate(body)
    except ValidationError as exc:
        problems += [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
    refs = [k for k in body if k == "input_image" or k.startswith("input_image_")]
    cap = BFL_KLEIN_REFS.get(path)
    if cap is not None and len(refs) > cap:
        problems.append(f"{path} takes at most {cap} reference images, got {len(refs)}")
    return problems


# == a small proto reader (Gemini, xAI) ======================================================


@dataclass
class Field:
    name: str
    type: str
    repeated: bool


@dataclass
class Message:
    fields: dict[str, Field]


_PROTO_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][\w.]*|-?\d+|\S')


def parse_proto(*texts: str) -> tuple[dict[str, Message], dict[str, list[str]]]:
    """Messages (by short name) and enums (short name -> value names) of proto files."""
    messages: dict[str, Message] = {}
    enums: dict[str, list[str]] = {}
    for text in texts:
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
        tokens = _PROTO_TOKEN.findall(re.sub(r"//[^\n]*", " ", text))
        _proto_block(tokens, 0, messages, enums, None)
    return messages, enums


def _skip_statement(tokens: list[str], i: int) -> int:
    depth = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok in "[{(":
            depth += 1
        elif tok in "]})":
            depth -= 1
        elif tok == ";" and depth == 0:
            return i + 1
        i += 1
    return i


def _skip_braces(tokens: list[str], i: int) -> int:
    while tokens[i] != "{":
        i += 1
    depth = 0
    while True:
        if tokens[i] == "{":
            depth += 1
        elif tokens[i] == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1


def _proto_block(tokens: list[str], i: int, messages: dict[str, Message],
                 enums: dict[str, list[str]], into: Message | None) -> int:
    while i < len(tokens) and tokens[i] != "}":
        tok = tokens[i]
        if tok == "message":
            msg = Message({})
            messages[tokens[i + 1]] = msg
            i = _proto_block(tokens, i + 3, messages, enums, msg) + 1
        elif tok == "enum":
            name, j, values = tokens[i + 1], i + 3, []
            while tokens[j] != "}":
                if tokens[j] in ("option", "reserved"):
                    j = _skip_statement(tokens, j)
                    continue
                values.append(tokens[j])
                j = _skip_statement(tokens, j)
            enums[name] = values
            i = j + 1
        elif tok == "oneof" and into is not None:
            i = _proto_block(tokens, i + 3, messages, enums, into) + 1
        elif tok in ("service", "extend"):
            i = _skip_braces(tokens, i)
        elif tok in ("syntax", "package", "import", "option", "reserved", "extensions"):
            i = _skip_statement(tokens, i)
        elif into is not None:
            repeated = tok == "repeated"
            if tok in ("repeated", "optional", "required"):
                i += 1
            if tokens[i] == "map":
                j = i
                while tokens[j] != ">":
                    j += 1
                ftype, name = "map", tokens[j + 1]
            else:
                ftype, name = tokens[i].split(".")[-1], tokens[i + 1]
            into.fields[name] = Field(name, ftype, repeated)
            i = _skip_statement(tokens, i)
        else:
            i += 1
    return i


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


_SCALARS: dict[str, type | tuple[type, ...]] = {
    "string": str, "bytes": str, "bool": bool,
    "int32": int, "int64": (int, str), "uint32": int, "uint64": (int, str), "sint32": int,
    "float": (int, float), "double": (int, float),
}


def check_proto_json(value: Any, message: str, messages: dict[str, Message],
                     enums: dict[str, list[str]], where: str = "") -> list[str]:
    """Proto3 JSON: field names as written or lowerCamel, enums by name, bytes as base64."""
    if not isinstance(value, dict):
        return [f"{where or 'body'}: {value!r} is not an object"]
    msg = messages[message]
    by_json = {**{f.name: f for f in msg.fields.values()},
               **{_camel(f.name): f for f in msg.fields.values()}}
    problems: list[str] = []
    for key, item in value.items():
        path = f"{where + '.' if where else ''}{key}"
        field = by_json.get(key)
        if field is None:
            problems.append(f"{path}: unknown field of {message}")
            continue
        items = item if field.repeated else [item]
        if field.repeated and not isinstance(item, list):
            problems.append(f"{path}: a repeated field takes a list")
            continue
        for n, one in enumerate(items):
            at = f"{path}[{n}]" if field.repeated else path
            problems += _check_proto_value(one, field.type, messages, enums, at)
    return problems


def _check_proto_value(value: Any, ftype: str, messages: dict[str, Message],
                       enums: dict[str, list[str]], where: str) -> list[str]:
    if ftype in _SCALARS:
        kinds = _SCALARS[ftype]
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and ftype != "bool")
        return [] if ok else [f"{where}: {value!r} is not a {ftype}"]
    if ftype in enums:
        return [] if value in enums[ftype] else [
            f"{where}: {value!r} is not one of {enums[ftype]}"]
    if ftype in messages:
        return check_proto_json(value, ftype, messages, enums, where)
    return []  # a well-known type from another file (Struct, Duration, ...): not checked here


# == Gemini ================================================================================


@functools.cache
def gemini_schema() -> tuple[dict[str, Message], dict[str, list[str]]]:
    messages, enums = parse_proto(_read("gemini-generative_service.proto"),
                                  _read("gemini-content.proto"), _read("gemini-safety.proto"))
    # The proto at that commit has only aspect_ratio in ImageConfig; Google's SDK (newer)
    # adds image_size and others. Fields the SDK marks "not supported in Gemini API" stay out.
    tree = ast.parse(_read("genai-types-ImageConfig.py"))
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            texts = [c.value for c in ast.walk(node.value) if isinstance(c, ast.Constant)
                     and isinstance(c.value, str)] if node.value else []
            if "not supported in Gemini API" in " ".join(" ".join(texts).split()):
                continue
            name = node.target.id
            messages["ImageConfig"].fields.setdefault(name, Field(name, "string", False))
    return messages, enums


def check_gemini(path: str, body: Any) -> list[str]:
    m = re.fullmatch(r"/v1beta/models/([\w.-]+):generateContent", path)
    if not m:
        return [f"unknown Gemini method {path!r}"]
    messages, enums = gemini_schema()
    # `model` is in the URL; the body is the rest of GenerateContentRequest.
    problems = check_proto_json(body, "GenerateContentRequest", messages, enums)
    if not body.get("contents"):
        problems.append("contents: required field missing")
    return problems


# == xAI ===================================================================================


def _xai_enum_value(prefix: str, name: str) -> str | None:
    rest = name.removeprefix(prefix)
    if rest in ("INVALID",):
        return None
    if rest == "AUTO":
        return "auto"
    parts = rest.split("_")
    if prefix == "IMG_RESOLUTION_":
        return rest.lower()
    if len(parts) == 2:
        return f"{parts[0]}:{parts[1]}"
    # 19_5_9 is 19.5:9 and 9_19_5 is 9:19.5
    return f"{parts[0]}.{parts[1]}:{parts[2]}" if parts[1] == "5" else (
        f"{parts[0]}:{parts[1]}.{parts[2]}")


@functools.cache
def xai_schema() -> dict[str, Any]:
    messages, enums = parse_proto(_read("xai-image.proto"))
    openai = __import__("json").loads(_read("openai-images-generations.json"))
    formats = openai["components"]["schemas"]["CreateImageRequest"]["properties"][
        "response_format"]
    return {
        "fields": messages["GenerateImageRequest"].fields,
        "image_fields": messages["ImageUrlContent"].fields,
        "aspect": {v for n in enums["ImageAspectRatio"]
                   if (v := _xai_enum_value("IMG_ASPECT_RATIO_", n))},
        "resolution": {v for n in enums["ImageResolution"]
                       if (v := _xai_enum_value("IMG_RESOLUTION_", n))},
        "response_format": set(formats.get("enum") or formats["anyOf"][0]["enum"]),
    }


def check_xai(path: str, body: Any) -> list[str]:
    if path not in ("/v1/images/generations", "/v1/images/edits"):
        return [f"unknown xAI path {path!r}"]
    schema = xai_schema()
    problems: list[str] = []
    # The REST envelope is OpenAI's: `response_format` instead of the proto's `format`.
    allowed = (set(schema["fields"]) - {"format"}) | {"response_format"}
    problems += [f"{k}: unknown field" for k in body if k not in allowed]
    for key in ("prompt", "model"):
        if not isinstance(body.get(key), str) or not body.get(key):
            problems.append(f"{key}: required string missing")
    if "n" in body and (not isinstance(body["n"], int) or isinstance(body["n"], bool)):
        problems.append(f"n: {body['n']!r} is not an integer")
    for key in ("aspect_ratio", "resolution", "response_format"):
        if key in body and body[key] not in schema[key.replace("aspect_ratio", "aspect")]:
            problems.append(f"{key}: {body[key]!r} is not allowed")
    if "image" in body and "images" in body:
        problems.append("image and images: send one or the other")
    refs = ([body["image"]] if "image" in body else []) + list(body.get("images") or [])
    if refs and path != "/v1/images/edits":
        problems.append("input images go to /v1/images/edits")
    # REST names the proto's image_url `url` (docs.x.ai images guide).
    image_keys = (set(schema["image_fields"]) - {"image_url"}) | {"url"}
    for n, ref in enumerate(refs):
        if not isinstance(ref, dict) or not isinstance(ref.get("url"), str):
            problems.append(f"image[{n}]: an object with a url")
            continue
        problems += [f"image[{n}].{k}: unknown field" for k in ref if k not in image_keys]
    if len(body.get("images") or []) > 3:
        problems.append("images: at most 3")
    return problems


# == Ark ===================================================================================

_DATA_URI = re.compile(r"^data:image/[a-z]+;base64,[A-Za-z0-9+/=]+$")


@functools.cache
def ark_params() -> dict[str, tuple[bool, str]]:
    """Keyword -> (required, annotation) of the SDK's (non-overload) `Images.generate`."""
    tree = ast.parse(_read("ark-images.py"))
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Images")
    func = [n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "generate"][-1]
    args = func.args
    out = {}
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg in ("extra_headers", "extra_query", "extra_body", "timeout"):
            continue  # client options, not body fields
        out[arg.arg] = (default is None, ast.unparse(arg.annotation) if arg.annotation else "")
    return out


def _ark_type_ok(value: Any, annotation: str) -> bool:
    options = {a.strip() for a in annotation.split("|")}
    checks = {"str": isinstance(value, str), "None": value is None,
              "bool": isinstance(value, bool),
              "int": isinstance(value, int) and not isinstance(value, bool),
              "float": isinstance(value, int | float) and not isinstance(value, bool),
              "list[str]": isinstance(value, list) and all(isinstance(v, str) for v in value)}
    known = options & set(checks)
    if known != options:
        return True  # an SDK model type (OptimizePromptOptions, ...): not checked here
    return any(checks[o] for o in options)


def check_ark(path: str, body: Any) -> list[str]:
    if path != "/api/v3/images/generations":
        return [f"unknown Ark path {path!r}"]
    params = ark_params()
    problems = [f"{k}: unknown field" for k in body if k not in params]
    problems += [f"{k}: required field missing" for k, (req, _) in params.items()
                 if req and k not in body]
    for key, value in body.items():
        if key in params and not _ark_type_ok(value, params[key][1]):
            problems.append(f"{key}: {value!r} is not {params[key][1]}")
    images = body.get("image")
    for ref in [images] if isinstance(images, str) else images or []:
        if ref.startswith("data:") and not _DATA_URI.match(ref):
            problems.append("image: a data URI must be data:image/<lowercase format>;base64,...")
    return problems


# == Recraft ===============================================================================


def _ts_const_values(text: str) -> set[str]:
    return set(re.findall(r"^\s+\w+: '([^']*)'", text, flags=re.M))


@functools.cache
def recraft_schema() -> dict[str, Any]:
    request = _read("recraft-GenerateImageRequest.ts")
    interface = re.search(r"export interface GenerateImageRequest \{(.*?)\n\}", request, re.S)
    assert interface
    members = re.findall(r"^\s+(\w+)(\??): (\w[\w<>]*);", interface.group(1), flags=re.M)
    types = {name: typ for name, _, typ in members}
    required = {name for name, optional, _ in members if not optional}
    json_names = dict(re.findall(r"'(\w+)': .*?value\['(\w+)'\]", request))
    api = _read("recraft-ImageApi.ts")
    i2i = api[api.index("async imageToImageRaw"):]
    i2i = i2i[: i2i.index("path: `")]
    return {
        "json": {snake: types[camel] for snake, camel in json_names.items()},
        "json_required": {snake for snake, camel in json_names.items() if camel in required},
        "i2i_fields": set(re.findall(r"formParams\.append\('(\w+)'", i2i)),
        "i2i_required": {"image", "prompt", "strength"} & set(
            re.findall(r'Required parameter "(\w+)"', i2i)),
        "enums": {name: _ts_const_values(_read(f"recraft-{name}.ts"))
                  for name in ("TransformModel", "ImageSize", "ImageStyle", "ResponseFormat",
                               "ImageFormat")},
    }


def _recraft_enum_ok(enum: str, value: Any) -> bool:
    if value in recraft_schema()["enums"][enum]:
        return True
    # The client is from 2025-08, older than Recraft V4: V4 model ids and the ratio sizes
    # ("16:9") the V4 API takes are not in its enums (specs README quirks 2 and 3).
    if enum == "TransformModel":
        return isinstance(value, str) and value.startswith("recraftv4")
    if enum == "ImageSize":
        return isinstance(value, str) and re.fullmatch(r"\d+:\d+", value) is not None
    return False


def _recraft_value_ok(typ: str, value: Any) -> bool:
    if typ == "string":
        return isinstance(value, str)
    if typ == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if typ == "boolean":
        return isinstance(value, bool)
    if typ in recraft_schema()["enums"]:
        return _recraft_enum_ok(typ, value)
    return True  # UserControls, TextLayoutItem arrays: nested models not checked here


def check_recraft_generate(body: Any) -> list[str]:
    schema = recraft_schema()
    problems = [f"{k}: unknown field" for k in body if k not in schema["json"]]
    problems += [f"{k}: required field missing" for k in schema["json_required"] if k not in body]
    problems += [f"{k}: {v!r} is not a valid {schema['json'][k]}" for k, v in body.items()
                 if k in schema["json"] and not _recraft_value_ok(schema["json"][k], v)]
    return problems


def check_recraft_image_to_image(form: dict[str, str], files: dict[str, bytes]) -> list[str]:
    """Multipart fields are text; their types are read back the way the server would."""
    schema = recraft_schema()
    names = set(form) | set(files)
    problems = [f"{k}: unknown field" for k in names if k not in schema["i2i_fields"]]
    problems += [f"{k}: required field missing" for k in schema["i2i_required"] if k not in names]
    if "image" in form:
        problems.append("image: must be a file part")
    try:
        strength = float(form.get("strength", "0"))
        if not 0 <= strength <= 1:
            problems.append(f"strength: {strength} is outside 0-1")
    except ValueError:
        problems.append(f"strength: {form['strength']!r} is not a number")
    for key, enum in (("model", "TransformModel"), ("response_format", "ResponseFormat"),
                      ("style", "ImageStyle"), ("image_format", "ImageFormat")):
        if key in form and not _recraft_enum_ok(enum, form[key]):
            problems.append(f"{key}: {form[key]!r} is not a valid {enum}")
    for key in ("n", "random_seed"):
        if key in form and not form[key].isdigit():
            problems.append(f"{key}: {form[key]!r} is not an integer")
    return problems


# == Replicate =============================================================================


@functools.cache
def replicate_params() -> dict[str, dict[str, bool]]:
    """Body fields (name -> required) of the two create calls, from the SDK's TypedDicts.
    `model_owner`/`model_name` are path parameters; `prefer`/`cancel_after` are headers."""
    def fields(file: str) -> dict[str, dict[str, bool]]:
        tree = ast.parse(_read(file))
        out: dict[str, dict[str, bool]] = {}
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                base = next((out[b.id] for b in node.bases
                             if isinstance(b, ast.Name) and b.id in out), {})
                own = {s.target.id: ast.unparse(s.annotation).startswith("Required")
                       for s in node.body
                       if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)}
                out[node.name] = {**base, **own}
        return out

    models = fields("replicate-models-prediction_create_params.py")["PredictionCreateParams"]
    versioned = fields("replicate-prediction_create_params.py")["PredictionCreateParams"]
    skip = {"model_owner", "model_name", "prefer", "cancel_after"}
    return {"models": {k: v for k, v in models.items() if k not in skip},
            "versioned": {k: v for k, v in versioned.items() if k not in skip}}


def check_replicate(path: str, body: Any) -> list[str]:
    if re.fullmatch(r"/v1/models/[\w.-]+/[\w.-]+/predictions", path):
        params = replicate_params()["models"]
    elif path == "/v1/predictions":
        params = replicate_params()["versioned"]
    else:
        return [f"unknown Replicate path {path!r}"]
    problems = [f"{k}: unknown field" for k in body if k not in params]
    problems += [f"{k}: required field missing" for k, req in params.items()
                 if req and k not in body]
    if "input" in body and not isinstance(body["input"], dict):
        problems.append("input: must be an object")
    return problems
