"""Tables that show as real tables everywhere: on the published page, live, and on paper.

A notebook shows an object by the richest format it offers and the reader can render.
:class:`Table` offers two: HTML, which the published page and a live kernel (thebe,
JupyterLab) show, and Markdown, which the PDF edition turns into a LaTeX table. A pandas
DataFrame offers HTML and plain text only, so on paper it would print as a text dump:
:func:`show` turns one into a :class:`Table` first.

Text between backticks in a cell is code, in both renderings.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

_CODE = re.compile(r"`([^`]+)`")


@dataclass
class Table:
    """Rows of text under named columns; a notebook shows it as a table."""

    columns: list[str]
    rows: list[list[str]]
    #: Columns whose values are numbers, right-aligned so that digits line up.
    numeric: list[str] = field(default_factory=list)

    def column(self, name: str) -> list[str]:
        """Return the values of one column, top to bottom."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def to_markdown(self) -> str:
        def cell(value: Any) -> str:
            text = str(value).replace("|", "\\|").replace("\n", " ")
            if "--" in text and "`" not in text:  # keep "----" from becoming a dash
                text = f"`{text}`"
            return text

        align = ["---:" if c in self.numeric else "---" for c in self.columns]
        lines = ["| " + " | ".join(cell(c) for c in self.columns) + " |",
                 "|" + "|".join(align) + "|"]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)

    def to_html(self) -> str:
        """The table as HTML: what the published page and a live kernel show.

        A blank column name (the header of an unnamed index, see :func:`show`) is written
        as "Row" that only screen readers announce, since a table header must not be
        empty. Numeric columns carry the class ``numeric`` (right-aligned by the book's CSS).
        """
        def cell(tag: str, value: Any, column: str, scope: str = "") -> str:
            text = _CODE.sub(r"<code>\1</code>", html.escape(str(value), quote=False))
            text = text.replace("\n", "<br>")
            if tag == "th" and not text.strip():
                text = '<span class="visually-hidden">Row</span>'
            style = ' class="numeric"' if column in self.numeric else ""
            return f"<{tag}{scope}{style}>{text}</{tag}>"

        head = "".join(cell("th", c, c, ' scope="col"') for c in self.columns)
        body = "".join("<tr>" + "".join(cell("td", v, c) for v, c in zip(row, self.columns))
                       + "</tr>" for row in self.rows)
        return (f'<div class="medimg-table"><table><thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>")

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_markdown()


def _text(value: Any, digits: int) -> str:
    """One cell of a DataFrame as text: numbers with thousands separators, floats rounded."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):,.{digits}f}"
    return str(value)


def show(frame: pd.DataFrame | pd.Series, *, index: bool = True, digits: int = 2) -> Table:
    """Return a DataFrame (or Series) as a :class:`Table`, which prints as a table on paper too.

    With ``index`` the row labels become the first column, headed by the index's name
    (or an empty header when it has none). Floats keep ``digits`` decimals; missing
    values show as "—".
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    columns = [str(c) for c in frame.columns]
    numeric = [str(c) for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    rows = [[_text(v, digits) for v in values] for values in frame.itertuples(index=False)]
    if index:
        name = " / ".join(str(n) for n in frame.index.names if n is not None)
        columns = [name or " "] + columns
        labels = [" / ".join(map(str, k)) if isinstance(k, tuple) else str(k)
                  for k in frame.index]
        rows = [[label] + row for label, row in zip(labels, rows)]
    return Table(columns, rows, numeric)
