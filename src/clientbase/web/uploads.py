"""Uploaded files between the steps of an import: received as a stream, kept server-side per session.

:func:`receive` parses a ``multipart/form-data`` body chunk by chunk (python-multipart), writing the file part
to a temporary folder and counting its bytes: a file over the limit is refused the moment it passes it, never
read whole into memory. The other fields are small and kept in memory (at most :data:`MAX_FIELD_BYTES` each).
Then :func:`clientbase.imports.uploads.check_file` looks at the content before anything reads it.

:class:`UploadStore` keeps each upload in ``<temp>/clientbase-uploads/<session>/<upload id>/`` with a small
JSON file of what it is; an upload is found only by the session (or API token) that sent it — anyone else
gets "not found". Uploads are removed when imported, discarded, or older than :data:`MAX_AGE` seconds (swept
at every new upload).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.datastructures import FormData, UploadFile

from clientbase.accounts.sessions import Identity
from clientbase.errors import NotFoundError, Problem, ValidationError
from clientbase.imports.uploads import Limits, SizeLimit, check_file, check_name

MAX_FIELD_BYTES = 64 * 1024
MAX_AGE = 6 * 3600
FILE_FIELD = "file"
#: a saved mapping (TOML) sent with the upload, kept beside it
MAPPING_FILE = "mapping.toml"


@dataclass
class Upload:
    """One uploaded file: whose it is, what it is for, where it lies."""

    upload_id: str
    owner: str
    kind: str
    file_name: str
    size: int
    created: float
    folder: str

    @property
    def path(self) -> Path:
        """The file, under the name it was sent with (the batch and the error report name it so)."""
        return Path(self.folder) / "file" / safe_name(self.file_name)


def safe_name(name: str) -> str:
    """``name`` as a file name of one folder: no path, no control or odd characters, at most 120 characters.

    Example:
        >>> safe_name("../../etc/kunden märz?.csv")
        'kunden märz_.csv'
    """
    base = Path(name.replace("\\", "/")).name
    stem, suffix = Path(base).stem, Path(base).suffix.lower()
    clean = re.sub(r"[^\w .,()+-]", "_", stem).strip(" .") or "upload"
    return clean[:120] + suffix


def owner_key(user: Identity) -> str:
    """The session an upload belongs to (the session's hash; for an API token, the user)."""
    return hashlib.sha256((user.session_hash or f"user:{user.actor.manager_id}").encode()).hexdigest()[:32]


class UploadStore:
    def __init__(self, root: Path | None = None, limits: Limits | None = None) -> None:
        self.root = root or Path(tempfile.gettempdir()) / "clientbase-uploads"
        self.limits = limits or Limits()

    def _folder(self, owner: str, upload_id: str) -> Path:
        return self.root / owner / upload_id

    def get(self, user: Identity, upload_id: str) -> Upload:
        """The user's upload ``upload_id``; another session's, a removed or unknown one is not found."""
        gone = NotFoundError(
            f"No upload {upload_id!r} in this session (imported, discarded or expired): upload again."
        )
        if not upload_id.isalnum():
            raise gone
        meta = self._folder(owner_key(user), upload_id) / "upload.json"
        try:
            return Upload(**json.loads(meta.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError):
            raise gone from None

    def discard(self, upload: Upload) -> None:
        shutil.rmtree(upload.folder, ignore_errors=True)

    def sweep(self, now: float | None = None) -> None:
        """Remove uploads older than :data:`MAX_AGE`."""
        now = now or time.time()
        if not self.root.is_dir():
            return
        for meta in self.root.glob("*/*/upload.json"):
            with contextlib.suppress(OSError, ValueError, TypeError):
                if now - float(json.loads(meta.read_text(encoding="utf-8"))["created"]) > MAX_AGE:
                    shutil.rmtree(meta.parent, ignore_errors=True)

    async def receive(
        self, request: Request, user: Identity, *, kinds: tuple[str, ...]
    ) -> tuple[Upload, dict[str, str]]:
        """Stream the request's multipart body into a new upload; returns it with the other form fields.

        Raises:
            ValidationError: no file, a file too large, of a type not accepted, or whose content is not its type.
        """
        self.sweep()
        content_type = request.headers.get("content-type", "")
        kind_of, options = parse_options_header(content_type)
        boundary = options.get(b"boundary")
        if kind_of != b"multipart/form-data" or not boundary:
            raise ValidationError(
                [Problem("upload", None, FILE_FIELD, None, "send the file as multipart/form-data")]
            )
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.upload_bytes + MAX_FIELD_BYTES * 8:
            SizeLimit("upload", self.limits.upload_bytes).add(int(declared))  # refused before reading a byte
        upload_id = secrets.token_hex(12)
        owner = owner_key(user)
        folder = self._folder(owner, upload_id)
        folder.mkdir(parents=True, exist_ok=True)
        receiver = _Receiver(folder, self.limits)
        try:
            if getattr(request, "_form", None) is not None:  # a plain form post: the CSRF check parsed it
                await receiver.take_form(await request.form())
            else:
                parser = MultipartParser(boundary, receiver.callbacks())
                try:
                    async for chunk in request.stream():
                        parser.write(chunk)
                        receiver.raise_pending()
                    parser.finalize()
                except MultipartParseError:
                    raise ValidationError(
                        [
                            Problem(
                                "upload",
                                None,
                                FILE_FIELD,
                                None,
                                "the upload is not a well-formed form: send it again",
                            )
                        ]
                    ) from None
                receiver.raise_pending()
            fields = receiver.fields
            if receiver.file_name is None or receiver.file_path is None:
                raise ValidationError([Problem("upload", None, FILE_FIELD, None, "choose a file to upload")])
            kind = fields.get("kind") or kinds[0]
            if kind not in kinds:
                raise ValidationError(
                    [Problem("upload", None, "kind", kind, f"choose one of {', '.join(kinds)}")]
                )
            check_name(receiver.file_name, kind)
            path = folder / "file" / safe_name(receiver.file_name)
            path.parent.mkdir()
            receiver.file_path.rename(path)
            check_file(path, receiver.file_name, self.limits)
            if fields.get("mapping", "").strip():
                _save_mapping(folder, fields["mapping"])
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            receiver.close()
        upload = Upload(upload_id, owner, kind, receiver.file_name, receiver.size, time.time(), str(folder))
        (folder / "upload.json").write_text(json.dumps(asdict(upload)), encoding="utf-8")
        return upload, fields


def _save_mapping(folder: Path, text: str) -> None:
    """Keep a mapping file sent with the upload (the CLI's TOML) if it reads as one."""
    from clientbase.errors import ConfigurationError
    from clientbase.imports import mapping

    saved = folder / MAPPING_FILE
    saved.write_text(text, encoding="utf-8")
    try:
        mapping.load(saved)
    except ConfigurationError as exc:
        reason = str(exc).replace(f"Mapping file {saved}", "The mapping file")
        raise ValidationError([Problem("upload", None, "mapping", None, reason)]) from None


class _Receiver:
    """python-multipart callbacks: the file part to disk under a size limit, other parts to memory."""

    def __init__(self, folder: Path, limits: Limits) -> None:
        self.folder, self.limits = folder, limits
        self.fields: dict[str, str] = {}
        self.file_name: str | None = None
        self.file_path: Path | None = None
        self.size = 0
        self._handle: Any = None
        self._header_field = b""
        self._header_value = b""
        self._headers: dict[bytes, bytes] = {}
        self._name = ""
        self._value = bytearray()
        self._is_file = False
        self._limit: SizeLimit | None = None
        self._pending: ValidationError | None = None

    def callbacks(self) -> Any:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": lambda data, start, end: self._add("_header_field", data[start:end]),
            "on_header_value": lambda data, start, end: self._add("_header_value", data[start:end]),
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
        }

    def _add(self, name: str, data: bytes) -> None:
        setattr(self, name, getattr(self, name) + data)

    def raise_pending(self) -> None:
        if self._pending is not None:
            raise self._pending

    def _part_begin(self) -> None:
        self._headers, self._value, self._is_file, self._name = {}, bytearray(), False, ""

    def _header_end(self) -> None:
        self._headers[self._header_field.lower()] = self._header_value
        self._header_field = self._header_value = b""

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        filename = options.get(b"filename")
        if filename is not None and self._name == FILE_FIELD and self.file_name is None:
            self._is_file = True
            self.file_name = Path(filename.decode("utf-8", "replace").replace("\\", "/")).name
            self.file_path = self.folder / "receiving"
            self._handle = self.file_path.open("wb")
            self._limit = SizeLimit(self.file_name or "upload", self.limits.upload_bytes)

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._pending is not None:
            return
        if self._is_file:
            assert self._limit is not None
            try:
                self._limit.add(end - start)
            except ValidationError as exc:
                self._pending = exc
                return
            self._handle.write(data[start:end])
            self.size = self._limit.size
        elif self._name:
            self._value += data[start:end]
            if len(self._value) > MAX_FIELD_BYTES:
                self._pending = ValidationError(
                    [
                        Problem(
                            "upload", None, self._name, None, f"too long: at most {MAX_FIELD_BYTES:,} bytes"
                        )
                    ]
                )

    def _part_end(self) -> None:
        if self._is_file:
            self._handle.close()
            self._handle = None
        elif self._name:
            self.fields[self._name] = self._value.decode("utf-8", "replace")

    async def take_form(self, form: FormData) -> None:
        """The same from a form Starlette parsed already (spooled to disk by it), copied under the limit."""
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                if name != FILE_FIELD or self.file_name is not None:
                    text = await value.read(MAX_FIELD_BYTES + 1)
                    if name and len(text) <= MAX_FIELD_BYTES:
                        self.fields[name] = text.decode("utf-8", "replace")
                    continue
                self.file_name = Path((value.filename or "").replace("\\", "/")).name
                self.file_path = self.folder / "receiving"
                limit = SizeLimit(self.file_name or "upload", self.limits.upload_bytes)
                with self.file_path.open("wb") as handle:
                    while chunk := await value.read(2**20):
                        limit.add(len(chunk))
                        handle.write(chunk)
                self.size = limit.size
            elif len(value) <= MAX_FIELD_BYTES:
                self.fields[name] = value

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
