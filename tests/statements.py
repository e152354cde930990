"""Counting a job's SQL statements for the "does not grow with the book" tests.

A job reads the book and writes its own records in a constant number of statements; what it
owes Slack is recorded one row per message (`bot/deliveries/record.py` flushes each delivery,
and each post's `SlackMessage`, as it is owed), so those inserts grow with the messages sent,
not with the book, and are left out of the count.
"""

from __future__ import annotations

OWED = ("INSERT INTO DELIVERIES", "INSERT INTO SLACK_MESSAGES")
SAVEPOINTS = ("SAVEPOINT", "RELEASE")


def counts(statement: str) -> bool:
    """Whether `statement` counts toward a job's constant: not a savepoint, not a message owed."""
    head = " ".join(statement.split()).upper()
    return not head.startswith(SAVEPOINTS) and not head.startswith(OWED)
