"""Imports: upload a spreadsheet of records or a transaction file (multipart, streamed), then dry-run, apply
and undo it as a batch; the history of batches. The same steps as the ``/imports`` pages and the CLI's
``import``, ``undo-import``, ``import-batches`` and ``import-transactions`` (one service:
:mod:`clientbase.imports.service`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from clientbase.imports import service
from clientbase.web import importing
from clientbase.web.api.models import ERRORS
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.uploads import Upload, UploadStore

router = APIRouter(tags=["imports"], responses={k: ERRORS[k] for k in (400, 401, 403, 404, 422)})

Kind = Literal["counterparties", "order_lines", "invoices", "payments", "activities"]
Text = Annotated[str, Field(max_length=500, pattern=r"^[^\x00]*$")]


class UploadOut(BaseModel):
    """An uploaded file, kept for this session until it is imported or discarded."""

    upload_id: str
    kind: Kind
    file_name: str
    size: int = Field(description="bytes")
    sheets: list[str] = Field(description="the sheets of a workbook; empty for a CSV file")
    sheet: str | None = None
    headers: list[str] = Field(description="the columns found (records only)")
    mapping: dict[str, str | None] = Field(description="header -> suggested field (null: ignored)")
    scores: dict[str, float] = Field(description="how sure each suggestion is, 0-100")


class Step(BaseModel):
    """How to read and map the upload; every field is optional (the suggestion is used)."""

    model_config = ConfigDict(extra="forbid")

    sheet: Text | None = None
    encoding: Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9_.:-]*$")] | None = None
    mapping: dict[Text, Text | None] | None = Field(
        None,
        description="header -> field (null or empty: ignore the column); omitted: the mapping file sent "
        "with the upload, else the suggestion",
    )
    default_owner: Annotated[str, Field(max_length=64, pattern=r"^[^\x00]*$")] | None = Field(
        None, description="owner of new records when the file has no owner column"
    )


class Apply(Step):
    skip_invalid: bool = Field(
        False, description="write the valid rows; without it any rejected row stops all"
    )


class Rejected(BaseModel):
    row: int | None
    column: str | None
    value: Any = None
    reason: str


class Diff(BaseModel):
    row: int
    record_id: str | None
    field: str
    old: str | None
    new: str | None


class ImportReport(BaseModel):
    """What the import does (dry run) or did (``batch_id`` set: undo it with POST .../batches/{id}/undo)."""

    kind: Kind
    file: str
    new: int
    updated: int
    unchanged: int
    rejected: int
    errors: list[Rejected]
    diffs: list[Diff]
    dry_run: bool
    batch_id: str | None
    tables: dict[str, dict[str, int]]


class Batch(BaseModel):
    batch_id: str
    file_name: str | None
    created_by: str | None
    created_at: Any
    status: str
    sheet: str | None = None
    new_count: int | None
    updated_count: int | None
    unchanged_count: int | None = None
    rejected_count: int | None = None
    undone_at: Any = None
    undone_by: str | None = None


class Undone(BaseModel):
    batch_id: str
    removed: int
    restored: int


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV, XLSX, XLS, ODS (records) or CSV, Parquet (transactions)",
                        },
                        "kind": {
                            "type": "string",
                            "enum": list(importing.KINDS),
                            "default": "counterparties",
                        },
                    },
                }
            }
        },
    }
}


def uploads(request: Request) -> UploadStore:
    store: UploadStore = request.app.state.uploads
    return store


def describe(upload: Upload, sheet: str | None = None) -> dict[str, Any]:
    """What the client needs for the next step: sheets, headers and the suggested mapping."""
    out: dict[str, Any] = {
        "upload_id": upload.upload_id,
        "kind": upload.kind,
        "file_name": upload.file_name,
        "size": upload.size,
        "sheets": [],
        "sheet": None,
        "headers": [],
        "mapping": {},
        "scores": {},
    }
    if upload.kind == "counterparties":
        table, suggested = service.suggest_mapping(upload.path, sheet=sheet)
        saved = importing.saved_mapping(upload, table.headers, table.sheet)
        out.update(
            sheets=service.sheets(upload.path),
            sheet=table.sheet,
            headers=table.headers,
            mapping=(saved or suggested).columns,
            scores={k: round(v, 1) for k, v in suggested.scores.items()},
        )
    return out


@router.post("/imports", response_model=UploadOut, status_code=201, openapi_extra=UPLOAD_BODY)
async def upload_file(request: Request, user: UserDep) -> dict[str, Any]:
    """Upload a file to import (streamed; refused at once over the size limit, and refused when its content
    is not its type: a program renamed .xlsx, a zip bomb)."""
    from starlette.concurrency import run_in_threadpool

    upload, _fields = await uploads(request).receive(request, user, kinds=importing.KINDS)
    try:
        return await run_in_threadpool(describe, upload)
    except BaseException:
        uploads(request).discard(upload)
        raise


@router.get("/imports/batches", response_model=list[Batch])
def list_batches(store: StoreDep, user: UserDep) -> list[dict[str, Any]]:
    """Applied batches, newest first (a manager's own; the head and analysts see all)."""
    return service.import_batches(store, actor=user.actor)


@router.post("/imports/batches/{batch_id}/undo", response_model=Undone, responses={409: ERRORS[409]})
def undo_batch(store: StoreDep, user: UserDep, batch_id: str) -> dict[str, Any]:
    """Undo an applied batch entirely (refused if a record changed since)."""
    result = service.undo_import(store, actor=user.actor, batch_id=batch_id)
    return {"batch_id": result.batch_id, "removed": result.removed, "restored": result.restored}


@router.get("/imports/{upload_id}", response_model=UploadOut)
def get_upload(request: Request, user: UserDep, upload_id: str, sheet: str | None = None) -> dict[str, Any]:
    """The upload, read with ``sheet`` (default: the first)."""
    return describe(uploads(request).get(user, upload_id), sheet)


@router.delete("/imports/{upload_id}", status_code=204)
def discard_upload(request: Request, user: UserDep, upload_id: str) -> Response:
    """Forget the upload and delete its file."""
    store = uploads(request)
    store.discard(store.get(user, upload_id))
    request.app.state.plans.drop(upload_id)
    return Response(status_code=204)


def _step(
    request: Request, store: StoreDep, user: UserDep, upload_id: str, body: Step, *, apply: bool
) -> dict[str, Any]:
    upload = uploads(request).get(user, upload_id)
    mapping = None
    if upload.kind == "counterparties":
        table, _ = service.suggest_mapping(upload.path, sheet=body.sheet, encoding=body.encoding)
        if body.mapping is not None:
            mapping = importing.mapping_from(table.headers, body.mapping, table.sheet, body.encoding)
        else:
            mapping = importing.saved_mapping(upload, table.headers, table.sheet)
    report = importing.run_step(
        store,
        request.app.state.plans,
        user,
        upload,
        apply=apply,
        mapping=mapping,
        sheet=body.sheet,
        encoding=body.encoding,
        default_owner=body.default_owner,
        skip_invalid=isinstance(body, Apply) and body.skip_invalid,
    )
    if apply:
        uploads(request).discard(upload)
    return report.as_dict()


@router.post("/imports/{upload_id}/dry-run", response_model=ImportReport)
def dry_run(request: Request, store: StoreDep, user: UserDep, upload_id: str, body: Step) -> dict[str, Any]:
    """What importing the upload would do: new / updated / unchanged / rejected, the changes field by field,
    and every rejected row with its row, column, value and reason. Nothing is written."""
    return _step(request, store, user, upload_id, body, apply=False)


@router.post("/imports/{upload_id}/apply", response_model=ImportReport, responses={409: ERRORS[409]})
def apply(request: Request, store: StoreDep, user: UserDep, upload_id: str, body: Apply) -> dict[str, Any]:
    """Write the upload: all rows or none (422 listing the rejected rows), or with ``skip_invalid`` the valid
    rows; records as one batch that can be undone. The upload is deleted afterwards."""
    return _step(request, store, user, upload_id, body, apply=True)
