"""Customer segments and the TA support level, as the handbook names them.

The success model and `ta-processes.md` segment accounts as Strategic, Enterprise, Mid-Market
or SMB; `technical-advisors.md` names the same four segments Strategic, Large Enterprise, Small
Enterprise and Commercial (in the same order, largest first). A CRM export may use either
vocabulary: both name the same segment. *Later* versions of the handbook: Commercial accounts
under $50k ARR are "Scaled Success" (the Scaled flag; the threshold is a setting).

The TA support level is set by TA leadership ~45 days before close and decides how the
account is served: a dedicated TA, or the pooled or scaled motion (`ta-processes.md` steps 1–4).

Plain values in, plain values out: no Slack, no database.
"""

from __future__ import annotations

import re
from decimal import Decimal

# the model's segment names (bot.models.Segment values), largest first
MODEL_SEGMENTS = ("Strategic", "Enterprise", "Mid-Market", "SMB")
# technical-advisors.md's names for the same segments
TA_DOCUMENT_SEGMENTS = {
    "Strategic": "Strategic",
    "Large Enterprise": "Enterprise",
    "Small Enterprise": "Mid-Market",
    "Commercial": "SMB",
}
SCALED_SUCCESS = "Scaled Success"  # a Commercial (SMB) account under the Scaled threshold
SMALLEST = "SMB"

SUPPORT_LEVELS = ("Dedicated", "Pooled", "Scaled")


def _key(name: str) -> str:
    return re.sub(r"[\s\-_.]", "", name.casefold())


_SEGMENT_NAMES: dict[str, tuple[str, bool]] = {
    **{_key(s): (s, False) for s in MODEL_SEGMENTS},
    "midmarket": ("Mid-Market", False),
    "mm": ("Mid-Market", False),
    **{_key(name): (segment, False) for name, segment in TA_DOCUMENT_SEGMENTS.items()},
    _key(SCALED_SUCCESS): (SMALLEST, True),
}
ACCEPTED_SEGMENT_NAMES = (
    *MODEL_SEGMENTS,
    *[n for n in TA_DOCUMENT_SEGMENTS if n not in MODEL_SEGMENTS],
    SCALED_SUCCESS,
)


def segment_named(name: str) -> tuple[str, bool] | None:
    """The model's segment for a name in either vocabulary (case, spaces and dashes ignored),
    and whether the name itself says Scaled Success; None for a name in neither."""
    return _SEGMENT_NAMES.get(_key(name))


def is_scaled_success(segment: str | None, arr: Decimal | None, below: Decimal) -> bool:
    """Commercial (SMB) accounts with ARR under the threshold are Scaled Success; at the
    threshold, above it, or with no ARR known, they are not."""
    return segment == SMALLEST and arr is not None and arr < below


def support_level_named(name: str) -> str | None:
    """`dedicated`, `Pooled`, `SCALED` -> the handbook's spelling; None for anything else."""
    return next((level for level in SUPPORT_LEVELS if _key(level) == _key(name)), None)
