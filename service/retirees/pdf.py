"""The retiree result letter (缴费年限核定结果告知书) as a PDF: what the letter page shows, in the
shared layout (service.documents), issued in the settling office's name."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import pgettext

from service.documents import Document, Table, render_pdf
from service.i18n import format_local


def _confidence(code: str) -> str:
    if code == "L":
        return _("from the law's text")
    if code == "R":
        return _("reported, to be checked")
    return _("working assumption, to be confirmed")


def letter_pdf(case, details, *, pools: dict, office_name: str, office_names: dict) -> bytes:
    def pool(code: str) -> str:
        return pools[code].name if code in pools else code

    shortfall = f"{details.shortfall_years:.1f} " + (
        _("minimum met") if details.shortfall_years == 0 else _("to be paid up")
    )
    settling = (
        f"{office_names.get(details.settling_office, details.settling_office)}"
        f"（{pool(details.settling_pool)}） {_confidence(details.settlement_confidence)}"
    )
    date = format_local(case.updated_at, "%Y-%m-%d")
    doc = Document(
        title=_("Contribution years result letter"),
        office_label=_("Issued by"),
        office=office_name,
        date_label=_("Date"),
        date=date,
        labelled=pgettext("document", "%(label)s: %(value)s", label="{label}", value="{value}"),
        page_label=pgettext(
            "document", "Page %(page)s of %(pages)s", page="{page}", pages="{pages}"
        ),
        reference=case.number,
        facts=[
            (_("Case number"), case.number),
            (_("Name"), details.person_name),
            (_("ID number"), details.id_number),
            (_("Sex"), _("Male") if details.sex == "male" else _("Female")),
            (_("Birth date"), details.birth_date.isoformat()),
            (_("Retirement date"), details.retirement_date.isoformat()),
        ],
        table=Table(
            headings=[
                _("Pool"),
                _("From (YYYY-MM)"),
                _("To (YYYY-MM)"),
                _("Actual years"),
                _("Deemed years"),
            ],
            rows=[
                [
                    pool(p.get("pool_code", "")),
                    p.get("start", ""),
                    p.get("end", ""),
                    p.get("actual_years", ""),
                    p.get("deemed_years", ""),
                ]
                for p in details.periods
            ],
        ),
        after=[
            (_("Total years"), f"{details.total_years:.1f}"),
            (
                _("Minimum years"),
                f"{details.minimum_years:.1f} {_confidence(details.minimum_confidence)}",
            ),
            (_("Shortfall"), shortfall),
            (_("Settling office"), settling),
            (_("Date"), date),
        ],
        notes=(
            [_("Provisional: not yet confirmed by the settling office.")]
            if case.status != "completed"
            else []
        ),
    )
    return render_pdf(doc)
