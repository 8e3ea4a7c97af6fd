"""The retiree kind's own page: the printable result letter (缴费年限核定结果告知书)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_babel import gettext
from flask_login import current_user, login_required

from service.audit.service import client_ip
from service.db import get_session
from service.documents import pdf_response
from service.errors import NotFound
from service.offices import service as offices
from service.retirees import service
from service.retirees.pdf import letter_pdf

bp = Blueprint("retirees", __name__, template_folder="templates")


@bp.app_template_global("retiree_pool_name")
def pool_name(code: str) -> str:
    """A pool's name from config/pools.toml (its code when it has none there)."""
    rule = service.pool_config().pools.get(code)
    return rule.name if rule else code


@bp.get("/cases/<id:case_id>/retiree-letter")
@login_required
def letter(case_id: int):
    db = get_session()
    try:
        case, details = service.open_letter(db, actor=current_user, case_id=case_id, ip=client_ip())
    except NotFound:
        abort(404)
    return render_template(
        "retirees/letter.html",
        case=case,
        details=details,
        pools=service.pool_config().pools,
        office=offices.get_office(db, details.settling_office),
        office_names={o.code: o.short_name for o in offices.all_offices(db)},
    )


@bp.get("/cases/<id:case_id>/retiree-letter.pdf")
@login_required
def letter_download(case_id: int):
    """The result letter as a PDF download; each download audited (``retiree.letter_pdf``)."""
    db = get_session()
    try:
        case, details = service.open_letter(
            db, actor=current_user, case_id=case_id, ip=client_ip(), action="retiree.letter_pdf"
        )
    except NotFound:
        abort(404)
    office = offices.get_office(db, details.settling_office)
    data = letter_pdf(
        case,
        details,
        pools=service.pool_config().pools,
        office_name=office.name if office else details.settling_office,
        office_names={o.code: o.short_name for o in offices.all_offices(db)},
    )
    return pdf_response(
        data,
        f"{gettext('Contribution years result letter')}-{case.number}.pdf",
        fallback_stem=f"retiree-letter-{case.number}",
    )
