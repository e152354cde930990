"""Account save plans: Lighthouse (red) or manager-handled (yellow)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow


class PlanEntry(enum.StrEnum):
    RENEWAL_ASSESSMENT = "renewal_assessment"
    AD_HOC = "ad_hoc"


class PlanStatus(enum.StrEnum):
    OPEN = "open"
    EXITED = "exited"  # success criteria met, Sales and TS leadership agreed
    CLOSED = "closed"  # closed without exit (churned, withdrawn)


class ApproverRole(enum.StrEnum):
    SALES = "sales"
    TS = "ts"


class SavePlan(Base):
    __tablename__ = "save_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    status: Mapped[PlanStatus] = mapped_column(_enum(PlanStatus, "plan_status"), default=PlanStatus.OPEN)
    entry: Mapped[PlanEntry] = mapped_column(_enum(PlanEntry, "plan_entry"))
    in_lighthouse: Mapped[bool] = mapped_column(default=False)
    problem_statement: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text, default="")
    exec_sponsor_user_id: Mapped[str | None] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    entered_lighthouse_at: Mapped[dt.datetime | None]
    exit_proposed_by: Mapped[str | None] = mapped_column(String(32))
    exit_proposed_at: Mapped[dt.datetime | None]
    exit_reason: Mapped[str | None] = mapped_column(Text)  # why exit with criteria unmet
    closed_at: Mapped[dt.datetime | None]

    account: Mapped[Account] = relationship()
    criteria: Mapped[list[SuccessCriterion]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="SuccessCriterion.position"
    )
    updates: Mapped[list[PlanUpdate]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanUpdate.posted_at"
    )
    approvals: Mapped[list[ExitApproval]] = relationship(cascade="all, delete-orphan")


class SuccessCriterion(Base):
    __tablename__ = "success_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("save_plans.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    met_at: Mapped[dt.datetime | None]

    plan: Mapped[SavePlan] = relationship(back_populates="criteria")
    steps: Mapped[list[SaveStep]] = relationship(
        back_populates="criterion", cascade="all, delete-orphan", order_by="SaveStep.position"
    )


class SaveStep(Base):
    __tablename__ = "save_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("success_criteria.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    description: Mapped[str] = mapped_column(Text)
    owner_user_id: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[dt.date | None]
    done_at: Mapped[dt.datetime | None]

    criterion: Mapped[SuccessCriterion] = relationship(back_populates="steps")


class PlanUpdate(Base):
    __tablename__ = "plan_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("save_plans.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    what_happened: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    asks: Mapped[str] = mapped_column(Text, default="")

    plan: Mapped[SavePlan] = relationship(back_populates="updates")


class ExitApproval(Base):
    __tablename__ = "exit_approvals"
    __table_args__ = (UniqueConstraint("plan_id", "approver"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("save_plans.id", ondelete="CASCADE"))
    approver: Mapped[str] = mapped_column(String(32))
    role: Mapped[ApproverRole] = mapped_column(_enum(ApproverRole, "approver_role"))
    approved_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
