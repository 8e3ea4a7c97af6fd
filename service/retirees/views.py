"""The retiree kind's own page: the printable result letter (缴费年限核定结果告知书)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from service.audit.service import client_ip
from service.db import get_session
from service.errors import NotFound
from service.offices import service as offices
from service.retirees import service

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
