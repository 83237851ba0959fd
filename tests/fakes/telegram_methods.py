"""Bot API method implementations and wire helpers for :mod:`tests.fakes.telegram_api`.

:class:`BotApiMethods` is a mixin: each ``_api_<method>(params, files)`` implements one Bot API
method on the state that :class:`~tests.fakes.telegram_api.FakeTelegram` owns (chats,
messages, files, updates).  Validation rules live in :mod:`tests.fakes.telegram_rules`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import mimetypes
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from tests.fakes import telegram_rules as rules
from tests.fakes.telegram_rules import ApiError, bad

# Params whose value is a String in the Bot API: never JSON-decode them (a text "42" stays "42").

_STRING_PARAMS = frozenset(
    "text caption callback_query_id parse_mode action file_id inline_message_id language_code "
    "url description short_description name title emoji business_connection_id "
    "message_effect_id secret_token ip_address payload provider_token currency start_parameter "
    "pre_checkout_query_id error_message telegram_payment_charge_id".split()
)
_SEND_METHODS = frozenset("sendMessage sendPhoto sendDocument sendMediaGroup".split())
_EDIT_METHODS = frozenset(
    "editMessageText editMessageCaption editMessageReplyMarkup editMessageMedia".split()
)
FLOOD_METHODS = _SEND_METHODS | _EDIT_METHODS | {"copyMessage", "forwardMessage"}
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class Upload:
    """A multipart file part as received: ``call.files["photo"].data``."""

    filename: str | None
    content_type: str
    data: bytes


@dataclass
class StoredFile:
    """A file known to the fake (uploaded by the bot or sent by a user); served by getFile."""

    file_id: str
    file_unique_id: str
    kind: str  # "photo" | "document"
    data: bytes
    file_path: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Call:
    """One recorded API request.  Iterates as ``(method, params, files)``.

    ``call["text"]`` / ``call.get("text")`` read params; ``status`` is the HTTP status sent back,
    ``response`` the full JSON body and ``result`` its ``result`` (None on errors).
    """

    method: str
    params: dict[str, Any]
    files: dict[str, Upload]
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    def __iter__(self):
        return iter((self.method, self.params, self.files))

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def error(self) -> str | None:
        return None if self.ok else self.response.get("description")


class BotApiMethods:
    """Mixin with the Bot API methods; FakeTelegram provides the state attributes."""

    # ------------------------------------------------------------------ state helpers

    def _chat_obj(self, chat: dict | int) -> dict:
        if isinstance(chat, dict):
            self._chats.setdefault(int(chat["id"]), chat)
            return self._chats[int(chat["id"])]
        cid = int(chat)
        if cid not in self._chats:
            if cid > 0:
                user = self._users.get(cid, {"first_name": f"User{cid}"})
                self._chats[cid] = {"id": cid, "type": "private", "first_name": user["first_name"]}
            else:
                self._chats[cid] = {"id": cid, "type": "supergroup", "title": f"Chat {cid}"}
        return self._chats[cid]

    def _new_message(self, chat: dict, sender: dict, **content: Any) -> dict:
        cid = chat["id"]
        mid = self._next_msg.get(cid, 1)
        self._next_msg[cid] = mid + 1
        msg = {"message_id": mid, "from": sender, "chat": chat, "date": int(time.time())}
        msg.update({k: v for k, v in content.items() if v is not None})
        self._messages.setdefault(cid, {})[mid] = msg
        return msg

    def _find(self, chat_id: int, message: dict | int | None) -> dict | None:
        if message is None:
            return None
        mid = message["message_id"] if isinstance(message, dict) else message
        return self._messages.get(int(chat_id), {}).get(int(mid))

    def _bot_sees(self, chat: dict, text: str, entities: list, replied: dict | None) -> bool:
        if chat["type"] == "private" or not self.privacy_mode:
            return True
        me = self.bot_user["username"].lower()
        if entities and entities[0]["offset"] == 0:
            target = text[: entities[0]["length"]].partition("@")[2].lower()
            if target in ("", me):
                return True
        if replied is not None and replied.get("from", {}).get("id") == self.bot_user["id"]:
            return True
        return f"@{me}" in text.lower()

    def _new_file(self, kind: str, data: bytes, ext: str, **meta: Any) -> StoredFile:
        n = next(self._file_ids)
        digest = hashlib.sha256(data).hexdigest()
        prefix = {"photo": "AgACAgQAAxk", "document": "BQACAgQAAxk"}.get(kind, "CQACAgQAAxk")
        f = StoredFile(
            file_id=f"{prefix}{n:06d}{digest[:20]}",
            file_unique_id=f"AQAD{digest[:12]}",
            kind=kind,
            data=data,
            file_path=f"{kind}s/file_{n}{ext}",
            meta=meta,
        )
        self.files[f.file_id] = f
        return f

    def _store_photo(self, data: bytes, info: rules.ImageInfo) -> list[dict]:
        sizes = rules.photo_sizes(info)
        out = []
        for i, (w, h) in enumerate(sizes):
            largest = i == len(sizes) - 1 and (w, h) == (info.width, info.height)
            blob = data if largest else rules.thumbnail_jpeg(info, (w, h))
            f = self._new_file("photo", blob, ".png" if largest else ".jpg", width=w, height=h)
            out.append(
                {
                    "file_id": f.file_id,
                    "file_unique_id": f.file_unique_id,
                    "width": w,
                    "height": h,
                    "file_size": len(blob),
                }
            )
        for size in out:
            self.files[size["file_id"]].meta["photo_sizes"] = out
        return out

    def _photo_param(self, value: Any, files: dict[str, Upload], name: str) -> list[dict]:
        upload = _resolve_upload(value, files, name)
        if isinstance(upload, Upload):
            if len(upload.data) > rules.MAX_PHOTO_BYTES:
                raise bad("PHOTO_SAVE_FILE_INVALID")
            info = rules.inspect_image(upload.data)
            rules.check_photo_dimensions(info)
            return self._store_photo(upload.data, info)
        stored = self._existing_file(upload)
        if stored.kind != "photo":
            raise bad(f"can't use file of type {stored.kind.title()} as Photo")
        return [dict(size) for size in stored.meta["photo_sizes"]]

    def _document_param(self, value: Any, files: dict[str, Upload], name: str) -> dict:
        upload = _resolve_upload(value, files, name)
        if isinstance(upload, Upload):
            if len(upload.data) > rules.MAX_DOCUMENT_BYTES:
                raise ApiError("Request Entity Too Large", 413)
            if not upload.data:
                raise bad("file must be non-empty")
            mime = upload.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(upload.filename or "")[0] or "application/octet-stream"
            ext = mimetypes.guess_extension(mime) or ""
            f = self._new_file(
                "document", upload.data, ext, file_name=upload.filename or "file", mime_type=mime
            )
        else:
            f = self._existing_file(upload)
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_name": f.meta.get("file_name", "file"),
            "mime_type": f.meta.get("mime_type", "application/octet-stream"),
            "file_size": len(f.data),
        }

    def _existing_file(self, ref: str) -> StoredFile:
        if ref in self.files:
            return self.files[ref]
        if ref.startswith(("http://", "https://")):
            raise bad("failed to get HTTP URL content")
        raise bad("wrong file identifier/HTTP URL specified")

    def _reply_to(self, chat_id: int, p: dict) -> dict | None:
        reply = p.get("reply_parameters")
        if isinstance(reply, dict):
            mid, allow = reply.get("message_id"), reply.get("allow_sending_without_reply")
            chat_id = chat_id_param(reply) if "chat_id" in reply else chat_id
        else:
            mid, allow = p.get("reply_to_message_id"), p.get("allow_sending_without_reply")
        if mid is None:
            return None
        found = self._find(chat_id, int(mid))
        if found is None and not allow:
            raise bad("message to be replied not found")
        return shallow(found) if found else None

    def _bot_message(self, p: dict, **content: Any) -> dict:
        chat_id = chat_id_param(p)
        reply = self._reply_to(chat_id, p)  # validate before allocating an id
        markup = rules.check_reply_markup(p.get("reply_markup"))
        msg = self._new_message(self._chat_obj(chat_id), self.bot_user, **content)
        if reply:
            msg["reply_to_message"] = reply
        if p.get("message_thread_id"):
            msg["message_thread_id"] = int(p["message_thread_id"])
        if markup:
            msg["reply_markup"] = markup
        return msg

    def _editable(self, p: dict) -> dict:
        if "inline_message_id" in p and "chat_id" not in p:
            raise bad("MESSAGE_ID_INVALID")
        if "message_id" not in p:
            raise bad("message identifier is not specified")
        msg = self._find(chat_id_param(p), int(p["message_id"]))
        if msg is None:
            raise bad("message to edit not found")  # (verified)
        if msg.get("from", {}).get("id") != self.bot_user["id"]:
            raise bad("message can't be edited")  # (verified)
        return msg

    def _commit_edit(self, msg: dict, changes: dict, markup: dict | None) -> dict:
        new = {k: v for k, v in msg.items() if k not in ("edit_date",)}
        for key, value in changes.items():
            if value in (None, [], ""):
                new.pop(key, None)
            else:
                new[key] = value
        new.pop("reply_markup", None)
        if markup:
            new["reply_markup"] = markup
        old = {k: v for k, v in msg.items() if k != "edit_date"}
        if new == old:
            raise ApiError(rules.NOT_MODIFIED, 400)
        new["edit_date"] = int(time.time())
        msg.clear()
        msg.update(new)
        return msg

    # ------------------------------------------------------------------ API methods

    def _api_getMe(self, p: dict, files: dict) -> dict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _api_logOut(self, p: dict, files: dict) -> bool:
        return True

    async def _api_getUpdates(self, p: dict, files: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(
                "Conflict: can't use getUpdates method while webhook is active; use "
                "deleteWebhook to delete the webhook first",
                409,
            )
        if self._poller is not None and not self._poller.done():
            self._poller.set_result("conflict")  # the older long poll is terminated
        offset = int(p.get("offset") or 0)
        limit = max(1, min(100, int(p.get("limit") or 100)))
        timeout = max(0.0, float(p.get("timeout") or 0))
        if "allowed_updates" in p and p["allowed_updates"] is not None:
            allowed = p["allowed_updates"]
            self._allowed = list(allowed) if allowed else None
        if offset > 0:
            self._confirmed = max(self._confirmed, offset)
        elif offset < 0:
            keep = self._updates[offset:]
            self._confirmed = max(self._confirmed, keep[0]["update_id"] if keep else 0)
        self._updates = [u for u in self._updates if u["update_id"] >= self._confirmed]
        poller = asyncio.get_running_loop().create_future()
        self._poller = poller
        deadline = time.monotonic() + timeout
        while True:
            batch = [u for u in self._updates if self._wanted(u)][:limit]
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0 or self._closing:
                break
            waiter = asyncio.ensure_future(self._changed.wait())
            try:
                await asyncio.wait(
                    [waiter, poller], timeout=remaining, return_when=asyncio.FIRST_COMPLETED
                )
            finally:
                waiter.cancel()
            if poller.done():
                if poller.result() == "webhook":
                    raise ApiError("Conflict: terminated by setWebhook request", 409)
                raise ApiError(
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                    409,
                )
        if self._poller is poller:
            self._poller = None
        now = time.monotonic()
        for update in batch:
            query = update.get("callback_query")
            if query:
                self._delivered_queries.setdefault(query["id"], now)
        self._delivered_pre_checkouts(batch)
        return batch

    def _wanted(self, update: dict) -> bool:
        kind = next(k for k in update if k != "update_id")
        if self._allowed is None:
            return kind not in _OPT_IN_UPDATES
        return kind in self._allowed

    def _api_setMyCommands(self, p: dict, files: dict) -> bool:
        _check_language_code(p.get("language_code"))
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        for cmd in commands:
            name = str(cmd.get("command", "")) if isinstance(cmd, dict) else ""
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name.lstrip("/")):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise bad("command description is empty")
        key = commands_key(p.get("scope"), p.get("language_code") or "")
        self.commands[key] = [
            {"command": c["command"].lstrip("/"), "description": c["description"]} for c in commands
        ]
        return True

    def _api_setMyDescription(self, p: dict, files: dict) -> bool:
        """Bot API: description 0-512 characters (empty removes it) per language_code."""
        code = _check_language_code(p.get("language_code"))
        text = str(p.get("description") or "")
        if len(text) > 512:
            raise bad("BOT_DESCRIPTION_INVALID")
        if text:
            self.descriptions[code] = text
        else:
            self.descriptions.pop(code, None)
        return True

    def _api_getMyDescription(self, p: dict, files: dict) -> dict:
        code = _check_language_code(p.get("language_code"))
        return {"description": self.descriptions.get(code, self.descriptions.get("", ""))}

    def _api_getMyCommands(self, p: dict, files: dict) -> list[dict]:
        return self.my_commands(p.get("scope"), p.get("language_code") or "")

    def _api_deleteMyCommands(self, p: dict, files: dict) -> bool:
        self.commands.pop(commands_key(p.get("scope"), p.get("language_code") or ""), None)
        return True

    def _api_sendMessage(self, p: dict, files: dict) -> dict:
        text, entities = rules.check_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        return self._bot_message(p, text=text, entities=entities or None)

    def _caption(self, p: dict) -> tuple[str | None, list[dict] | None]:
        if p.get("caption") in (None, ""):
            return None, None
        cap, ents = rules.check_caption(
            p.get("caption"), p.get("parse_mode"), p.get("caption_entities")
        )
        return cap or None, ents or None

    def _api_sendPhoto(self, p: dict, files: dict) -> dict:
        caption, ents = self._caption(p)
        photo = self._photo_param(p.get("photo"), files, "photo")
        return self._bot_message(p, photo=photo, caption=caption, caption_entities=ents)

    def _api_sendDocument(self, p: dict, files: dict) -> dict:
        caption, ents = self._caption(p)
        document = self._document_param(p.get("document"), files, "document")
        return self._bot_message(p, document=document, caption=caption, caption_entities=ents)

    def _api_sendMediaGroup(self, p: dict, files: dict) -> list[dict]:
        media = p.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise bad("wrong number of media in the media group: must be 2-10")
        kinds = {m.get("type") for m in media if isinstance(m, dict)}
        if not kinds <= {"photo", "video"} and len(kinds) > 1:
            raise bad("documents and audio can't be mixed with other media types")
        group_id = str(next(self._media_groups))
        prepared = []
        for item in media:
            caption, ents = self._caption(item)
            if item.get("type") == "photo":
                content = {"photo": self._photo_param(item.get("media"), files, "")}
            elif item.get("type") == "document":
                content = {"document": self._document_param(item.get("media"), files, "")}
            else:
                raise bad(f"unsupported media type {item.get('type')!r} in the fake")
            prepared.append({**content, "caption": caption, "caption_entities": ents})
        p = {k: v for k, v in p.items() if k != "reply_markup"}
        return [self._bot_message(p, media_group_id=group_id, **c) for c in prepared]

    def _api_editMessageText(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        if "text" not in msg:
            raise bad("there is no text in the message to edit")
        text, entities = rules.check_text(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = rules.check_reply_markup(p.get("reply_markup"))
        return self._commit_edit(msg, {"text": text, "entities": entities}, markup)

    def _api_editMessageCaption(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        if "text" in msg:
            raise bad("there is no caption in the message to edit")
        caption, ents = self._caption(p)
        markup = rules.check_reply_markup(p.get("reply_markup"))
        return self._commit_edit(msg, {"caption": caption, "caption_entities": ents}, markup)

    def _api_editMessageReplyMarkup(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        return self._commit_edit(msg, {}, rules.check_reply_markup(p.get("reply_markup")))

    def _api_editMessageMedia(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        media = p.get("media")
        if "text" in msg:
            raise bad("there is no media in the message to edit")
        if not isinstance(media, dict) or media.get("type") not in ("photo", "document"):
            raise bad("can't parse InputMedia JSON object")
        caption, ents = self._caption(media)
        changes: dict[str, Any] = {"photo": None, "document": None}
        if media["type"] == "photo":
            changes["photo"] = self._photo_param(media.get("media"), files, "")
        else:
            changes["document"] = self._document_param(media.get("media"), files, "")
        changes.update(caption=caption, caption_entities=ents)
        return self._commit_edit(msg, changes, rules.check_reply_markup(p.get("reply_markup")))

    def _api_deleteMessage(self, p: dict, files: dict) -> bool:
        chat = self._messages.get(chat_id_param(p), {})
        if chat.pop(int(p.get("message_id", 0)), None) is None:
            raise bad("message to delete not found")  # (verified)
        return True

    def _api_deleteMessages(self, p: dict, files: dict) -> bool:
        chat = self._messages.get(chat_id_param(p), {})
        for mid in p.get("message_ids") or []:
            chat.pop(int(mid), None)
        return True

    def _api_answerCallbackQuery(self, p: dict, files: dict) -> bool:
        qid = str(p.get("callback_query_id", ""))
        delivered = self._delivered_queries.get(qid)
        expired = (
            delivered is not None
            and self.callback_query_ttl is not None
            and time.monotonic() - delivered > self.callback_query_ttl
        )
        if delivered is None or qid in self.callback_answers or expired:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        if len(str(p.get("text") or "")) > rules.MAX_CALLBACK_ANSWER_TEXT:
            raise bad("MESSAGE_TOO_LONG")  # (verified)
        self.callback_answers[qid] = dict(p)
        return True

    def _api_sendChatAction(self, p: dict, files: dict) -> bool:
        chat_id_param(p)
        if p.get("action") not in rules.CHAT_ACTIONS:
            raise bad("wrong parameter action in request")  # (verified)
        return True

    def _api_getChat(self, p: dict, files: dict) -> dict:
        chat = self._chat_obj(chat_id_param(p))
        return {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _member(self, chat_id: int, user_id: int) -> dict:
        user = self._users.get(user_id) or (
            {**self.bot_user}
            if user_id == self.bot_user["id"]
            else {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        )
        admins = self._admins.get(chat_id, [])
        if admins and admins[0] == user_id:
            return {"status": "creator", "user": user, "is_anonymous": False}
        if user_id in admins:
            rights = (
                "can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
                "can_promote_members can_change_info can_invite_users can_post_stories "
                "can_edit_stories can_delete_stories can_pin_messages can_manage_topics"
            ).split()
            return {
                "status": "administrator",
                "user": user,
                "can_be_edited": False,
                "is_anonymous": False,
                **{r: True for r in rights},
            }
        return {"status": "member", "user": user}

    def _api_getChatMember(self, p: dict, files: dict) -> dict:
        return self._member(chat_id_param(p), int(p.get("user_id", 0)))

    def _api_getChatAdministrators(self, p: dict, files: dict) -> list[dict]:
        chat_id = chat_id_param(p)
        return [self._member(chat_id, uid) for uid in self._admins.get(chat_id, [])]

    def _api_getFile(self, p: dict, files: dict) -> dict:
        f = self.files.get(str(p.get("file_id", "")))
        if f is None:
            raise bad("invalid file_id")
        if len(f.data) > rules.MAX_DOWNLOAD_BYTES:
            raise bad("file is too big")
        return {
            "file_id": f.file_id,
            "file_unique_id": f.file_unique_id,
            "file_size": len(f.data),
            "file_path": f.file_path,
        }


def json_response(body: dict, status: int = 200) -> web.Response:
    # Exactly "application/json" (no charset), like api.telegram.org.
    return web.Response(
        body=json.dumps(body).encode(), status=status, headers={"Content-Type": "application/json"}
    )


def _decode(name: str, raw: str) -> Any:
    if name in _STRING_PARAMS:
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query.items()}
    files: dict[str, Upload] = {}
    ctype = request.content_type
    if request.method == "GET" or not request.can_read_body:
        return params, files
    if ctype == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise bad("can't parse JSON object") from None
        if isinstance(body, dict):
            for key, value in body.items():
                is_num = isinstance(value, (int, float)) and not isinstance(value, bool)
                params[key] = str(value) if key in _STRING_PARAMS and is_num else value
    elif ctype == "multipart/form-data":
        reader = await request.multipart()
        async for part in reader:
            if part.name is None:
                continue
            if part.filename is not None:
                data = await part.read()
                ptype = part.headers.get("Content-Type", "application/octet-stream")
                files[part.name] = Upload(part.filename, ptype.split(";")[0].strip(), bytes(data))
            else:
                params[part.name] = _decode(part.name, await part.text())
    else:
        body = (await request.read()).decode("utf-8", "replace")
        for key, value in parse_qsl(body, keep_blank_values=True):
            params[key] = _decode(key, value)
    return params, files


def _resolve_upload(value: Any, files: dict[str, Upload], name: str) -> Upload | str:
    """A file param is a multipart part (named ``name``), ``attach://x``, or a file_id / URL."""
    if isinstance(value, str) and value.startswith("attach://"):
        key = value[len("attach://") :]
        if key not in files:
            raise bad(f"file {key} is not found")  # attach:// to a missing part
        return files[key]
    if value is None and name in files:
        return files[name]
    if isinstance(value, str) and value:
        return value
    raise bad("there is no photo in the request" if name == "photo" else "file must be non-empty")


def chat_id_param(p: dict) -> int:
    value = p.get("chat_id")
    if value is None or value == "":
        raise bad("chat_id is empty")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise bad("chat not found") from None


def shallow(msg: dict) -> dict:
    """A message as embedded in reply_to_message (without its own reply)."""
    return {k: v for k, v in msg.items() if k != "reply_to_message"}


def _check_language_code(code: Any) -> str:
    """Bot API: "A two-letter ISO 639-1 language code", or empty for everyone else."""
    code = str(code or "")
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise bad("language code is invalid")
    return code


def commands_key(scope: Any, language_code: str) -> str:
    scope = scope or {"type": "default"}
    return f"{json.dumps(scope, sort_keys=True)}|{language_code}"
