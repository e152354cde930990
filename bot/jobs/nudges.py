"""Moved to bot/store/nudges.py (a store: the nudges sent, by job, rule, subject and period).

Only bot/jobs/lighthouse_agenda.py still imports it from here, while it is being changed;
delete this module once it imports `..store.nudges`."""

from ..store.nudges import already_sent, iso_week, record_sent, record_sent_many

__all__ = ["already_sent", "iso_week", "record_sent", "record_sent_many"]
