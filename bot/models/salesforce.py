"""Where the Salesforce sync got to: the last SystemModstamp read per object."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, utcnow


class SalesforceSyncState(Base):
    __tablename__ = "salesforce_sync_state"

    sobject: Mapped[str] = mapped_column(String(64), primary_key=True)  # "Account", "Opportunity", "Contact"
    # Salesforce's text, used as is in the next `WHERE SystemModstamp > ...`
    last_modstamp: Mapped[str] = mapped_column(String(40))
    synced_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
