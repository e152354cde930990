"""Customer touchpoints: each time the account team spoke with the customer.

The latest one feeds the health trait "last activity" from the team's side and the monthly
"not contacted in 30 days" nudge (the handbook: every customer is contacted at least once a
month).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import Base, utcnow


class Touchpoint(Base):
    __tablename__ = "touchpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    user_id: Mapped[str | None] = mapped_column(String(32))  # who on the team spoke with the customer
    note: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="command")  # command / shortcut / import
    happened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    account: Mapped[Account] = relationship()


Index("ix_touchpoints_account_happened", Touchpoint.account_id, Touchpoint.happened_at)
