"""Changes made in Salesforce to fields tabot wrote, and accounts Salesforce deleted or merged.

A sync reads each changed account's written fields with the rest. Where one holds another
value than tabot last wrote there (`salesforce_written`), someone changed it in Salesforce
after tabot's write:

- a field the CRM owns (the mapping's [owners], the TA by default) takes the CRM's value: tabot
  records it as agreed, takes it where it keeps that value too (crm_owned.py: the TA through the
  import, the rating, the account plan's next steps), and writes its own no more until its own
  value moves on (`overruled_value`);
- a field tabot owns keeps tabot's value, tabot does not write over the person's change, and
  the account's TA is told once per conflict (record, then deliver), with both values and who
  last changed the record and when, as far as Salesforce says. A later change to yet another
  value is a new conflict; the two agreeing again, or tabot writing anew, ends it.

An account deleted in Salesforce (queryAll: IsDeleted), or merged into another (MasterRecordId),
is kept in tabot with everything about it; its TA is told once and nothing more is written to
it. Restored from the recycle bin, it is read again and written to again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..importer.validation import load_by_salesforce_id
from ..messages import salesforce as msg
from ..models import Account, SalesforceRemoved, SalesforceWritten
from .crm_owned import tabot_value_now, take
from .mapping import Mapping

CHUNK = 500


def _text(value: Any) -> str:
    """A field's value as tabot wrote it (Salesforce may answer a long text's line breaks as CRLF)."""
    from .rows import text_of

    return text_of(value).replace("\r\n", "\n")


def _when(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "+00:00").replace("+0000", "+00:00"))
    except ValueError:
        return None


def check_conflicts(
    session: Session, slack: Any, settings: Any, records: dict[str, dict[str, Any]], mapping: Mapping, now: dt.datetime
) -> int:
    """Compare the fetched accounts' written fields with tabot's last writes; returns the TAs'
    DMs owed (one per new conflict)."""
    ids = sorted(records)
    if not ids or session.scalar(select(SalesforceWritten.id).limit(1)) is None:
        return 0
    told = 0
    for start in range(0, len(ids), CHUNK):
        rows = session.execute(
            select(SalesforceWritten, Account)
            .join(Account)
            .where(Account.salesforce_id.in_(ids[start : start + CHUNK]))
            .order_by(SalesforceWritten.id)
        ).all()
        for written, account in rows:
            record = records[account.salesforce_id or ""]
            if written.field not in record:
                continue
            theirs = _text(record[written.field])
            if theirs == written.value.replace("\r\n", "\n"):
                written.conflict_value = written.conflict_at = None
            elif mapping.crm_owns(written.item):
                written.overruled_value = tabot_value_now(session, account.id, written.item, written.value)
                written.value, written.written_at, written.conflict_value, written.conflict_at = theirs, now, None, None
                take(session, settings, account, written.item, theirs, record, mapping, now)
            elif written.conflict_value != theirs:
                written.conflict_value, written.conflict_at = theirs, now
                if account.ta_user_id:
                    slack.dm(
                        session,
                        account.ta_user_id,
                        text=msg.conflict(
                            account,
                            written.item,
                            written.field,
                            written.value,
                            theirs,
                            record.get("LastModifiedBy.Name"),
                            _when(record.get("LastModifiedDate")),
                            settings.tz,
                        ),
                    )
                    told += 1
    session.flush()
    return told


def record_removed(
    session: Session,
    slack: Any,
    removed: dict[str, str | None],
    present: Iterable[str],
    now: dt.datetime,
    restored_ids: list[int] | None = None,
) -> list[Account]:
    """Note the accounts Salesforce deleted or merged (Id -> the survivor's Id), telling each
    one's TA once; forget those read again (restored: their ids go to `restored_ids`, so their
    current decisions are written again). Returns the accounts newly removed."""
    any_removed = session.scalar(select(SalesforceRemoved.account_id).limit(1)) is not None
    read = [a.id for a in load_by_salesforce_id(session, sorted(set(present))).values()] if any_removed else []
    restored = []
    for start in range(0, len(read), CHUNK):
        restored += session.scalars(
            select(SalesforceRemoved.account_id).where(SalesforceRemoved.account_id.in_(read[start : start + CHUNK]))
        )
    if restored_ids is not None:
        restored_ids += restored
    for start in range(0, len(restored), CHUNK):
        session.execute(
            delete(SalesforceRemoved)
            .where(SalesforceRemoved.account_id.in_(restored[start : start + CHUNK]))
            .execution_options(synchronize_session=False)
        )
    if not removed:
        return []
    accounts = load_by_salesforce_id(session, sorted(removed))
    known = set(
        session.scalars(
            select(SalesforceRemoved.account_id).where(
                SalesforceRemoved.account_id.in_([a.id for a in accounts.values()])
            )
        )
    )
    survivors = load_by_salesforce_id(session, sorted({m for m in removed.values() if m}))
    newly = []
    for salesforce_id, account in sorted(accounts.items()):
        if account.id in known:
            continue
        merged_into = removed[salesforce_id]
        session.add(
            SalesforceRemoved(account_id=account.id, salesforce_id=salesforce_id, merged_into=merged_into, seen_at=now)
        )
        if account.ta_user_id:
            slack.dm(
                session, account.ta_user_id, text=msg.removed(account, merged_into, survivors.get(merged_into or ""))
            )
        newly.append(account)
    session.flush()
    return newly
