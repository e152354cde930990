"""Signal alerts people subscribe to (issue 16): who subscribed to what, each signal episode
of an account, who was told of it (once), snoozes, and the key contacts last seen (so a
Champion or Economic Buyer who is removed is noticed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .account import Account
from .base import Base, utcnow


class SignalSubscription(Base):
    """One person's subscription: which signals, for which accounts (mine / team / all), told at
    once or in a daily digest at `digest_time` in their own zone (Slack's users.info `tz`)."""

    __tablename__ = "signal_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32), unique=True)
    kinds: Mapped[list[str]] = mapped_column(JSON)  # SignalKind values
    scope: Mapped[str] = mapped_column(String(16))  # Scope value
    mode: Mapped[str] = mapped_column(String(16))  # Mode value
    digest_time: Mapped[dt.time] = mapped_column(Time)
    tz: Mapped[str | None] = mapped_column(String(64))  # IANA name; None: the team's zone
    last_digest_day: Mapped[dt.date | None]  # the person's local day of the last digest
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SignalEpisode(Base):
    """The time an account shows a signal, from when the job first saw it until it no longer
    does. `open_key` is set while open (unique), so one episode per (account, signal, subject)
    is open at a time; a closed episode that opens again is a new episode, told again."""

    __tablename__ = "signal_episodes"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject: Mapped[str] = mapped_column(String(320), default="")  # the contact's email for "left"
    detail: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[dt.datetime]
    closed_at: Mapped[dt.datetime | None]
    open_key: Mapped[str | None] = mapped_column(String(400), unique=True)

    account: Mapped[Account] = relationship()


class SignalAlert(Base):
    """A subscriber told of an episode: once each. A digest alert waits (`sent_at` None) for the
    person's digest time; an immediate one is sent with its record."""

    __tablename__ = "signal_alerts"
    __table_args__ = (UniqueConstraint("episode_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("signal_episodes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(32))
    mode: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    episode: Mapped[SignalEpisode] = relationship()


Index("ix_signal_alerts_user_pending", SignalAlert.user_id, SignalAlert.sent_at)


class SignalSnooze(Base):
    """*Snooze 7 days*: this person hears nothing of this signal on this account until `until`."""

    __tablename__ = "signal_snoozes"
    __table_args__ = (UniqueConstraint("user_id", "account_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    until: Mapped[dt.datetime]


class KeyContactSeen(Base):
    """A Champion or Economic Buyer as the signals job last saw them: when one is no longer
    there (the contact removed, or the role taken off), the "left" signal opens."""

    __tablename__ = "signal_key_contacts"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
