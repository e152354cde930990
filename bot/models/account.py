"""Accounts (the book of business) and their contacts."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, str_enum_values, utcnow


class Segment(enum.StrEnum):
    STRATEGIC = "Strategic"
    ENTERPRISE = "Enterprise"
    MID_MARKET = "Mid-Market"
    SMB = "SMB"


class LifecycleStage(enum.StrEnum):
    PROSPECT = "0. Prospect"
    ONBOARDING = "1. Onboarding"
    ADOPTING = "2. Adopting"
    NURTURING = "3. Nurturing"
    RENEWING = "4. Renewing"


class SalesStage(enum.StrEnum):
    """The opportunity's sales stage: 6 = the economic buyer signed off, 7 = closed won."""

    STAGE_1 = "1"
    STAGE_2 = "2"
    STAGE_3 = "3"
    STAGE_4 = "4"
    STAGE_5 = "5"
    STAGE_6 = "6"
    STAGE_7 = "7"
    CLOSED_LOST = "closed lost"


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    CLOSED_LOST = "closed_lost"
    CHURNED = "churned"


class ContactRole(enum.StrEnum):
    CHAMPION = "Champion"
    DEAL_CONTACT = "Deal Contact"
    INSTANCE_ADMIN = "Instance Admin"
    EXECUTIVE = "Executive"
    ECONOMIC_BUYER = "Economic Buyer"
    END_USER = "End User"
    PROGRAM_CONTACT = "Program Contact"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    return Enum(cls, name=name, values_callable=str_enum_values, native_enum=False, length=32)


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    salesforce_id: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    # Lower-case, accent-free form of the name for type-ahead and matching.
    name_key: Mapped[str] = mapped_column(String(255), index=True)
    tier: Mapped[int | None]
    segment: Mapped[Segment | None] = mapped_column(_enum(Segment, "segment"))
    pooled: Mapped[bool] = mapped_column(default=False)
    scaled: Mapped[bool] = mapped_column(default=False)
    lifecycle_stage: Mapped[LifecycleStage | None] = mapped_column(_enum(LifecycleStage, "lifecycle_stage"))
    sales_stage: Mapped[SalesStage | None] = mapped_column(_enum(SalesStage, "sales_stage"))
    status: Mapped[AccountStatus] = mapped_column(_enum(AccountStatus, "account_status"), default=AccountStatus.ACTIVE)
    support_level: Mapped[str | None] = mapped_column(String(64))
    arr: Mapped[Decimal | None]
    seats: Mapped[int | None]
    close_date: Mapped[dt.date | None]
    contract_start: Mapped[dt.date | None]
    renewal_date: Mapped[dt.date | None] = mapped_column(index=True)
    ta_user_id: Mapped[str | None] = mapped_column(String(32), index=True)
    ae_user_id: Mapped[str | None] = mapped_column(String(32))
    ce_user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="account", cascade="all, delete-orphan", order_by="Contact.id"
    )

    @property
    def team(self) -> list[str]:
        """The account team's Slack user ids (TA, AE, CE), those that are set."""
        return [u for u in (self.ta_user_id, self.ae_user_id, self.ce_user_id) if u]

    def __repr__(self) -> str:
        return f"Account({self.salesforce_id!r}, {self.name!r})"


class Contact(Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("account_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    title: Mapped[str | None] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))
    instance_admin: Mapped[bool] = mapped_column(default=False)
    # when the contacts import first said they left the customer (`status` left/gone); None while
    # current. A gone contact keeps its roles as history but holds none of them now.
    left_at: Mapped[dt.datetime | None]

    account: Mapped[Account] = relationship(back_populates="contacts")

    @property
    def gone(self) -> bool:
        return self.left_at is not None

    role_rows: Mapped[list[ContactRoleTag]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ContactRoleTag.role"
    )

    @property
    def roles(self) -> list[ContactRole]:
        return [row.role for row in self.role_rows]

    @roles.setter
    def roles(self, roles: list[ContactRole]) -> None:
        wanted = list(dict.fromkeys(roles))
        self.role_rows = [row for row in self.role_rows if row.role in wanted] + [
            ContactRoleTag(role=r) for r in wanted if r not in {row.role for row in self.role_rows}
        ]


class ContactRoleTag(Base):
    """One role of a contact (roles are multi-select)."""

    __tablename__ = "contact_roles"

    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[ContactRole] = mapped_column(_enum(ContactRole, "contact_role"), primary_key=True)


Index("ix_accounts_status_renewal", Account.status, Account.renewal_date)
