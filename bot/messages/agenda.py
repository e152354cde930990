"""The Lighthouse agenda: what goes in it (`build_agenda`) and its Slack messages.

The agenda is a short parent message plus one threaded reply per account, and the whole
agenda as an attached Markdown file, so 40 accounts never make a truncated or rejected
message (each reply stays under 50 blocks and 3,000 characters a text). The parent shows the
program chart (accounts in Lighthouse and ARR at risk at each of the last meetings) in an
image block naming the chart's private upload.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ..clock import local_day
from ..models import Account, PlanUpdate, SavePlan
from ..rules.lighthouse import ProgramPoint, is_new_entrant, period_words, updates_heard_since
from ..store.save_plans import last_update_at
from ..text import day, escape_mrkdwn, mention, money, truncate
from .blocks import context, header, plain, section

MAX_BLOCKS = 50
SECTION_TEXT = 2900
PROGRAM_MEETINGS = 12  # meetings the program chart shows, the one ahead included
ALT_TEXT_MAX = 2000


@dataclass
class AgendaItem:
    plan: SavePlan
    account: Account
    new: bool
    recent_updates: list[PlanUpdate]
    stale: bool
    met: int
    total: int
    days_in_program: int


@dataclass
class Agenda:
    meeting: dt.date
    new_entrants: list[AgendaItem] = field(default_factory=list)
    existing: list[AgendaItem] = field(default_factory=list)
    ready: list[AgendaItem] = field(default_factory=list)
    exited: list[SavePlan] = field(default_factory=list)
    recent_days: int = 14  # the meeting hears the updates of this many days before it

    @property
    def recent_period(self) -> str:
        return period_words(self.recent_days)

    @property
    def items(self) -> list[AgendaItem]:
        return self.new_entrants + self.existing

    @property
    def arr_at_stake(self) -> Decimal:
        return sum((i.account.arr or Decimal(0) for i in self.items), Decimal(0))

    @property
    def summary(self) -> str:
        stale = sum(1 for i in self.existing if i.stale)
        accounts = "1 account" if len(self.items) == 1 else f"{len(self.items)} accounts"
        return (
            f"{accounts} in the program, {money(self.arr_at_stake)} ARR at stake: "
            f"{len(self.new_entrants)} new, {len(self.existing)} existing ({stale} with no update in {self.recent_period}), "
            f"{len(self.ready)} ready to exit, {len(self.exited)} exited since the last meeting."
        )


def build_agenda(
    plans: list[SavePlan],
    exited: list[SavePlan],
    meeting: dt.date,
    previous_meeting_at: dt.datetime | None,
    now: dt.datetime,
    *,
    meeting_at: dt.datetime | None = None,
    recent_days: int = 14,
) -> Agenda:
    """What the meeting at `meeting_at` hears, as known at `now` (when the agenda is posted)."""
    agenda = Agenda(meeting=meeting, exited=exited, recent_days=recent_days)
    since = updates_heard_since(meeting_at or now, recent_days)
    for plan in sorted(plans, key=lambda p: (p.entered_lighthouse_at or p.opened_at, p.id)):
        entered = plan.entered_lighthouse_at or plan.opened_at
        updates = [u for u in plan.updates if since <= u.posted_at <= now]
        item = AgendaItem(
            plan=plan,
            account=plan.account,
            new=is_new_entrant(entered, previous_meeting_at),
            recent_updates=sorted(updates, key=lambda u: u.posted_at, reverse=True),
            stale=last_update_at(plan) < since,
            met=sum(1 for c in plan.criteria if c.met_at),
            total=len(plan.criteria),
            days_in_program=(now - entered).days,
        )
        (agenda.new_entrants if item.new else agenda.existing).append(item)
        if item.total and item.met == item.total:
            agenda.ready.append(item)
    return agenda


def _chunks(text: str) -> list[str]:
    return [text[i : i + SECTION_TEXT] for i in range(0, len(text), SECTION_TEXT)] or [""]


# --- the program chart ---------------------------------------------------------------------------
def program_chart_title(points: list[ProgramPoint]) -> str:
    return f"Lighthouse: accounts in the program and ARR at risk, last {len(points)} meetings"


def program_chart_filename(meeting: dt.date, now: dt.datetime) -> str:
    """Unique per run, so a worker recovering the upload finds this one by its name."""
    return f"lighthouse-program-{meeting.isoformat()}-{now:%Y%m%d%H%M%S%f}.png"


def program_png(points: list[ProgramPoint]) -> bytes:
    """The chart as a PNG; the last point is the meeting ahead, counted when the agenda is posted."""
    from ..charts import ProgramChartData, program_chart  # matplotlib loads when first drawn

    return program_chart(
        ProgramChartData(program_chart_title(points), [(p.meeting, p.accounts, float(p.arr_at_risk)) for p in points])
    )


def program_alt_text(points: list[ProgramPoint]) -> str:
    """The chart in words, oldest meeting first."""
    if not points:
        return "No Lighthouse meetings yet."
    *held, ahead = points
    words = [f"{p.meeting:%b %-d %Y}: {p.accounts} ({money(p.arr_at_risk)})" for p in held]
    words.append(f"now, for the meeting of {ahead.meeting:%b %-d %Y}: {ahead.accounts} ({money(ahead.arr_at_risk)})")
    return truncate("Accounts in Lighthouse (ARR at risk) at each meeting: " + "; ".join(words) + ".", ALT_TEXT_MAX)


def program_image_block(file_id: str, points: list[ProgramPoint]) -> dict[str, Any]:
    return {
        "type": "image",
        "slack_file": {"id": file_id},
        "alt_text": program_alt_text(points),
        "title": plain(program_chart_title(points), 2000),
    }


def agenda_parent(
    agenda: Agenda, meeting_at: dt.datetime, *, chart_file: str | None = None, program: list[ProgramPoint] | None = None
) -> tuple[str, list[dict[str, Any]]]:
    """The agenda's parent message; with `chart_file`, showing the program chart of `program`."""
    ready = ", ".join(escape_mrkdwn(i.account.name) for i in agenda.ready) or "none"
    exited = ", ".join(escape_mrkdwn(p.account.name) for p in agenda.exited) or "none"
    blocks = [
        header(f"Lighthouse meeting {meeting_at:%A %Y-%m-%d %H:%M %Z}"),
        section(escape_mrkdwn(agenda.summary)),
        section(truncate(f"*Ready to exit:* {ready}\n*Exited since the last meeting:* {exited}", SECTION_TEXT)),
    ]
    if chart_file is not None and program:
        blocks.append(program_image_block(chart_file, program))
    blocks.append(
        context(
            "One reply per account in this thread: new entrants first, then existing accounts. "
            "The full agenda is attached as a file."
        )
    )
    return escape_mrkdwn(f"Lighthouse agenda for {agenda.meeting}: {agenda.summary}"), blocks


def agenda_item(item: AgendaItem, recent_period: str = "2 weeks", *, tz: dt.tzinfo) -> tuple[str, list[dict[str, Any]]]:
    account, plan = item.account, item.plan
    name = escape_mrkdwn(account.name)
    facts = (
        f"ARR {money(account.arr)} · renews {day(account.renewal_date)} · TA {mention(account.ta_user_id)} · "
        f"AE {mention(account.ae_user_id)} · exec sponsor {mention(plan.exec_sponsor_user_id)}"
    )
    blocks: list[dict[str, Any]] = []
    if item.new:
        blocks.append(section(f":new: *{name}*: new entrant"))
        blocks.append(context(facts))
        blocks += [
            section(c)
            for c in _chunks(
                f"*Problem statement & goal*\n{escape_mrkdwn(plan.problem_statement)}"
                + (f"\n_Goal:_ {escape_mrkdwn(plan.goal)}" if plan.goal else "")
            )
        ]
        lines = []
        for i, criterion in enumerate(plan.criteria, 1):
            lines.append(f"*{i}. {escape_mrkdwn(criterion.description)}*")
            lines += [
                f"      • {escape_mrkdwn(s.description)} ({mention(s.owner_user_id)}, due {day(s.due_date)})"
                for s in criterion.steps
            ]
        blocks += [section(c) for c in _chunks("*Success criteria and save plan*\n" + "\n".join(lines))]
    else:
        flag = f" :warning: *no update in {recent_period}*" if item.stale else ""
        blocks.append(
            section(f"*{name}*: {item.days_in_program} days in the program, {item.met}/{item.total} criteria met{flag}")
        )
        blocks.append(context(facts))
        for update in item.recent_updates:
            text = (
                f"*{local_day(update.posted_at, tz)}* {mention(update.author)}: {escape_mrkdwn(update.what_happened)}"
            )
            for label, value in (("Blockers", update.blockers), ("Risks", update.risks), ("Asks", update.asks)):
                if value:
                    text += f"\n*{label}:* {escape_mrkdwn(value)}"
            blocks += [section(c) for c in _chunks(text)]
        if not item.recent_updates:
            blocks.append(section(f"_No updates in the last {recent_period}._"))
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [context("More in the attached agenda file.")]
    return escape_mrkdwn(f"Lighthouse: {account.name}"), blocks
