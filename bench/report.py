"""The benchmark's findings: one row per measurement with its target and verdict, printed as a
table and written as JSON."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

PASS, MISS, NOT_BUILT, INFO = "pass", "MISS", "not built", "-"


@dataclass
class Row:
    scenario: str
    measure: str
    value: str
    target: str = ""
    verdict: str = INFO
    details: dict[str, Any] = field(default_factory=dict)


def machine_row(when: str = "at the start") -> Row:
    """The machine the numbers come from, and how busy it was (other work shares its cores)."""
    cores = os.cpu_count() or 0
    load = os.getloadavg()
    return Row("machine", f"cores; load average (1, 5, 15 min) {when}",
               f"{cores} cores; load {load[0]:.1f}, {load[1]:.1f}, {load[2]:.1f}",
               details={"cores": cores, "load": load, "python": platform.python_version(),
                        "platform": platform.platform()})


def check(ok: bool) -> str:
    return PASS if ok else MISS


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.01 else f"{seconds * 1000:.1f} ms"


@dataclass
class Report:
    database: str
    options: dict[str, Any]
    rows: list[Row] = field(default_factory=list)
    started: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def extend(self, rows: list[Row]) -> None:
        self.rows.extend(rows)

    @property
    def misses(self) -> list[Row]:
        return [r for r in self.rows if r.verdict == MISS]

    def table(self) -> str:
        head = ("scenario", "measure", "measured", "target", "result")
        lines = [head] + [(r.scenario, r.measure, r.value, r.target, r.verdict) for r in self.rows]
        widths = [max(len(line[i]) for line in lines) for i in range(len(head))]

        def fmt(line: tuple[str, ...]) -> str:
            return "  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip()

        rule = "  ".join("-" * w for w in widths)
        counts = {v: sum(1 for r in self.rows if r.verdict == v) for v in (PASS, MISS, NOT_BUILT)}
        return "\n".join([f"tabot benchmark on {self.database} ({self.started})", fmt(head), rule,
                          *map(fmt, lines[1:]), rule,
                          f"{counts[PASS]} pass, {counts[MISS]} missed, {counts[NOT_BUILT]} not built"])

    def to_json(self) -> dict[str, Any]:
        return {"database": self.database, "started": self.started, "options": self.options,
                "python": platform.python_version(), "machine": platform.machine(),
                "rows": [asdict(r) for r in self.rows]}

    def write(self, directory: Path = RESULTS) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        stamp = self.started.replace(":", "").replace("-", "").replace("+0000", "Z")
        path = directory / f"{self.database}-{stamp}.json"
        path.write_text(json.dumps(self.to_json(), indent=2, default=str) + "\n")
        return path
