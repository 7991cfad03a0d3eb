"""What a query verb returns and how it is printed: aligned tables (rich), one JSON document, CSV."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from typing import Any, TextIO


@dataclass
class Section:
    """One table of a result: a name, column names and rows (lists of plain values)."""

    name: str
    columns: list[str]
    rows: list[list[Any]]

    def records(self) -> list[dict[str, Any]]:
        """Rows as dicts keyed by column name."""
        return [dict(zip(self.columns, r)) for r in self.rows]


@dataclass
class Result:
    """A verb's answer: `summary` (key -> value, shown first) and named sections."""

    title: str
    summary: dict[str, Any] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)

    def section(self, name: str) -> Section:
        """The section called `name` (KeyError if absent)."""
        for s in self.sections:
            if s.name == name:
                return s
        raise KeyError(name)

    def to_json(self) -> dict[str, Any]:
        """One JSON-able document: {"query": title, **summary, <section>: [records]}."""
        doc: dict[str, Any] = {"query": self.title, **self.summary}
        for s in self.sections:
            assert s.name not in doc, f"section {s.name!r} collides with a summary key"
            doc[s.name] = s.records()
        return doc


def _plain(v: Any) -> Any:
    """Values JSON / CSV can carry (numpy, Arrow and date values to Python ones)."""
    if hasattr(v, "tolist"):
        return v.tolist()
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool)) or v is None:
        return v
    return str(v)


# Control characters would move the cursor or inject terminal escapes: shown as \uXXXX.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def display(v: Any) -> str:
    """A value as one safe line of text for the table view."""
    if v is None:
        return ""
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, dict) and {"label", "score", "box"} <= v.keys():  # a box
        return f"{display(v['label'])} {v['score']:.2f} [{', '.join(f'{x:g}' for x in v['box'])}]"
    if isinstance(v, dict):
        return ", ".join(f"{k}={display(x)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return " | ".join(display(x) for x in v)
    s = str(v).replace("\n", "\\n").replace("\t", "\\t")
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", s)


def write_table(res: Result, out: TextIO) -> None:
    """Aligned tables (rich, markup off: graph text is never read as markup)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    width = None if out.isatty() else 200
    console = Console(file=out, width=width, markup=False, emoji=False, highlight=False, soft_wrap=False)
    if res.summary:
        t = Table(title=Text(res.title), show_header=False, box=None)
        t.add_column(style="bold")
        t.add_column(overflow="fold")
        for k, v in res.summary.items():
            t.add_row(Text(str(k)), Text(display(v)))
        console.print(t)
    elif res.title:
        console.print(Text(res.title, style="bold"))
    for s in res.sections:
        t = Table(title=Text(s.name), title_justify="left")
        for c in s.columns:
            t.add_column(Text(c), overflow="fold")
        for r in s.rows:
            t.add_row(*(Text(display(v)) for v in r))
        if not s.rows:
            t.caption = Text("(none)")
        console.print(t)


def write_json(res: Result, out: TextIO) -> None:
    """The result as one JSON document."""
    json.dump(_plain(res.to_json()), out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_csv(res: Result, out: TextIO) -> None:
    """CSV: one section as is; several sections under a leading `section` column (union of columns)."""
    w = csv.writer(out, lineterminator="\n")
    if len(res.sections) == 1:
        s = res.sections[0]
        w.writerow(s.columns)
        for r in s.rows:
            w.writerow([_csv_value(v) for v in r])
        return
    cols: list[str] = []
    for s in res.sections:
        cols += [c for c in s.columns if c not in cols]
    w.writerow(["section", *cols])
    for s in res.sections:
        for rec in s.records():
            w.writerow([s.name, *(_csv_value(rec.get(c)) for c in cols)])


def _csv_value(v: Any) -> Any:
    v = _plain(v)
    if isinstance(v, (list, dict)):
        return json.dumps(v, ensure_ascii=False)
    return "" if v is None else v


def render(res: Result, fmt: str = "table", out: TextIO | None = None) -> str | None:
    """Write `res` in `fmt` ("table", "json", "csv") to `out`; with out=None return the text."""
    buf = io.StringIO() if out is None else out
    {"table": write_table, "json": write_json, "csv": write_csv}[fmt](res, buf)
    return buf.getvalue() if out is None else None
