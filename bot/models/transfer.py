"""TA-to-TA account transfers: the outgoing TA's handoff notes and the manager's decision."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account, _enum
from .base import Base, utcnow


class TransferStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"


class TaTransfer(Base):
    """One request to hand an account from its TA to another, with the handoff notes
    (`templates/ta_transfer.md.j2`). The account changes hands only when a TA manager (or TS
    leadership) approves; a declined request changes nothing."""

    __tablename__ = "ta_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    from_user_id: Mapped[str | None] = mapped_column(String(32))  # the outgoing TA (none if unassigned)
    to_user_id: Mapped[str] = mapped_column(String(32))
    requested_by: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[TransferStatus] = mapped_column(
        _enum(TransferStatus, "transfer_status"), default=TransferStatus.REQUESTED
    )
    # The handoff notes, as the outgoing TA wrote them.
    account_state: Mapped[str] = mapped_column(Text, default="")
    open_plans: Mapped[str] = mapped_column(Text, default="")
    relationships: Mapped[str] = mapped_column(Text, default="")
    risks: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[dt.datetime | None]
    # What moved to the new TA on approval, in words ("2 save-plan steps"), for the record.
    moved: Mapped[str] = mapped_column(Text, default="")
    # An approved transfer waits for the CRM: until an accounts import names the new TA
    # (`crm_settled_at`), an import still naming the old one keeps the new TA and reminds the
    # TA manager to change the CRM (last told at `crm_reminded_at`).
    crm_settled_at: Mapped[dt.datetime | None]
    crm_reminded_at: Mapped[dt.datetime | None]

    account: Mapped[Account] = relationship()


Index("ix_ta_transfers_account_status", TaTransfer.account_id, TaTransfer.status)
