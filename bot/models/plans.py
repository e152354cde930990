"""Quarterly account plans and success plans."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from .account import Account
from .base import Base, utcnow


class _QuarterlyPlan:
    """Columns shared by both quarterly plans: one per account and fiscal quarter."""

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int]
    fiscal_quarter: Mapped[int]
    author: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime | None]
    updated_by: Mapped[str | None] = mapped_column(String(32))
    # The plan's sections as the modal collected them (section name -> text or list).
    sections: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    @declared_attr
    def account_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)

    @declared_attr
    def account(cls) -> Mapped[Account]:
        return relationship()

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        # the planning job and the Home tab look plans up by quarter
        return (
            UniqueConstraint("account_id", "fiscal_year", "fiscal_quarter"),
            Index(f"ix_{cls.__tablename__}_quarter", "fiscal_year", "fiscal_quarter"),  # type: ignore[attr-defined]
        )

    @property
    def label(self) -> str:
        return f"FY{self.fiscal_year}-Q{self.fiscal_quarter}"


class AccountPlan(_QuarterlyPlan, Base):
    __tablename__ = "account_plans"


class SuccessPlan(_QuarterlyPlan, Base):
    __tablename__ = "success_plans"
