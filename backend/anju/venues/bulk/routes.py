"""Staff imports: templates, uploads, validation reports and progress."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import Any

from flask import current_app, request, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from werkzeug.exceptions import RequestEntityTooLarge

from anju.accounts.authz import current_actor, requires
from anju.common.i18n import current_language
from anju.common.idempotency import idempotent
from anju.venues.bulk import schemas, service, templates

URL_PREFIX = ""

blp = Blueprint("imports", __name__, description="Staff imports from spreadsheets")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


def _download(data: bytes, mimetype: str, name: str) -> Any:
    return send_file(
        io.BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name
    )


def upload_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    """Spreadsheets may be larger than other request bodies."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        limit = current_app.config["ANJU"].upload_max_content_length
        request.max_content_length = limit
        try:
            return view(*args, **kwargs)
        except RequestEntityTooLarge:
            raise service.FileTooLarge(limit=f"{limit // (1024 * 1024)} MB") from None

    return wrapper


@blp.route("/imports/template.xlsx")
class TemplateXlsx(MethodView):
    @requires("imports.manage")
    @blp.response(200, content_type=XLSX, description="The XLSX template")
    def get(self):
        """The staff list template: Chinese headers, ID numbers as text, and a
        sheet of instructions."""
        return _download(templates.template_xlsx(), XLSX, "人员导入模板.xlsx")


@blp.route("/imports/template.csv")
class TemplateCsv(MethodView):
    @requires("imports.manage")
    @blp.response(200, content_type=CSV, description="The CSV template")
    def get(self):
        """The staff list header as CSV (UTF-8 with a byte-order mark)."""
        return _download(templates.template_csv(), CSV, "人员导入模板.csv")


@blp.route("/venues/<string:venue_id>/imports")
class VenueImports(MethodView):
    @requires("imports.manage")
    @blp.arguments(schemas.ImportsQuery, location="query")
    @blp.response(200, schemas.ImportsPage)
    def get(self, query, venue_id):
        """The venue's imports, newest first."""
        page, cursor = service.list_imports(
            current_actor(), venue_id, query.get("cursor"), query["limit"]
        )
        return {"items": page, "next_cursor": cursor}

    @requires("imports.manage")
    @upload_limit
    @idempotent
    @blp.arguments(schemas.ImportForm, location="form")
    @blp.arguments(schemas.ImportFile, location="files")
    @blp.response(202, schemas.ImportView)
    def post(self, form, files, venue_id):
        """Upload a staff list (XLSX or CSV, up to 10,000 rows). A file that
        cannot be imported at all is refused at once (422 naming ``file``);
        otherwise its rows are checked and imported in the background: poll
        the import for progress, then download its report."""
        return service.start_import(
            current_actor(), venue_id, files["file"], form["validate_only"]
        )


@blp.route("/imports/<string:import_id>")
class ImportItem(MethodView):
    @requires("imports.manage")
    @blp.response(200, schemas.ImportView)
    def get(self, import_id):
        """One import and its progress."""
        return service.get_import(import_id)


@blp.route("/imports/<string:import_id>/report.csv")
class ImportReportCsv(MethodView):
    @requires("imports.manage")
    @blp.response(200, content_type=CSV, description="The row report")
    def get(self, import_id):
        """Every refused cell and row not imported: row, column, masked value,
        reason (in the language asked for)."""
        batch = service.get_import(import_id)
        language = current_language()
        lines = service.report_lines(current_actor(), batch, language)
        data = service.report_csv(lines, language)
        return _download(data, CSV, f"import-{batch.id}-report.csv")


@blp.route("/imports/<string:import_id>/report.xlsx")
class ImportReportXlsx(MethodView):
    @requires("imports.manage")
    @blp.response(200, content_type=XLSX, description="The row report")
    def get(self, import_id):
        """The same report as an Excel workbook."""
        batch = service.get_import(import_id)
        language = current_language()
        lines = service.report_lines(current_actor(), batch, language)
        data = service.report_xlsx(lines, language)
        return _download(data, XLSX, f"import-{batch.id}-report.xlsx")
