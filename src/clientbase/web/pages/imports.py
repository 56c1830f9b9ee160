"""Import pages: upload a spreadsheet of records or a transaction file, choose the sheet, check and change the
mapping (and save it as the CLI's TOML), dry run, apply (all or nothing, or the valid rows), undo; the history
of batches. Every step calls :mod:`clientbase.imports.service` through :mod:`clientbase.web.importing`; the
dry run and the apply run in the background and the page polls them (htmx)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from clientbase.errors import NotFoundError, Problem, ValidationError
from clientbase.imports import service
from clientbase.imports.mapping import to_toml
from clientbase.registry.fields import IMPORT_FIELDS
from clientbase.web import importing
from clientbase.web.deps import StoreDep, UserDep
from clientbase.web.forms import errors_by_field
from clientbase.web.navigation import NavItem
from clientbase.web.rendering import is_htmx, render
from clientbase.web.uploads import Upload, UploadStore, owner_key

router = APIRouter(include_in_schema=False)
NAV = (NavItem("Import", "/imports", order=12),)


def _uploads(request: Request) -> UploadStore:
    store: UploadStore = request.app.state.uploads
    return store


def _index(
    request: Request,
    store: StoreDep,
    user: UserDep,
    *,
    errors: dict[str, list[str]] | None = None,
    status_code: int = 200,
    done: str = "",
) -> Response:
    context = {
        "kinds": importing.kinds_for(user.actor.role),
        "batches": service.import_batches(store, actor=user.actor),
        "errors": errors or {},
        "limit": _uploads(request).limits.upload_bytes,
        "done": done,
    }
    template = "imports/_upload_form.html" if is_htmx(request) and errors else "imports/index.html"
    return render(request, template, context, status_code=status_code)


@router.get("/imports")
def imports_page(request: Request, store: StoreDep, user: UserDep, done: str = "") -> Response:
    return _index(request, store, user, done=done)


@router.post("/imports")
async def upload(request: Request, store: StoreDep, user: UserDep) -> Response:
    kinds = importing.kinds_for(user.actor.role) or ("counterparties",)
    try:
        sent, _fields = await _uploads(request).receive(request, user, kinds=kinds)
    except ValidationError as exc:
        return await run_in_threadpool(
            _index, request, store, user, errors=errors_by_field(exc), status_code=422
        )
    target = f"/imports/{sent.upload_id}"
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _chosen(upload: Upload, form: dict[str, Any], headers: list[str]) -> dict[str, str | None]:
    """The mapping of the form: ``map-<i>`` is the field of column i."""
    return {h: (form.get(f"map-{i}") or None) for i, h in enumerate(headers) if f"map-{i}" in form}


def _read(upload: Upload, sheet: str | None, chosen: dict[str, Any] | None) -> dict[str, Any]:
    """The sheet's headers, a few sample rows and the mapping (the user's, else the suggestion)."""
    if upload.kind != "counterparties":
        return {"headers": [], "samples": [], "mapping": None, "sheets": [], "sheet": None, "scores": {}}
    table, suggested = service.suggest_mapping(upload.path, sheet=sheet)
    mapping = importing.saved_mapping(upload, table.headers, table.sheet) or suggested
    if chosen:
        picked = _chosen(upload, chosen, table.headers)
        if picked:
            mapping = importing.mapping_from(table.headers, picked, table.sheet, None)
    return {
        "headers": table.headers,
        "samples": [values for _row, values in table.rows[:3]],
        "mapping": mapping,
        "scores": suggested.scores,
        "sheets": service.sheets(upload.path),
        "sheet": table.sheet,
    }


@router.get("/imports/{upload_id}")
def upload_page(request: Request, user: UserDep, upload_id: str, sheet: str | None = None) -> Response:
    upload = _uploads(request).get(user, upload_id)
    context = {"upload": upload, "fields": IMPORT_FIELDS, **_read(upload, sheet, None)}
    return render(request, "imports/upload.html", context)


@router.get("/imports/{upload_id}/mapping.toml")
def save_mapping(request: Request, user: UserDep, upload_id: str) -> Response:
    """The mapping chosen on the page as the CLI's TOML file (``clientbase import --mapping``)."""
    upload = _uploads(request).get(user, upload_id)
    params = dict(request.query_params)
    found = _read(upload, params.get("sheet") or None, params)
    if found["mapping"] is None:
        raise ValidationError(
            [Problem("mapping", None, "mapping", None, "transaction files have no mapping")]
        )
    name = upload.file_name.rsplit(".", 1)[0] + "-mapping.toml"
    return Response(
        to_toml(found["mapping"]),
        media_type="application/toml",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


async def _start(
    request: Request, store: StoreDep, user: UserDep, upload_id: str, *, apply: bool
) -> Response:
    form = dict((await request.form()).items())
    text = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = _uploads(request).get(user, upload_id)
    sheet = text.get("sheet") or None
    owner = text.get("default_owner") or None
    skip = text.get("mode") == "valid"
    plans = request.app.state.plans

    def work() -> importing.Report:
        mapping = _read(upload, sheet, text)["mapping"]
        try:
            report = importing.run_step(
                store,
                plans,
                user,
                upload,
                apply=apply,
                mapping=mapping,
                sheet=sheet,
                encoding=None,
                default_owner=owner,
                skip_invalid=skip,
            )
        except ValidationError as exc:
            importing.rejected_csv(
                upload, importing.Report(upload.kind, upload.file_name, {}, importing.as_rows(exc.problems))
            )
            raise
        if report.errors:
            importing.rejected_csv(upload, report)
        if apply:
            upload.path.unlink(missing_ok=True)  # written: the file goes; the rejected rows stay to download
        return report

    job = request.app.state.import_jobs.start(
        owner_key(user), "apply" if apply else "dry run", work, upload=upload
    )
    return _job_fragment(request, job, text)


def _job_fragment(request: Request, job: importing.Job, form: dict[str, str]) -> Response:
    """The step's progress while it runs (the fragment polls itself), then its report."""
    context: dict[str, Any] = {"upload": job.upload, "job": job, "form": form, "report": None, "error": None}
    if job.done:
        try:
            context["report"] = request.app.state.import_jobs.result(job)
        except ValidationError as exc:  # all or nothing and rows rejected: the rows, nothing written
            context["error"] = exc
            context["problems"] = exc.problems[: importing.SHOWN]
    return render(request, "imports/_job.html", context)


@router.post("/imports/{upload_id}/dry-run")
async def dry_run(request: Request, store: StoreDep, user: UserDep, upload_id: str) -> Response:
    return await _start(request, store, user, upload_id, apply=False)


@router.post("/imports/{upload_id}/apply")
async def apply(request: Request, store: StoreDep, user: UserDep, upload_id: str) -> Response:
    return await _start(request, store, user, upload_id, apply=True)


@router.get("/imports/{upload_id}/jobs/{job_id}")
def job_status(request: Request, user: UserDep, upload_id: str, job_id: str) -> Response:
    job = request.app.state.import_jobs.get(owner_key(user), job_id)
    if job.upload is None or job.upload.upload_id != upload_id:
        raise NotFoundError(f"No import step {job_id!r} for upload {upload_id!r}.")
    return _job_fragment(request, job, dict(request.query_params))


@router.get("/imports/{upload_id}/rejected.csv")
def rejected_rows(request: Request, user: UserDep, upload_id: str) -> Response:
    """The rejected rows of the last dry run or apply: file, row, column, value, reason."""
    upload = _uploads(request).get(user, upload_id)
    path = Path(upload.folder) / "rejected.csv"
    if not path.is_file():
        raise NotFoundError("No rejected rows for this upload: run the dry run first.")
    name = upload.file_name.rsplit(".", 1)[0] + "-rejected.csv"
    return FileResponse(path, media_type="text/csv", filename=name)


@router.post("/imports/{upload_id}/discard")
def discard(request: Request, user: UserDep, upload_id: str) -> Response:
    upload = _uploads(request).get(user, upload_id)
    _uploads(request).discard(upload)
    request.app.state.plans.drop(upload_id)
    return RedirectResponse("/imports?done=Discarded+the+upload", status_code=303)


@router.post("/imports/batches/{batch_id}/undo")
def undo(request: Request, store: StoreDep, user: UserDep, batch_id: str) -> Response:
    result = service.undo_import(store, actor=user.actor, batch_id=batch_id)
    done = f"Undid {result.batch_id}: removed {result.removed}, restored {result.restored}"
    return RedirectResponse(f"/imports?done={done.replace(' ', '+')}", status_code=303)
