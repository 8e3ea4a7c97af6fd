"""Retiree contribution years (退休人员缴费年限核定) through the API and the web form: filed with
the computed total, minimum, shortfall and settling office, routed to that office, every bad
input refused on its field, a third office kept out, and the form's "计算" preview."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.services

MALE_ID = "510106196605010019"  # born 1966-05-01, male
FEMALE_ID = "510682197003150020"  # born 1970-03-15, female


def rows(**filled) -> dict:
    """Every field of the form's four period rows, as a browser posts them (blank ones too)."""
    names = ("pool_code", "start", "end", "actual_years", "deemed_years")
    return {f"periods-{i}-{n}": "" for i in range(4) for n in names} | filled


def body(**change) -> dict:
    data = {
        "kind": "retiree",
        "person": {"name": "张三", "id_number": MALE_ID, "phone": "028-8888 6666"},
        "sex": "male",
        "birth_date": "1966-05-01",
        "retirement_date": "2026-05-01",
        "periods": [
            {
                "pool_code": "510100",
                "start": "1990-01",
                "end": "2009-12",
                "actual_years": "17.5",
                "deemed_years": "2.5",
            },
            {"pool_code": "510600", "start": "2010-01", "end": "2026-04", "actual_years": "4"},
        ],
    }
    data.update(change)
    return data


def errors(response) -> dict[str, str]:
    assert response.status_code == 422, response.get_json()
    return {e["field"]: e["message"] for e in response.get_json()["errors"]}


def test_a_retiree_case_carries_the_assessment_and_goes_to_the_settling_office(api):
    jinniu, shifang = api("jinniu-clerk"), api("shifang-clerk")
    filed = jinniu.post("/cases", json=body())
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert (case["kind"], case["receiving_office"], case["status"]) == (
        "retiree",
        "shifang",
        "requested",
    )
    assert "张三" in case["title"]
    details = case["details"]
    assert details["total_years"] == "24.0"
    assert details["minimum_years"] == "25.0"
    assert details["shortfall_years"] == "1.0"
    assert details["minimum_met"] is False
    assert (details["settling_pool"], details["settling_office"]) == ("510600", "shifang")
    assert details["confidence"] == {"minimum_years": "C", "settling_office": "C"}
    assert details["person"]["id_number"] == MALE_ID
    assert details["periods"][0]["deemed_years"] == "2.5"
    assert case["due_at"] is not None  # the settling office's clock runs from filing

    # the settling office sees it, answers, and confirms the years
    assert shifang.get(f"/cases/{case['id']}").get_json()["details"] == details
    assert shifang.act(case["id"], "return").status_code == 422  # a reason is required
    assert shifang.act(case["id"], "return", reason="请补充视同缴费证明").status_code == 200
    assert jinniu.act(case["id"], "resubmit").get_json()["status"] == "requested"
    accepted = shifang.act(case["id"], "accept")
    assert accepted.get_json()["owner_office"] == "shifang"
    assert jinniu.act(case["id"], "complete").status_code == 403
    assert shifang.act(case["id"], "complete").get_json()["status"] == "completed"
    timeline = [e["action"] for e in jinniu.get(f"/cases/{case['id']}/timeline").get_json()]
    assert timeline == ["file", "receive", "return", "resubmit", "accept", "complete"]
    # lists carry no details (no identifier in a list)
    listed = jinniu.get("/cases?kind=retiree").get_json()["items"]
    assert [c["id"] for c in listed] == [case["id"]] and listed[0]["details"] is None


def test_a_woman_meeting_the_chengdu_minimum_is_routed_to_the_office_the_filer_names(api):
    shifang = api("shifang-clerk")
    data = body(
        person={"name": "李四", "id_number": FEMALE_ID},
        sex="female",
        birth_date="1970-03-15",
        retirement_date="2025-03-15",
        periods=[
            {"pool_code": "510600", "start": "1992-01", "end": "2001-12", "actual_years": "10"},
            {"pool_code": "510100", "start": "2002-01", "end": "2025-02", "actual_years": "12.3"},
        ],
    )
    # two offices in the Chengdu pool: the filer names one
    assert "receiving_office" in errors(shifang.post("/cases", json=data))
    filed = shifang.post("/cases", json={**data, "receiving_office": "pengzhou"})
    assert filed.status_code == 201, filed.get_json()
    case = filed.get_json()
    assert case["receiving_office"] == "pengzhou"
    assert case["details"]["total_years"] == "22.3"
    assert case["details"]["minimum_years"] == "20.0"
    assert case["details"]["shortfall_years"] == "0.0"
    assert case["details"]["minimum_met"] is True
    assert case["details"]["confidence"]["minimum_years"] == "R"
    # the third office is not party to it: 404, and not listed
    jinniu = api("jinniu-clerk")
    assert jinniu.get(f"/cases/{case['id']}").status_code == 404
    assert jinniu.act(case["id"], "accept").status_code == 404
    assert jinniu.get("/cases?kind=retiree").get_json()["items"] == []


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"receiving_office": "pengzhou"}, "receiving_office", "510600"),
        ({"receiving_office": "jinniu"}, "receiving_office", "本单位"),
        ({"sex": "female"}, "sex", "与公民身份号码"),
        ({"sex": "x"}, "sex", "male"),
        ({"birth_date": "1966-05-02"}, "birth_date", "1966-05-01"),
        ({"birth_date": "1966/05/01"}, "birth_date", "YYYY-MM-DD"),
        ({"retirement_date": "1960-01-01"}, "retirement_date", "晚于出生日期"),
        ({"person": {"name": "张三", "id_number": "510106196605010018"}}, "person.id_number", ""),
        ({"periods": []}, "periods", ""),
        (
            {"periods": [{"pool_code": "510100", "start": "2000-13", "end": "2001-01"}]},
            "periods[0].start",
            "YYYY-MM",
        ),
        (
            {
                "periods": [
                    {
                        "pool_code": "510700",
                        "start": "2000-01",
                        "end": "2001-01",
                        "actual_years": "1",
                    }
                ]
            },
            "periods[0].pool_code",
            "510700",
        ),
        (
            {
                "periods": [
                    {
                        "pool_code": "510100",
                        "start": "2000-01",
                        "end": "2010-06",
                        "actual_years": 10,
                    },
                    {
                        "pool_code": "510600",
                        "start": "2010-06",
                        "end": "2026-04",
                        "actual_years": 15,
                    },
                ]
            },
            "periods[1].start",
            "重叠",
        ),
    ],
)
def test_bad_input_is_refused_on_its_field_with_a_message(api, change, field, message):
    found = errors(api("jinniu-clerk").post("/cases", json=body(**change)))
    assert field in found, found
    assert message in found[field]


def test_the_form_calculates_before_filing_and_files_to_the_settling_office(app, client, auth, api):
    auth.login("jinniu-clerk")
    page = client.get("/cases/new/retiree")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="preview"' in html and 'name="periods-3-start"' in html
    assert 'data-confidence="C"' in html  # Deyang's minimum and the settling rule: assumptions
    form = rows(
        **{
            # a blank first row is ignored; the filled rows come first afterwards
            "periods-1-pool_code": "510100",
            "periods-1-start": "1990-01",
            "periods-1-end": "2009-12",
            "periods-1-actual_years": "17.5",
            "periods-1-deemed_years": "2.5",
            "periods-2-pool_code": "510600",
            "periods-2-start": "2010-01",
            "periods-2-end": "2026-04",
            "periods-2-actual_years": "4",
        }
    ) | {
        "person-name": "张三",
        "person-id_number": MALE_ID,
        "sex": "male",
        "birth_date": "1966-05-01",
        "retirement_date": "2026-05-01",
    }
    preview = client.post("/cases/new/retiree", data={**form, "preview": "1"})
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert 'id="total-years">24.0<' in html
    assert 'id="minimum-years">25.0' in html
    assert 'id="shortfall-years">1.0' in html
    assert "什邡" in html.split('id="settling-office">', 1)[1].split("</dd>", 1)[0]
    assert api("jinniu-clerk").get("/cases?kind=retiree").get_json()["items"] == []  # nothing filed

    # a mistake in a row is shown on that row, what was typed kept
    bad = client.post(
        "/cases/new/retiree", data={**form, "periods-2-end": "2026-4", "preview": "1"}
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'data-field="periods-2-end"' in html and 'value="2026-4"' in html

    filed = client.post("/cases/new/retiree", data=form)
    assert filed.status_code == 302, filed.get_data(as_text=True)
    page = client.get(filed.headers["Location"]).get_data(as_text=True)
    assert 'id="retiree-details"' in page
    assert 'id="shortfall-years">1.0' in page
    assert "什邡 (德阳市)" in page and "<td>成都市</td>" in page
    assert MALE_ID in page  # the filing office is party: the full number


def test_the_form_says_which_offices_may_settle_when_the_pool_has_two(client, auth):
    auth.login("shifang-clerk")
    form = rows() | {
        "person-name": "李四",
        "person-id_number": FEMALE_ID,
        "sex": "female",
        "birth_date": "1970-03-15",
        "retirement_date": "2025-03-15",
        "periods-0-pool_code": "510100",
        "periods-0-start": "2002-01",
        "periods-0-end": "2025-02",
        "periods-0-actual_years": "12.3",
        "preview": "1",
    }
    preview = client.post("/cases/new/retiree", data=form)
    assert preview.status_code == 200
    settling = preview.get_data(as_text=True).split('id="settling-office">', 1)[1]
    settling = settling.split("</dd>", 1)[0]
    assert "金牛" in settling and "彭州" in settling
    assert 'id="shortfall-years">7.7' in preview.get_data(as_text=True)
    # filing without naming one is refused on the field
    del form["preview"]
    refused = client.post("/cases/new/retiree", data=form)
    assert refused.status_code == 422
    assert 'data-field="receiving_office"' in refused.get_data(as_text=True)


def test_the_result_letter_prints_for_the_parties_and_every_opening_is_audited(
    app, client, auth, api
):
    from sqlmodel import select

    from service.audit.models import AuditEntry
    from service.db import get_db

    shifang = api("shifang-clerk")
    case = api("jinniu-clerk").post("/cases", json=body()).get_json()
    auth.login("jinniu-clerk")
    detail = client.get(f"/cases/{case['id']}").get_data(as_text=True)
    assert f"/cases/{case['id']}/retiree-letter" in detail
    letter = client.get(f"/cases/{case['id']}/retiree-letter")
    assert letter.status_code == 200
    html = letter.get_data(as_text=True)
    assert MALE_ID in html and 'id="provisional"' in html
    assert 'id="shortfall-years">1.0' in html and "什邡" in html
    shifang.act(case["id"], "accept")
    shifang.act(case["id"], "complete")
    assert 'id="provisional"' not in client.get(f"/cases/{case['id']}/retiree-letter").get_data(
        as_text=True
    )
    with get_db(app).session() as db:
        opened = db.exec(select(AuditEntry).where(AuditEntry.action == "retiree.letter_view")).all()
    assert len(opened) == 2
    # an office not party to the case, and a case of another kind: 404
    auth.logout()
    auth.login("pengzhou-clerk")
    assert client.get(f"/cases/{case['id']}/retiree-letter").status_code == 404
    general = api("pengzhou-clerk").file(to="shifang").get_json()
    assert client.get(f"/cases/{general['id']}/retiree-letter").status_code == 404
