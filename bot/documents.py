"""Documents rendered from the Jinja templates in `templates/`.

Markdown documents render without HTML escaping (they are files people read as text);
anything rendered to HTML or PDF uses an autoescaping environment, so user text such as
`<script>` or `{{ 7*7 }}` comes out literally.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2.runtime import Context

from .clock import local_day

# templates/ at the top of the repository, shipped inside the package as bot._templates
TEMPLATES = Path(str(resources.files("bot._templates")))


def _money(amount: Any) -> str:
    return "n/a" if amount is None else f"${amount:,.0f}"


@pass_context
def _date(context: Context, value: Any) -> str:
    """A date as people read it: an instant becomes the team's day (the `tz` every render is given)."""
    return local_day(value, context["tz"])


def _cell(value: Any) -> str:
    """Text for a Markdown table cell: on one line (a line break ends the row), and a `|` (which
    ends the cell) escaped, with any backslashes before it kept literal."""
    text = " ".join(str("" if value is None else value).split())
    return re.sub(r"(\\*)\|", lambda m: m.group(1) * 2 + "\\|", text)


def _line(value: Any) -> str:
    """Text for one Markdown line (a heading, a list item): its line breaks become spaces."""
    return " ".join(str("" if value is None else value).split())


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        # `report.html.j2` is HTML too: select_autoescape matches the name's ending, so list both
        autoescape=select_autoescape(
            enabled_extensions=("html", "htm", "xml", "html.j2", "htm.j2", "xml.j2"), default_for_string=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    env.filters["date"] = _date
    env.filters["cell"] = _cell
    env.filters["line"] = _line
    return env


def render(template: str, *, tz: dt.tzinfo, **context: Any) -> str:
    """Render a document; `tz` is the team's time zone, in which every date in it is read."""
    return environment().get_template(template).render(tz=tz, **context)
