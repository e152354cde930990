"""The churn retro document: Markdown and PDF from `tabot render retro`, autoescaped HTML for
the PDF, and text outside Latin-1 that never breaks it."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from bot.cli import main
from bot.db import transaction
from bot.documents import render
from bot.models import ChurnRetro, ChurnType, RetroAction, RetroActionKind, RetroStatus
from support import add_account

UNICODE_NAME = "Café 東京 😀 Ünïcode"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _env(monkeypatch, database_url: str, **extra: str) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    monkeypatch.delenv("TABOT_PDF_FONT", raising=False)
    for key, value in extra.items():
        monkeypatch.setenv(key, value)


def add_retro(sessions, name: str = UNICODE_NAME) -> int:
    account_id = add_account(sessions, name=name, arr=Decimal("500000"), seats=500)
    with transaction(sessions) as session:
        retro = ChurnRetro(account_id=account_id, status=RetroStatus.COMPLETED, churn_type=ChurnType.PARTIAL,
                           arr_before=Decimal("500000"), arr_after=Decimal("300000"), seats_before=500, seats_after=300,
                           closed_lost_category="Budget", closed_lost_reason="Budget cut — “tools freeze”",
                           timeline="<script>alert('x')</script>\n{{ 7*7 }}", sponsor_user_id="U0SPONS",
                           ta_user_id="U0TA001", completed_at=dt.datetime.now(dt.UTC))
        retro.actions = [RetroAction(kind=RetroActionKind.LESSON, text="Watch seat usage 📉 monthly", owner_user_id="U0SPONS"),
                         RetroAction(kind=RetroActionKind.CALL_TO_ACTION, text="Exec sponsor by Q2", owner_user_id="U0LEAD1")]
        session.add(retro)
        session.flush()
        return retro.id


def pdf_text(path: Path) -> str:
    return re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages))


def test_render_retro_prints_markdown_and_writes_a_pdf_that_survives_any_text(sessions, database_url, monkeypatch,
                                                                               tmp_path) -> None:
    _env(monkeypatch, database_url)
    add_retro(sessions)
    pdf = tmp_path / "retro.pdf"
    result = CliRunner().invoke(main, ["render", "retro", "cafe 東京 😀 unicode", "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    assert f"# Churn Retro: {UNICODE_NAME}" in result.output
    assert "| ARR lost | $200,000 |" in result.output and "| Seats lost | 200 |" in result.output
    assert "<script>alert('x')</script>" in result.output  # Markdown keeps the text as typed
    assert "1. Watch seat usage 📉 monthly (owner U0SPONS)" in result.output
    assert pdf.read_bytes().startswith(b"%PDF")
    text = pdf_text(pdf)
    # the core font has no CJK or emoji: they become "?", the rest stays, nothing fails
    assert "Churn Retro: Café ?? ? Ünïcode" in text and "Budget cut - \"tools freeze\"" in text
    assert "<script>alert('x')</script>" in text and "{{ 7*7 }}" in text and "49" not in text


@pytest.mark.skipif(not DEJAVU.exists(), reason="no DejaVu Sans on this machine")
def test_a_unicode_font_keeps_what_it_can_show(sessions, database_url, monkeypatch, tmp_path) -> None:
    _env(monkeypatch, database_url, TABOT_PDF_FONT=str(DEJAVU))
    add_retro(sessions)
    pdf = tmp_path / "retro.pdf"
    result = CliRunner().invoke(main, ["render", "retro", "cafe", "--pdf", str(pdf)])
    assert result.exit_code == 0, result.output
    text = pdf_text(pdf)
    assert "Café" in text and "😀" in text and "Ünïcode" in text and "“tools freeze”" in text


def test_the_html_for_the_pdf_is_autoescaped(sessions) -> None:
    retro_id = add_retro(sessions, name="<b>Bold</b> & Co")
    with sessions() as session:
        from bot.flows.churn_retro import document_context
        from bot.store.churn_retros import get_retro

        retro = get_retro(session, retro_id)
        html = render("churn_retro.html.j2", **document_context(retro, _settings(), lambda u: u or "n/a"))
    assert "<h1>Churn Retro: &lt;b&gt;Bold&lt;/b&gt; &amp; Co</h1>" in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>{{ 7*7 }}" in html and "<script>" not in html


def _settings():
    from bot.settings import load_settings

    return load_settings()


def test_render_retro_names_an_account_without_one(sessions, database_url, monkeypatch) -> None:
    _env(monkeypatch, database_url)
    add_account(sessions, name="Globex")
    result = CliRunner().invoke(main, ["render", "retro", "globex"])
    assert result.exit_code == 1 and "Globex has no churn retro" in result.output
