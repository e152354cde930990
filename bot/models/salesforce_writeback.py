"""What tabot last wrote to each Salesforce field of an account (to tell a later change made in
Salesforce from its own), and the accounts Salesforce deleted or merged away."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SalesforceWritten(Base):
    """tabot's last write of one field of one account. A sync that reads another value in that
    field found a change made in Salesforce since: the CRM's where the CRM owns the field (its
    value becomes `value`; `overruled_value` keeps tabot's own value it overruled, so tabot
    writes again only once its value moves on), otherwise a conflict reported once to the
    account's TA (`conflict_value`, the value told about; cleared when the two agree again or
    tabot writes anew). A write held back because a person changed the field between the
    sync's read and its write records the value tabot held back as `value`, with the person's
    as `conflict_value` (recheck.py)."""

    __tablename__ = "salesforce_written"
    __table_args__ = (UniqueConstraint("account_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(32))  # the mapping's [writeback] column: "health", "ta", ...
    field: Mapped[str] = mapped_column(String(80))  # the Salesforce field: "Tabot_Health__c"
    value: Mapped[str] = mapped_column(Text)  # as written ("" for empty)
    written_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    conflict_value: Mapped[str | None] = mapped_column(Text)
    conflict_at: Mapped[dt.datetime | None]
    overruled_value: Mapped[str | None] = mapped_column(Text)


class SalesforceRemoved(Base):
    """An account deleted in Salesforce, or merged into another (`merged_into`, the surviving
    record's Id). tabot keeps the account and everything about it; the sync stops writing to
    it, and its TA was told once (`seen_at`)."""

    __tablename__ = "salesforce_removed"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    salesforce_id: Mapped[str] = mapped_column(String(18))
    merged_into: Mapped[str | None] = mapped_column(String(18))
    seen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
