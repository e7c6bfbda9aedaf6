"""The small-table session: the stored table plan, `tables` to read it, and `tables assign`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.app import Context
    from bot.reply import Reply

PLAN_SETTING = "table_plan"


@dataclass(frozen=True)
class Table:
    number: int
    area: str
    proposals: tuple[int, ...]
    people: tuple[str, ...]  # person keys

    def to_dict(self) -> dict[str, Any]:
        return {"number": self.number, "area": self.area, "proposals": list(self.proposals),
                "people": list(self.people)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Table:
        return cls(d["number"], d["area"], tuple(d["proposals"]), tuple(d["people"]))


@dataclass(frozen=True)
class TablePlan:
    tables: tuple[Table, ...]
    made_at: str
    problems: tuple[str, ...] = ()  # hard rules the plan could not keep, in words

    def to_dict(self) -> dict[str, Any]:
        return {"tables": [t.to_dict() for t in self.tables], "made_at": self.made_at,
                "problems": list(self.problems)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TablePlan:
        return cls(tuple(Table.from_dict(t) for t in d["tables"]), d["made_at"],
                   tuple(d.get("problems", ())))

    def table_of(self, person_key: str) -> Table | None:
        return next((t for t in self.tables if person_key in t.people), None)


def load_plan(ctx: Context) -> TablePlan | None:
    doc = ctx.records.setting(PLAN_SETTING)
    return TablePlan.from_dict(doc) if doc else None


def show(ctx: Context, rest: str) -> Reply:
    plan = load_plan(ctx)
    if plan is None:
        return ctx.reply(lines=(ctx.t("tables.none"),))
    names = {p.key: p.name for p in ctx.records.people()}
    lines: list[str] = []
    mine = plan.table_of(ctx.person.key)
    lines.append(ctx.t("tables.yours", n=mine.number) if mine else ctx.t("tables.not_seated"))
    for table in plan.tables:
        area = ctx.seminar.area(table.area)
        lines.append("")
        lines.append(ctx.t("tables.table", n=table.number, area=area.name if area else table.area,
                           refs=", ".join(f"P-{n}" for n in table.proposals)))
        lines.append(ctx.t("tables.people", names=", ".join(names.get(k, k)
                                                           for k in table.people)))
    lines.extend(plan.problems)
    return ctx.reply(title=ctx.t("tables.title"), lines=tuple(lines))


def assign(ctx: Context, rest: str) -> Reply:
    """Seat proposals and people at the tables (the planner arrives with the tables work)."""
    ctx.fail("tables.none")
