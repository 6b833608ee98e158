"""Sphinx extension for the printed book (both PDF editions; book/_latex/pdf.py loads it).

What it changes between the doctree and the LaTeX, and why (the look itself is in
medimgbook.sty; the conventions for chapter authors are in README.md beside this file):

* **Solutions.** The student handout leaves every exercise solution out. The instructor
  edition moves them all into an appendix at the end of the book, "Solutions to the
  exercises", so that every chapter, section and figure of the two editions falls on the
  same page (a figure inside a solution would make a number that one edition lacks: the
  build stops on one).
* **Plumbing.** Lines that only serve the web page (``%matplotlib inline``, ``glue(...)``
  for numbers quoted in the text, ``from myst_nb import glue``) are not printed; a cell
  left empty by that is not printed at all, nor is a cell tagged ``web-only`` (one that
  only matters in a live kernel, such as a slider).
* **Tables.** A pandas DataFrame offers HTML and plain text; on paper the plain text would
  be a column-aligned dump ("Empty DataFrame / Columns: …"). Its HTML table becomes a
  real table here, before myst-nb picks the plain text.
* **Colour.** A figure whose image is in colour gets "Colour version online: URL" at the
  end of its caption, with the address of the figure in the web edition.
* **URLs.** A DOI in the bibliography prints as its https://doi.org/ address, not as a
  footnote that repeats it.
* **Keeping things together.** Each code cell goes into ``medimgkeep`` (its code, outputs
  and figure on one page when they fit) and code, outputs, figures and wide tables use the
  wider measure of ``medimgwide`` (medimgbook.sty). The preface's headings are headings.
* **Code style.** Syntax colours become weights and slants (:class:`PrintStyle`), which
  survive black-and-white printing and the photocopier.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from bs4 import BeautifulSoup
from docutils import nodes
from PIL import Image
from pygments.style import Style
from pygments.token import (Comment, Error, Generic, Keyword, Name, Number, Operator,
                            String, Token)
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging, texescape
from sphinx.writers.latex import LaTeXTranslator
from sphinx_exercise.nodes import exercise_enumerable_node, exercise_node, solution_node

logger = logging.getLogger(__name__)

#: Code lines that only serve the web page, never printed. Calls of ``glue`` (which hand
#: a cell's numbers to the text) are found by ``glue_lines`` wherever they stand.
PLUMBING = [re.compile(p) for p in (r"^%matplotlib\b.*$", r"^from myst_nb import glue\s*$",
                                    r"^glue\(.*\)\s*$")]


def glue_lines(source: str) -> set[int]:
    """The line numbers (from 1) of every ``glue(...)`` statement in a cell's code, however
    long or deeply indented, and of a loop or ``if`` whose body is nothing but such calls.

    The code is parsed as IPython parses it (magics become calls on one line each, so line
    numbers stay); code that does not parse gives an empty set.
    """
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    try:
        tree = ast.parse(TransformerManager().transform_cell(source))
    except SyntaxError:
        return set()

    def is_glue(statement: ast.stmt) -> bool:
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call):
            return getattr(statement.value.func, "id", None) == "glue"
        if isinstance(statement, (ast.For, ast.While, ast.If, ast.With)):
            return (not getattr(statement, "orelse", []) and
                    all(is_glue(inner) for inner in statement.body))
        return False

    found: set[int] = set()

    def visit(body: list[ast.stmt]) -> None:
        for statement in body:
            if is_glue(statement):
                found.update(range(statement.lineno, statement.end_lineno + 1))
                continue
            for field in ("body", "orelse", "finalbody"):
                visit(getattr(statement, field, []) or [])
            for handler in getattr(statement, "handlers", []) or []:
                visit(handler.body)

    visit(tree.body)
    return found
#: A code block longer than this many lines may break across pages (medimgkeep would
#: make it one unbreakable box).
KEEP_MAX_LINES = 45
#: A table of more rows than this becomes a longtable in Sphinx, which cannot be boxed.
KEEP_MAX_ROWS = 30
#: Space between two columns of a table, in ems of its font (2 \tabcolsep, medimgbook.sty).
TABLE_GAP_EM = 1.0
#: The widths a table is set to, in ems of its 9 pt font: the text's measure, the wide
#: measure, the wide measure inside a cell's output, inside a box (an exercise, a
#: solution), and the page's height for a table turned by a quarter (medimgbook.sty).
TABLE_WIDTH_EM = {"text": 38.0, "wide": 48.5, "output": 47.0, "box": 31.0, "turned": 68.0}
#: Share of clearly coloured pixels above which a figure is "in colour".
COLOUR_SHARE = 0.005


def in_box(node: nodes.Node) -> bool:
    """True inside an admonition, exercise, solution, table or footnote (no wide measure)."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, (nodes.Admonition, nodes.table, nodes.footnote, nodes.sidebar,
                               nodes.topic)) or parent.__class__.__name__.startswith(
                                   ("exercise", "solution")):
            return True
        parent = parent.parent
    return False


# --- Solutions --------------------------------------------------------------------------

def check_no_figures(node: nodes.Element) -> None:
    for figure in node.findall(nodes.figure):
        logger.warning("a numbered figure inside a solution: its number would exist in one "
                       "PDF edition only. Show the image without a caption (no mystnb "
                       "figure: metadata) or move the figure out of the solution "
                       "(book/_latex/README.md)", location=figure)


class RemoveSolutions(SphinxTransform):
    """The handout: remove each exercise solution, gated or not."""

    # sphinx-exercise merges gated solutions (solution-start … -end) at priority 10.
    default_priority = 20

    def apply(self, **kwargs: Any) -> None:
        if self.config.medimg_edition != "handout":
            return
        for node in list(self.document.findall(solution_node)):
            check_no_figures(node)
            node.parent.remove(node)


def docname_of(env, node: nodes.Node) -> str:
    """The page a node of the whole book's doctree comes from.

    The LaTeX builder gathers every page under ``start_of_file`` nodes but leaves the
    pages' own nodes pointing at their old document as parent (as Sphinx's own
    ShowUrlsTransform knows): either one names the page.
    """
    while node is not None:
        if isinstance(node, addnodes.start_of_file):
            return node["docname"]
        if isinstance(node, nodes.document):
            return env.path2doc(node["source"]) or ""
        node = node.parent
    return ""


class SolutionsAppendix(SphinxPostTransform):
    """The instructor edition: move every solution into an appendix after the last chapter.

    Runs on the whole book (the LaTeX builder's single doctree), after sphinx-exercise has
    titled the solutions and after sphinx-jupyterbook-latex has put the bibliography last.
    The handout gets only the line in the contents that says where the solutions are.
    """

    default_priority = 800
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        if self.app.project.path2doc(self.document["source"]) != self.config.root_doc:
            return
        chapters: dict[str, list[nodes.Element]] = {}
        for node in list(self.document.findall(solution_node)):
            check_no_figures(node)
            chapters.setdefault(docname_of(self.env, node), []).append(node)
            node.parent.remove(node)
        edition = self.config.medimg_edition
        self.document += nodes.raw("", rf"\medimgsolutions{{{edition}}}", format="latex")
        for docname, solutions in chapters.items():
            title = self.env.titles[docname].astext() if docname in self.env.titles else ""
            self.document += nodes.raw(
                "", rf"\medimgsolutionsfor{{\ref{{{docname}::doc}}}}{{{latex_escape(title)}}}",
                format="latex")
            for solution in solutions:
                title_node = solution[0] if solution.children else None
                target = solution.get("target_label")
                if isinstance(title_node, nodes.title) and target:
                    title_node += nodes.raw(
                        "", rf"\medimgexercisepage{{exercise:{target}}}", format="latex")
                self.document += solution


def latex_escape(text: str) -> str:
    return re.sub(r"([#$%&_{}])", r"\\\1", text).replace("~", r"\textasciitilde{}")


# --- Plumbing -----------------------------------------------------------------------------

class RemovePlumbing(SphinxPostTransform):
    """Drop the lines of code cells that only serve the web page (see PLUMBING)."""

    default_priority = 5
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        for cell in list(self.document.findall(nodes.container)):
            if cell.get("nb_element") != "cell_code" or cell.parent is None:
                continue
            if "tag_web-only" in cell.get("classes", []):
                cell.parent.remove(cell)   # a cell for the web page or a live kernel only
                continue
            for source in [c for c in cell.children if c.get("nb_element") == "cell_code_source"]:
                for block in list(source.findall(nodes.literal_block)):
                    kept = []
                    glued = glue_lines(block.astext())
                    for number, line in enumerate(block.astext().splitlines(), start=1):
                        if number in glued or any(p.match(line) for p in PLUMBING):
                            continue
                        if not line.strip() and kept and not kept[-1].strip():
                            continue   # one blank line where a dropped line left two
                        kept.append(line)
                    while kept and not kept[0].strip():
                        kept.pop(0)
                    while kept and not kept[-1].strip():
                        kept.pop()
                    if kept:
                        text = "\n".join(kept)
                        if text != block.astext():
                            block.children = [nodes.Text(text)]
                            block.rawsource = text
                    else:
                        source.remove(block)
                if not source.children:
                    cell.remove(source)
            if not any(c.get("nb_element") == "cell_code_output" and c.children
                       for c in cell.children):
                if not any(c.get("nb_element") == "cell_code_source" for c in cell.children):
                    cell.parent.remove(cell)


# --- DataFrames as tables -----------------------------------------------------------------

def html_table_rows(html: str) -> tuple[list[list[str]], int] | None:
    """The cells of a pandas HTML table (header rows first) and how many header rows."""
    soup = BeautifulSoup(html, "html.parser")
    table = soup.find("table", class_="dataframe")
    if table is None:
        return None

    def grid(rows) -> list[list[str]]:
        out: list[list[str]] = []
        pending: dict[int, tuple[int, str]] = {}   # column -> (rows left, text) of rowspans
        for tr in rows:
            row: list[str] = []
            cells = iter(tr.find_all(["th", "td"], recursive=False))
            column = 0
            while True:
                if column in pending:
                    left, _ = pending[column]
                    row.append("")
                    pending[column] = (left - 1, "")
                    if left - 1 == 0:
                        del pending[column]
                    column += 1
                    continue
                cell = next(cells, None)
                if cell is None:
                    break
                text = " ".join(cell.get_text(" ").split())
                span = int(cell.get("colspan", 1))
                down = int(cell.get("rowspan", 1))
                for k in range(span):
                    row.append(text if k == 0 else "")
                    if down > 1:
                        pending[column + k] = (down - 1, "")
                column += span
            out.append(row)
        return out

    head = grid(table.thead.find_all("tr")) if table.thead else []
    body = grid(table.tbody.find_all("tr")) if table.tbody else []
    width = max((len(r) for r in head + body), default=0)
    head = [r + [""] * (width - len(r)) for r in head]
    body = [r + [""] * (width - len(r)) for r in body]
    # pandas writes the index's name in a second header row of its own: fold it in.
    if len(head) == 2 and not head[0][0] and head[1][0] and not any(head[1][1:]):
        head = [[head[1][0]] + head[0][1:]]
    if not body:
        body = [["(no rows)"] + [""] * (width - 1)] if width else []
    return head + body, len(head)


NUMBER = re.compile(r"^[-−+]?(\d{1,3}(,\d{3})*|\d+)?(\.\d+)?([eE][-+]?\d+)?%?$|^(NaN|—|-|nan)$")


def latex_table(rows: list[list[str]], header_rows: int) -> str:
    """A DataFrame as a booktabs tabular: numbers right-aligned, nothing wrapped.

    It goes into ``medimgfit`` (medimgbook.sty), which scales a table wider than the
    measure down to it, and turns a much wider one by a quarter.
    """
    width = len(rows[0])
    body = rows[header_rows:]
    align = []
    for c in range(width):
        values = [row[c] for row in body if row[c]]
        numeric = values and all(NUMBER.match(v) for v in values) and any(
            any(ch.isdigit() for ch in v) for v in values)
        align.append("r" if numeric else "l")

    def line(cells: list[str], bold: bool = False) -> str:
        texts = [texescape.escape(cell, "xelatex") for cell in cells]
        if bold:
            texts = [rf"\textbf{{{t}}}" if t else "" for t in texts]
        return " & ".join(texts) + r" \\"

    out = [r"\begin{medimgfit}", rf"\begin{{tabular}}{{@{{}}{''.join(align)}@{{}}}}", r"\toprule"]
    out += [line(cells, bold=True) for cells in rows[:header_rows]]
    if header_rows:
        out.append(r"\midrule")
    out += [line(cells) for cells in body]
    out += [r"\bottomrule", r"\end{tabular}", r"\end{medimgfit}"]
    return "\n".join(out)


class KeepShortBoxesWhole(SphinxPostTransform):
    """A short box (an exercise, a note, a warning) starts on a new page rather than split
    across two: it is preceded by a test of the room left (medimgneedlines), sized from its
    text. A long one may still break, as any text does, but never right after its title:
    it asks for room for the title bar and a few lines of its text.
    """

    default_priority = 900
    formats = ("latex",)
    #: Characters of text in one printed line of a box, about.
    LINE_CHARACTERS = 80
    #: A box of more lines than this may break across pages.
    MAX_LINES = 20
    #: What a long box asks for: its title bar and the first lines of its text.
    FIRST_LINES = 7

    def run(self, **kwargs: Any) -> None:
        boxes = (exercise_node, exercise_enumerable_node, nodes.Admonition)
        for node in list(self.document.findall(lambda n: isinstance(n, boxes))):
            paragraphs = list(node.findall(nodes.paragraph))
            # The title bar and the frame take about four lines; a paragraph or list item,
            # with the space around it, about 1.4 lines per line of text.
            text_lines = sum(1 + len(p.astext()) // self.LINE_CHARACTERS for p in paragraphs)
            lines = 4 + round(1.4 * text_lines)
            if lines > self.MAX_LINES:
                lines = self.FIRST_LINES
            if node.parent is not None:
                node.parent.insert(node.parent.index(node), nodes.raw(
                    "", f"\\medimgneedlines{{{lines}}}", format="latex"))


class DataFramesAsTables(SphinxPostTransform):
    """Turn each DataFrame output (HTML table, no Markdown) into a docutils table."""

    default_priority = 3   # before myst-nb's SelectMimeType (4) picks the plain text
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        for bundle in list(self.document.findall(nodes.container)):
            if bundle.get("nb_element") != "mime_bundle":
                continue
            kinds = {child.get("mime_type"): child for child in bundle.children}
            if "text/html" not in kinds or {"text/markdown", "text/latex"} & set(kinds):
                continue
            found = html_table_rows(kinds["text/html"].astext())
            if found and found[0]:
                rows, header_rows = found
                bundle.replace_self(nodes.raw("", latex_table(rows, header_rows),
                                              format="latex", classes=["medimg-dataframe"]))


# --- Colour figures -----------------------------------------------------------------------

def image_path(env, image: nodes.image) -> Path | None:
    for uri in (image.get("candidates", {}).get("image/png"), image.get("uri")):
        if not uri or not uri.endswith(".png"):
            continue
        path = Path(uri)
        for candidate in (path, Path(env.srcdir) / uri):
            if candidate.is_file():
                return candidate
    return None


def is_colour(path: Path) -> bool:
    picture = np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)
    chroma = picture.max(axis=2) - picture.min(axis=2)
    return float((chroma > 60).mean()) > COLOUR_SHARE


class ColourFigureNote(SphinxPostTransform):
    """Add "Colour version online: URL" to the caption of each figure in colour."""

    default_priority = 2   # while the PNG of each output is still in its mime bundle
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        base = (self.config.html_baseurl or "").rstrip("/")
        if not base:
            return
        for figure in list(self.document.findall(nodes.figure)):
            pngs = [image_path(self.env, image) for image in figure.findall(nodes.image)]
            if not any(p is not None and is_colour(p) for p in pngs):
                continue
            captions = [c for c in figure.children if isinstance(c, nodes.caption)]
            docname = docname_of(self.env, figure) or self.env.docname
            anchor = f"#{figure['ids'][0]}" if figure.get("ids") else ""
            url = f"{base}/{docname}.html{anchor}"
            note = [nodes.Text(" Colour version online: "),
                    nodes.reference("", url, refuri=url), nodes.Text(".")]
            if captions:
                captions[0].extend(note)


# --- Bibliography: DOIs as addresses, not footnotes --------------------------------------

class AddressesInBibliography(SphinxPostTransform):
    """A link in a reference-list entry prints as its address (no footnote repeating it)."""

    default_priority = 390  # before Sphinx's ShowUrlsTransform (400)
    formats = ("latex",)

    def run(self, **kwargs: Any) -> None:
        for citation in self.document.findall(nodes.citation):
            for reference in list(citation.findall(nodes.reference)):
                uri = reference.get("refuri", "")
                if uri.startswith(("http://", "https://")) and reference.astext() != uri:
                    reference.children = [nodes.Text(uri)]


# --- The LaTeX writer ---------------------------------------------------------------------

def literal_lines(node: nodes.Element) -> int:
    return max((len(b.astext().splitlines()) for b in node.findall(nodes.literal_block)),
               default=0)


def table_rows(node: nodes.Element) -> int:
    return max((len(list(t.findall(nodes.row))) for t in node.findall(nodes.table)), default=0)


def table_is_wide(table: nodes.table, textwidth_chars: int = 95) -> bool:
    """Whether a table's natural width (its longest cell per column) exceeds the text."""
    columns: dict[int, int] = {}
    for row in table.findall(nodes.row):
        for i, entry in enumerate(row.children):
            columns[i] = max(columns.get(i, 0), len(entry.astext()))
    return sum(min(width, 40) + 3 for width in columns.values()) > textwidth_chars


def text_ems(text: str, code: bool) -> float:
    """The width of ``text`` in ems of the table's font, roughly (CJK is square)."""
    wide = sum(1 for ch in text if ord(ch) >= 0x2E80)
    return wide + (len(text) - wide) * (0.52 if code else 0.5)


def table_colspec(table: nodes.table, width_em: float) -> str | None:
    """Column widths for a table ``width_em`` wide: each column at least as wide as its
    longest word (code never breaks inside a name, and a DICOM tag should not), the rest
    of the width shared out in proportion to what each column would take unwrapped.

    Sphinx's tabulary does the sharing itself, but gives every column the same minimum
    width: a column of long names of code overflowed, or one of short tags was cut.
    Returns the column specification and whether the table is too wide for the page even
    so, and is to be turned (then it is laid out for the page's height; a table long
    enough to run over pages is not turned). None for a table with spanning cells.
    """
    rows = list(table.findall(nodes.row))
    if not rows:
        return None
    columns: dict[int, list[nodes.Element]] = {}
    for row in rows:
        if any(entry.get("morecols") or entry.get("morerows") for entry in row.children):
            return None
        for i, entry in enumerate(row.children):
            columns.setdefault(i, []).append(entry)
    least, natural = [], []
    for i in sorted(columns):
        words, lines = [0.0], [0.0]
        for entry in columns[i]:
            code = {id(t) for lit in entry.findall(nodes.literal) for t in lit.findall(nodes.Text)}
            line = 0.0
            for text in entry.findall(nodes.Text):
                is_code = id(text) in code
                # where a line may break: code after "_", "." or "/" and at spaces; text at
                # spaces, after "_", "." or "^" (medimgbook.sty) and between Chinese characters
                pieces = re.split(r"(?<=[_./])|\s+" if is_code else
                                  r"\s+|(?<=[_.^])|(?<=[\u2e80-\uffff])|(?=[\u2e80-\uffff])",
                                  str(text))
                # (code widths are exact, monospace; text widths an estimate, with a margin)
                words += [text_ems(piece, is_code) + (0.15 if is_code else 0.6)
                          for piece in pieces if piece]
                line += text_ems(str(text), is_code)
            lines.append(line)
        least.append(max(words))
        natural.append(max(max(lines), least[-1]))
    turned = sum(least) + len(columns) * TABLE_GAP_EM > width_em and len(rows) <= KEEP_MAX_ROWS
    if turned:   # too wide for the page: set it across the page's height, turned by a quarter
        width_em = TABLE_WIDTH_EM["turned"]
    room = width_em - len(columns) * TABLE_GAP_EM
    spare = room - sum(least)
    extra = [n - m for n, m in zip(natural, least)]
    if spare <= 0 or not sum(extra):
        widths = least if spare <= 0 else natural
    else:
        share = min(1.0, spare / sum(extra))
        widths = [m + e * share for m, e in zip(least, extra)]
    return "".join(f"P{{{w:.2f}em}}" for w in widths), turned


class PrintTranslator(LaTeXTranslator):
    """Sphinx's LaTeX writer, with the book's blocks kept together and set wide."""

    def keepable(self, node: nodes.Element) -> bool:
        return (not in_box(node) and literal_lines(node) <= KEEP_MAX_LINES
                and table_rows(node) <= KEEP_MAX_ROWS)

    def visit_container(self, node: nodes.Element) -> None:
        if node.get("nb_element") == "cell_code" and not in_box(node):
            node["medimg_keep"] = self.keepable(node)
            self.body.append("\n\\begin{medimgwide}" + (
                "\\begin{medimgkeep}" if node["medimg_keep"] else "\\medimgneedlines{8}"))
        super().visit_container(node)

    def depart_container(self, node: nodes.Element) -> None:
        super().depart_container(node)
        if node.get("nb_element") == "cell_code" and not in_box(node):
            self.body.append("\n" + ("\\end{medimgkeep}" if node["medimg_keep"] else "")
                             + "\\end{medimgwide}\n")

    @staticmethod
    def _context(node: nodes.Element) -> str:
        """Where a block is: in a code "cell", a "box", a "list" (where it keeps the list's
        indent), or at the "top" of the page's flow."""
        if in_box(node):
            return "box"
        parent = node.parent
        while parent is not None:
            if isinstance(parent, nodes.container) and parent.get("nb_element") == "cell_code":
                return "cell"
            if isinstance(parent, (nodes.list_item, nodes.definition)):
                return "list"
            parent = parent.parent
        return "top"

    def _outside_cells(self, node: nodes.Element) -> bool:
        """At the top of the flow: a block there may take the wide measure."""
        return self._context(node) == "top"

    def visit_literal_block(self, node: nodes.Element) -> None:
        node["medimg_wrap"] = self._outside_cells(node)
        if node["medimg_wrap"]:
            keep = literal_lines(node) <= KEEP_MAX_LINES
            node["medimg_keep"] = keep
            self.body.append("\n\\begin{medimgwide}" + ("\\begin{medimgkeep}" if keep else ""))
        try:
            super().visit_literal_block(node)
        except nodes.SkipNode:
            # Sphinx writes the whole block in visit and skips depart: close here.
            self._close_literal_block(node)
            raise

    def depart_literal_block(self, node: nodes.Element) -> None:
        super().depart_literal_block(node)
        self._close_literal_block(node)

    def _close_literal_block(self, node: nodes.Element) -> None:
        if node.get("medimg_wrap"):
            self.body.append(("\\end{medimgkeep}" if node["medimg_keep"] else "")
                             + "\\end{medimgwide}\n")

    def visit_table(self, node: nodes.Element) -> None:
        node["medimg_wide"] = self._outside_cells(node) and table_is_wide(node)
        node["medimg_turned"] = False
        if not self.next_table_colspec and not self.tables:
            where = {"box": "box", "list": "box", "cell": "output"}.get(
                self._context(node), "wide" if node["medimg_wide"] else "text")
            layout = table_colspec(node, TABLE_WIDTH_EM[where])
            if layout:
                self.next_table_colspec, node["medimg_turned"] = layout
        if node["medimg_wide"]:
            self.body.append("\n\\begin{medimgwide}")
        if node["medimg_turned"]:
            self.body.append("\n\\begin{medimgturned}")
        super().visit_table(node)
        if in_box(node):
            # A longtable ships its rows through the output routine, which a box's frame
            # (framed.sty) also owns: inside a box it loses what stands before it on the
            # page. A plain table there; the frame breaks around it.
            self.table.is_longtable = lambda: False

    def depart_table(self, node: nodes.Element) -> None:
        super().depart_table(node)
        if node.get("medimg_turned"):
            self.body.append("\\end{medimgturned}\n")
        if node.get("medimg_wide"):
            self.body.append("\\end{medimgwide}\n")

    def visit_figure(self, node: nodes.Element) -> None:
        node["medimg_wide"] = self._outside_cells(node)
        if node["medimg_wide"]:
            self.body.append("\n\\begin{medimgwide}")
        super().visit_figure(node)

    def depart_figure(self, node: nodes.Element) -> None:
        super().depart_figure(node)
        if node.get("medimg_wide"):
            self.body.append("\\end{medimgwide}\n")


def visit_root_header(self, node: nodes.Element) -> None:
    """A heading of the preface (the root page), as an unnumbered section."""
    command = r"\section*" if node.get("level", 2) <= 2 else r"\subsection*"
    self.body.append("\n" + command + "{")


def depart_root_header(self, node: nodes.Element) -> None:
    self.body.append("}\n")


# --- Code for black-and-white printing -------------------------------------------------

class PrintStyle(Style):
    """Syntax told apart by weight and slant, in black and dark grey only.

    Keywords bold, comments italic, strings dark grey: differences a photocopy keeps.
    """

    background_color = "#ffffff"
    default_style = ""
    styles = {
        Token: "#000000",
        Comment: "italic #444444",
        Comment.Preproc: "noitalic bold #000000",
        Keyword: "bold #000000",
        Keyword.Pseudo: "nobold",
        Keyword.Type: "nobold",
        Operator.Word: "bold #000000",
        Name.Builtin.Pseudo: "#000000",
        Name.Decorator: "bold #000000",
        Name.Class: "bold #000000",
        Name.Function: "#000000",
        Name.Namespace: "#000000",
        Name.Exception: "bold #000000",
        String: "#333333",
        String.Doc: "italic #444444",
        String.Escape: "bold #333333",
        String.Interpol: "bold #333333",
        Number: "#000000",
        Generic.Heading: "bold",
        Generic.Subheading: "bold",
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Generic.Prompt: "bold",
        Generic.Error: "#000000",
        Generic.Traceback: "bold",
        Error: "border:#000000",
    }


def use_print_style(app: Sphinx, config: Config) -> None:
    config.pygments_style = f"{__name__}.PrintStyle"


def number_exercises_as_on_the_web(app: Sphinx) -> None:
    """Number exercises per chapter (Exercise 1.2), as the web pages do.

    sphinx-jupyterbook-latex sets ``numfig_secnum_depth`` to 2 so that LaTeX restarts the
    figure numbers in each chapter; Sphinx would then also number the exercises per
    section (Exercise 1.7.2). The exercises are numbered while the pages are read, with
    depth 1; the LaTeX writer, which comes after, gets depth 2 back (restored when the
    environment's consistency is checked, between the two).
    """
    app.config.numfig_secnum_depth = 1


def restore_figure_numbering(app: Sphinx, env) -> None:
    app.config.numfig_secnum_depth = 2


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    app.setup_extension("sphinx_jupyterbook_latex")
    app.add_config_value("medimg_edition", "", "env", types=[str])
    app.connect("config-inited", use_print_style)
    app.connect("builder-inited", number_exercises_as_on_the_web, priority=900)
    # After the numbers are assigned (env-get-updated), before the LaTeX writer starts.
    app.connect("env-check-consistency", restore_figure_numbering)
    app.add_transform(RemoveSolutions)
    app.add_post_transform(SolutionsAppendix)
    app.add_post_transform(RemovePlumbing)
    app.add_post_transform(KeepShortBoxesWhole)
    app.add_post_transform(DataFramesAsTables)
    app.add_post_transform(ColourFigureNote)
    app.add_post_transform(AddressesInBibliography)
    app.set_translator("latex", PrintTranslator, override=True)
    from sphinx_jupyterbook_latex.nodes import RootHeader
    app.add_node(RootHeader, override=True, latex=(visit_root_header, depart_root_header))
    return {"parallel_read_safe": True, "parallel_write_safe": True}
