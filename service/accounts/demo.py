"""Demo accounts and sample cases for `referral init --demo`; refused in production."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

DEMO_PASSWORD = "demo-pass-2026"
OFFICE_ROLES = ("clerk", "investigator", "supervisor")
_ROLE_ZH = {"clerk": "经办员", "investigator": "稽核员", "supervisor": "负责人"}


DEMO_OFFICES = ("jinniu", "pengzhou", "shifang")
DEMO_BUREAUS = ("chengdu", "deyang", "sichuan")


def demo_usernames() -> list[str]:
    return (
        [f"{o}-{r}" for o in DEMO_OFFICES for r in OFFICE_ROLES]
        + [f"{b}-supervisor" for b in DEMO_BUREAUS]
        + ["admin"]
    )


def refuse_demo_in_production(app: Flask) -> None:
    """Production must not run with accounts anyone can look up in the README."""
    from service.accounts.service import demo_accounts_present
    from service.db import get_db

    with get_db(app).session() as db:
        try:
            present = demo_accounts_present(db, usernames=demo_usernames(), password=DEMO_PASSWORD)
        except SQLAlchemyError:  # not migrated yet: there is nothing to refuse
            return
        if present:
            raise RuntimeError(
                "demo accounts with the demo password exist; production refuses to start "
                "(change their passwords or disable them with `referral user`)"
            )


def demo_logins() -> str:
    offices = DEMO_OFFICES
    lines = [f"Demo logins (password for all: {DEMO_PASSWORD}):"]
    for office in offices:
        lines.append("  " + "  ".join(f"{office}-{role}" for role in OFFICE_ROLES))
    lines.append("  chengdu-supervisor  deyang-supervisor  sichuan-supervisor  admin")
    return "\n".join(lines)


def load_demo(db: Session) -> dict:
    from service.accounts import service as accounts
    from service.cases import flows
    from service.general.models import GeneralCaseCreate
    from service.offices.service import all_offices

    users = {}
    for office in all_offices(db):
        roles = OFFICE_ROLES if office.kind == "office" else ("supervisor",)
        for role in roles:
            username = f"{office.code}-{role}"
            users[username] = accounts.add_user(
                db,
                username=username,
                password=DEMO_PASSWORD,
                office_code=office.code,
                role="regional_supervisor" if office.kind == "bureau" else role,
                display_name=f"{office.short_name}{_ROLE_ZH[role]}",
            )
    accounts.add_user(
        db,
        username="admin",
        password=DEMO_PASSWORD,
        office_code="sichuan",
        role="admin",
        display_name="系统管理员",
    )
    samples = [
        (
            "jinniu-clerk",
            "shifang",
            "协助核实参保人员异地就医登记信息",
            "请协助核实我区参保人员在什邡市定点医疗机构的异地就医备案及结算记录。",
        ),
        (
            "pengzhou-clerk",
            "shifang",
            "协助调取定点药店进销存台账",
            "请协助调取贵市某连锁药店分店 2026 年第三季度医保药品进销存台账。",
        ),
        (
            "shifang-clerk",
            "jinniu",
            "协助送达医保待遇核定通知书",
            "请协助向居住在金牛区的参保人员送达待遇核定通知书。",
        ),
    ]
    filed = []
    for username, to, title, description in samples:
        filed.append(
            flows.file_case(
                db,
                actor=users[username],
                data=GeneralCaseCreate(
                    kind="general", receiving_office=to, title=title, description=description
                ),
            )
        )
    flows.open_case(db, actor=users["jinniu-clerk"], case_id=filed[2].id)
    flows.act(
        db, actor=users["jinniu-clerk"], case_id=filed[2].id, action="accept", note="已安排专人送达"
    )
    return {"users": len(users) + 1, "cases": len(filed)}
