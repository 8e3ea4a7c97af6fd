"""Case pages: the office home, the list, the form chooser and each kind's form, the case page."""

from __future__ import annotations

import math

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from pydantic import ValidationError

from service import labels
from service.accounts.models import Role
from service.accounts.service import users_by_id
from service.attachments.views import accepts_uploads
from service.audit.service import client_ip
from service.cases import flows, service
from service.cases.forms import ActionForm
from service.cases.kinds import UnknownKind, registry
from service.cases.rules import FINAL, Side, Status, offices_for
from service.db import MAX_ROW_ID, get_session
from service.errors import DomainError, NotFound
from service.forms import show_error
from service.notifications import service as notifications
from service.offices import service as offices
from service.sla import service as sla
from service.validation import domain_error_from, whole_number

bp = Blueprint("cases", __name__, template_folder="templates")


def _office_names() -> dict[str, str]:
    return {o.code: o.short_name for o in offices.all_offices(get_session())}


@bp.get("/")
@login_required
def home():
    db = get_session()
    if current_user.role == Role.admin:
        return render_template("cases/admin_home.html")
    open_cases, _cursor = service.list_cases(
        db, actor=current_user, flt=service.CaseFilter(open_only=True), limit=10
    )
    items, _cursor = notifications.inbox(db, actor=current_user, unread=True, limit=5)
    return render_template(
        "cases/home.html",
        open_cases=open_cases,
        waiting_total=service.count_waiting(db, actor=current_user),
        open_total=service.count_cases(
            db, actor=current_user, flt=service.CaseFilter(open_only=True)
        ),
        inbox_items=items,
        office_names=_office_names(),
        remaining=sla.remaining_for(db, open_cases),
        overdue_total=service.count_cases(
            db, actor=current_user, flt=service.CaseFilter(open_only=True, overdue=True)
        ),
    )


@bp.get("/cases")
@login_required
def case_list():
    db = get_session()
    args = request.args
    status = args.get("status") or None
    kind = args.get("kind") or None
    office = args.get("office") or None
    all_offices = offices.all_offices(db)
    kind = kind if kind in registry() else None
    # the steps of the chosen kind (its business_steps); a step of no chosen kind is ignored
    steps = registry().get(kind).business_steps if kind else {}
    step = args.get("step") or None
    flt = service.CaseFilter(
        kind=kind,
        status=status if status in labels.STATUS else None,
        step=step if step in steps else None,
        office=office if office in {o.code for o in all_offices} else None,
        q="".join(c for c in (args.get("q") or "") if c.isprintable()).strip()[:100] or None,
        open_only=args.get("open") == "1",
        overdue=args.get("overdue") == "1",
        waiting=args.get("waiting") == "1",
        by_urgency=args.get("sort") == "urgency",
    )
    per_page = current_app.config["REFERRAL"].page_size
    # No page lies beyond the last row there could ever be (nor an OFFSET the database takes).
    page = whole_number(args.get("page"), maximum=MAX_ROW_ID // per_page + 1) or 1
    rows, total = service.page_cases(db, actor=current_user, flt=flt, page=page, per_page=per_page)
    return render_template(
        "cases/list.html",
        cases=rows,
        remaining=sla.remaining_for(db, rows),
        total=total,
        page=page,
        pages=max(1, math.ceil(total / per_page)),
        flt=flt,
        offices=all_offices,
        office_names={o.code: o.short_name for o in all_offices},
        kinds=list(registry()),
        steps=steps,
    )


@bp.get("/cases/new")
@login_required
def choose_kind():
    """The form chooser: the kinds the user's role may file."""
    kinds = registry().with_forms(current_user.role)
    if not kinds:
        abort(404)
    return render_template("cases/choose.html", kinds=kinds)


@bp.route("/cases/new/<kind_code>", methods=["GET", "POST"])
@login_required
@accepts_uploads()
def new_case(kind_code: str):
    db = get_session()
    try:
        kind = registry().get(kind_code)
    except UnknownKind:
        abort(404)
    if current_user.role not in kind.filing_roles or kind.form is None:
        abort(404)
    form = kind.form()
    context = kind.form_context(form, db, current_user) if kind.form_context else {}
    status = 200
    if request.method == "POST" and kind.preview is not None and request.form.get("preview"):
        # shown again with what the kind computes from it; nothing is filed
        status = 200 if form.validate_on_submit() else 422
        if status == 200:
            try:
                context.update(kind.preview(form, db, current_user) or {})
            except ValidationError as exc:
                show_error(form, domain_error_from(exc))
                status = 422
            except DomainError as error:
                show_error(form, error)
                status = error.status
    elif request.method == "POST":
        if form.validate_on_submit():
            try:
                data = kind.create_model.model_validate(kind.form_data(form))
                case = flows.file_case(
                    db,
                    actor=current_user,
                    data=data,
                    ip=client_ip(),
                    attach=_uploads(form),
                )
            except ValidationError as exc:
                show_error(form, domain_error_from(exc))
                status = 422
            except DomainError as error:
                db.rollback()
                show_error(form, error)
                status = error.status
            else:
                flash(_("Request %(number)s was sent.", number=case.number), "success")
                return redirect(url_for("cases.detail", case_id=case.id))
        else:
            status = 422
    return render_template(
        "cases/new.html", kind=kind, form=form, office_names=_office_names(), **context
    ), status


def _uploads(form):
    """Evidence files posted with a form, attached in the same transaction as the step."""
    files = [
        f for f in (getattr(form, "files", None) and form.files.data or []) if f and f.filename
    ]
    if not files:
        return None
    from service.attachments import service as attachments

    return lambda case: attachments.attach_uploads(
        get_session(), actor=current_user, case=case, files=files, ip=client_ip()
    )


@bp.get("/cases/<id:case_id>")
@login_required
def detail(case_id: int):
    db = get_session()
    try:
        case = flows.open_case(db, actor=current_user, case_id=case_id, ip=client_ip())
    except NotFound:
        abort(404)
    return _render_detail(case, ActionForm(formdata=None))


def _render_detail(case, form: ActionForm, status: int = 200):
    db = get_session()
    events = service.timeline(db, case=case)
    users = users_by_id(db, {e.actor_id for e in events} | {case.received_by, case.created_by})
    kind = service.kind_of(case)
    actions = service.actions_for(db, case, current_user)
    facts = service.facts(db, case)
    clocks = sla.clocks_of(db, case=case)
    form.version.data = str(case.version)
    if not form.title.data:
        form.title.data = case.title
    if not form.description.data:
        form.description.data = case.description
    return render_template(
        "cases/detail.html",
        case=case,
        events=events,
        users=users,
        actions=actions,
        transitions=kind.workflow.transitions,
        needs_reason=[a for a in actions if kind.workflow.transitions[a].reason_required],
        form=form,
        kind=kind,
        details=service.details_of(db, case) if kind.details_template else None,
        personal_in_full=service.sees_in_full(db, case, current_user),
        assisting=offices_for(facts, Side.assisting),
        office_names=_office_names(),
        agreement=offices.agreement_between(db, case.filing_office, case.receiving_office),
        clocks=clocks,
        may_decide={
            v.clock.id: sla.may_decide(db, current_user, v.rule, v.clock.owing_office)
            for v in clocks
        },
        final=Status(case.status) in FINAL,
        receipts=notifications.receipts(
            db, sender_office=current_user.office_code, case_id=case.id
        ),
    ), status


@bp.post("/cases/<id:case_id>/act")
@login_required
@accepts_uploads()
def act(case_id: int):
    db = get_session()
    form = ActionForm()
    if form.validate_on_submit():
        try:
            version = int(form.version.data) if form.version.data else None
        except ValueError:
            version = None
        try:
            case = flows.act(
                db,
                actor=current_user,
                case_id=case_id,
                action=form.action.data,
                reason=(form.reason.data or "").strip(),
                note=(form.note.data or "").strip(),
                expected_version=version,
                changes={
                    "title": (form.title.data or "").strip() or None,
                    "description": (form.description.data or "").strip()
                    if form.description.data is not None
                    else None,
                },
                ip=client_ip(),
                attach=_uploads(form) if form.action.data == "resubmit" else None,
            )
        except NotFound:
            abort(404)
        except DomainError as error:
            db.rollback()
            show_error(form, error)
            case = service.get_visible(db, actor=current_user, case_id=case_id)
            return _render_detail(case, form, error.status)
        flash(
            _("Done: %(action)s.", action=labels.ACTION.get(form.action.data, form.action.data)),
            "success",
        )
        return redirect(url_for("cases.detail", case_id=case.id))
    try:
        case = service.get_visible(db, actor=current_user, case_id=case_id)
    except NotFound:
        abort(404)
    return _render_detail(case, form, 422)
