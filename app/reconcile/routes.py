"""Reconciliations API: upload a sector list, follow its progress, read its rows, decide,
download the cleaned list and the report."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, current_app
from flask_babel import gettext as _

from app.auth.access import acting_user, require
from app.common import writes_on_get
from app.errors import InvalidError
from app.extensions import Blueprint, db
from app.imports.files import FileRefused, Limits
from app.reconcile import decisions, exports, service
from app.reconcile.schemas import (
    UPLOAD_BODY,
    DecisionsIn,
    DecisionsOut,
    ReconciliationOut,
    RowListOut,
    RowsArgs,
    UploadFile,
    UploadForm,
)
from app.reconcile.shown import rows_page, shown_reconciliation
from app.spreadsheet import XLSX_MIME

blp = Blueprint(
    "reconciliations",
    __name__,
    description="Đối chiếu danh sách của ngành khác / Sector lists matched against residents",
)


def download(filename: str, content: bytes) -> Response:
    """An XLSX attachment no cache keeps."""
    return Response(
        content,
        mimetype=XLSX_MIME,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


def upload(user, form: dict, file_storage) -> dict:
    """Read, save and match an uploaded list (shared by the API and the page)."""
    commune = service.commune_for(user, form.get("unit"))
    limits = Limits.from_config(current_app.config)
    data = file_storage.read(limits.max_bytes + 1) if file_storage else b""
    if not data:
        raise InvalidError(
            _("Hãy chọn tệp danh sách (.xlsx hoặc .csv)."), {"file": [_("Thiếu tệp.")]}
        )
    try:
        reconciliation, sector_list = service.start(
            data, file_storage.filename or "", form["sector"], commune, user
        )
    except FileRefused as exc:
        db.session.rollback()
        raise InvalidError(str(exc), {"file": [str(exc)]}) from exc
    service.launch(reconciliation, sector_list)
    return reconciliation


@blp.route("/reconciliations", methods=["POST"])
@require("commander", "admin")
@blp.arguments(UploadForm, location="form")
@blp.arguments(UploadFile, location="files")
@blp.response(201, ReconciliationOut)
@blp.doc(parameters=[], requestBody=UPLOAD_BODY)  # one multipart body, not two "formData"
def create(form: dict, files: dict):
    """Upload a sector's list (multipart: `file`, `sector`, `unit`) and match every row to a
    resident of the commune; small lists are done when this answers, large ones continue in
    the background (poll `GET /reconciliations/<id>` for `progress`)."""
    user = acting_user()
    reconciliation = upload(user, form, files.get("file"))
    db.session.commit()
    return shown_reconciliation(db.session.get(type(reconciliation), reconciliation.id))


@blp.route("/reconciliations/<int:reconciliation_id>")
@require("commander", "admin")
@blp.response(200, ReconciliationOut)
def get(reconciliation_id: int):
    """Show a reconciliation's status, progress and counts (in total and per hamlet)."""
    return shown_reconciliation(service.reconciliation_for(acting_user(), reconciliation_id))


@blp.route("/reconciliations/<int:reconciliation_id>/rows")
@require("commander", "admin")
@blp.arguments(RowsArgs, location="query")
@blp.response(200, RowListOut)
def rows(args: dict, reconciliation_id: int):
    """List a reconciliation's rows in the file's order, of one class or all, with the
    resident matched or the candidates and their scores (ID numbers masked)."""
    reconciliation = service.reconciliation_for(acting_user(), reconciliation_id)
    return rows_page(reconciliation, args.get("row_class"), args["page"], args["per_page"])


@blp.route("/reconciliations/<int:reconciliation_id>/decisions", methods=["POST"])
@require("commander", "admin")
@blp.arguments(DecisionsIn)
@blp.response(200, DecisionsOut)
def decide(body: dict, reconciliation_id: int):
    """Confirm rows as residents, send rows to a follow-up visit, open corrections where the
    resident's record is wrong; `min_score` confirms every row whose best candidate scores at
    least that."""
    user = acting_user()
    reconciliation = service.reconciliation_for(user, reconciliation_id)
    answer = decisions.decide(reconciliation, user, body)
    db.session.commit()
    return answer


@blp.route("/reconciliations/<int:reconciliation_id>/cleaned.xlsx")
@writes_on_get
@require("commander", "admin")
@blp.response(200, content_type=XLSX_MIME, description="Excel workbook")
def cleaned(reconciliation_id: int):
    """Download the list back: the sector's rows and columns in their order, with the correct
    ID number and a status column (full ID numbers: recorded as an audit export)."""
    reconciliation = service.reconciliation_for(acting_user(), reconciliation_id)
    filename, content = exports.cleaned_workbook(reconciliation)
    db.session.commit()
    return download(filename, content)


@blp.route("/reconciliations/<int:reconciliation_id>/report.xlsx")
@require("commander", "admin")
@blp.response(200, content_type=XLSX_MIME, description="Excel workbook")
def report(reconciliation_id: int):
    """Download the report: the counts in total and per hamlet, and every row with its class
    (ID numbers masked)."""
    reconciliation = service.reconciliation_for(acting_user(), reconciliation_id)
    return download(*exports.report_workbook(reconciliation))
