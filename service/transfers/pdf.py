"""The 参保人员基本医疗保险信息表 as a PDF: the issued form's content in the shared layout
(service.documents), in the reader's language, with its verification code on every page."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from service.documents import Document, Table, render_pdf


def info_form_pdf(form: dict) -> bytes:
    schemes = {
        "employee": _("Employee basic medical insurance"),
        "resident": _("Resident basic medical insurance"),
    }
    reasons = {
        "employment": _("Change of employment"),
        "household": _("Change of household registration"),
        "residence": _("Change of habitual residence"),
    }
    person = form["person"]
    doc = Document(
        title=form["title"],
        office_label=_("Issued by"),
        office=form["issued_by"]["name"],
        date_label=_("Issued on"),
        date=form["issued_on"],
        labelled=pgettext("document", "%(label)s: %(value)s", label="{label}", value="{value}"),
        page_label=pgettext(
            "document", "Page %(page)s of %(pages)s", page="{page}", pages="{pages}"
        ),
        reference=form["case_number"],
        facts=[
            (_("Case number"), form["case_number"]),
            (_("Issued by"), form["issued_by"]["name"]),
            (_("Issued on"), form["issued_on"]),
            (_("Transfer-in office"), form["transfer_in_office"]["name"]),
            (_("Name"), person.get("name", "")),
            (_("Citizen ID number"), person.get("id_number", "")),
            (
                _("Scheme at the transfer-out place"),
                schemes.get(form["scheme_out"], form["scheme_out"]),
            ),
            (
                _("Scheme at the transfer-in place"),
                schemes.get(form["scheme_in"], form["scheme_in"]),
            ),
            (_("Enrolment suspended on"), form["suspended_on"]),
            (_("Reason for the transfer"), reasons.get(form["reason"], form["reason"])),
            (_("Personal account balance (yuan)"), form["account_balance"]),
        ],
        table=Table(
            headings=[
                _("Pool code"),
                _("From (YYYY-MM)"),
                _("To (YYYY-MM)"),
                _("Actual years"),
                _("Deemed years"),
            ],
            rows=[
                [
                    p.get("pool_code", ""),
                    p.get("start", ""),
                    p.get("end", ""),
                    p.get("actual_years", ""),
                    p.get("deemed_years", ""),
                ]
                for p in form["periods"]
            ],
        ),
        code_label=_("Verification code"),
        code=form["verification_code"],
    )
    return render_pdf(doc)
