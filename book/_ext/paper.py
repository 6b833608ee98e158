"""One source, two media: what the book says on a web page and what it says on paper.

This Sphinx extension is loaded by every build (web and PDF). It gives chapter authors
three small pieces of markup and cleans what the build machine leaves in outputs:

``{web}`text``` and ``{paper}`text```
    Words true only on the web page (a button, a folded answer, "click") and their
    replacement on paper. The text is MyST markdown (``**bold**`` works); for text with
    code in it use two backticks around the role's text. ``{web}`` is kept by the HTML
    builders only, ``{paper}`` by the LaTeX builder only; a whole paragraph can use the
    ``{only} html`` / ``{only} latex`` directives instead.

``{subtitle}`中文```
    The Traditional Chinese subtitle under a heading, written alone on the line below
    it. It is styled on purpose on both media (upright, in a quieter colour, marked as
    Chinese with ``lang``), where ``*中文*`` printed as stray upright body text, because
    CJK fonts have no italic.

Outputs without the build machine in them
    A cell's output may print a path of the machine that built the book: a temporary
    folder, the virtual environment's site-packages, the repository. Such prefixes are
    shortened the way :func:`medimg.paths.shorten` shortens the data folder, to
    ``<tmp>``, ``<site-packages>``, ``<data>`` and ``<book>``, so that neither the site
    nor the handout shows where it was built.

The bibliography style of the book (author–year in the text and in the list, with
"2018a"/"2018b" when one author has two works in a year) is registered here too.
"""

from __future__ import annotations

import os
import re
import site
import sysconfig
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util.docutils import SphinxRole

ROOT = Path(__file__).resolve().parents[2]


# --- {web} and {paper} ------------------------------------------------------------------

class MediumRole(SphinxRole):
    """Inline text kept by one kind of builder only (an inline ``only`` node)."""

    def __init__(self, expr: str) -> None:
        super().__init__()
        self.expr = expr

    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        only = addnodes.only(expr=self.expr)
        only.source, only.line = self.get_source_info()
        children, messages = self.inliner.parse(self.text, self.lineno, self.inliner, only)
        only += children
        return [only], messages


# --- {subtitle} -------------------------------------------------------------------------

class medimg_subtitle(nodes.Inline, nodes.TextElement):
    """The Chinese subtitle under a heading."""


class SubtitleRole(SphinxRole):
    def run(self) -> tuple[list[nodes.Node], list[nodes.system_message]]:
        node = medimg_subtitle(self.rawtext, self.text, classes=["medimg-subtitle"])
        node.source, node.line = self.get_source_info()
        return [node], []


def visit_subtitle_html(self, node: medimg_subtitle) -> None:
    self.body.append(self.starttag(node, "span", "", lang="zh-Hant-TW"))


def depart_subtitle_html(self, node: medimg_subtitle) -> None:
    self.body.append("</span>")


def visit_subtitle_latex(self, node: medimg_subtitle) -> None:
    self.body.append(r"\medimgsubtitle{")


def depart_subtitle_latex(self, node: medimg_subtitle) -> None:
    self.body.append("}")


def visit_subtitle_text(self, node: medimg_subtitle) -> None:
    pass


def depart_subtitle_text(self, node: medimg_subtitle) -> None:
    pass


# --- Outputs without the build machine ------------------------------------------------

def machine_prefixes() -> list[tuple[re.Pattern, str]]:
    """(pattern, replacement) pairs for paths of this machine, most specific first."""
    folders: list[tuple[str, str]] = []
    for path in {*site.getsitepackages(), sysconfig.get_paths()["purelib"],
                 sysconfig.get_paths()["platlib"]}:
        folders.append((path, "<site-packages>"))
    data = os.environ.get("MEDIMG_DATA") or str(ROOT / "data")
    folders.append((data, "<data>"))
    folders.append((str(ROOT), "<book>"))
    pairs = []
    temp = re.escape(tempfile.gettempdir().rstrip("/"))
    # A temporary folder made by tempfile (tmpab12_cd) reads as <tmp>, as does the rest.
    pairs.append((re.compile(temp + r"/(?:tmp|pytest-)[\w.-]*"), "<tmp>"))
    for path, name in sorted(folders, key=lambda item: -len(item[0])):
        for variant in {path, os.path.realpath(path)}:
            pairs.append((re.compile(spelled(variant.rstrip("/")) + r"(?=/|\b)"), name))
    pairs.append((re.compile(temp + r"(?=/)"), "<tmp>"))
    home = str(Path.home())
    if home not in ("/", ""):
        pairs.append((re.compile(re.escape(home) + r"(?=/)"), "~"))
    return pairs


def spelled(path: str) -> str:
    """A regular expression for ``path`` as an output may print it: textwrap.fill breaks
    long lines after a hyphen ("site-" / "packages"), so a line break may follow one."""
    return r"-\n?".join(re.escape(part) for part in path.split("-"))


def scrub(text: str, pairs: list[tuple[re.Pattern, str]]) -> str:
    for pattern, replacement in pairs:
        text = pattern.sub(replacement, text)
    return text


class ScrubMachinePaths(SphinxTransform):
    """Shorten this machine's paths in every cell output (see the module docstring)."""

    default_priority = 700

    def apply(self, **kwargs: Any) -> None:
        pairs = machine_prefixes()
        outputs = [node for node in self.document.findall(nodes.container)
                   if node.get("nb_element") == "cell_code_output"]
        for output in outputs:
            for block in list(output.findall(nodes.literal_block)):
                new = scrub(block.astext(), pairs)
                if new != block.astext():
                    block.children = [nodes.Text(new)]
                    block.rawsource = new
            for text in list(output.findall(nodes.Text)):
                if isinstance(text.parent, nodes.literal_block):
                    continue
                new = scrub(str(text), pairs)
                if new != str(text):
                    text.parent.replace(text, nodes.Text(new))
            for raw in list(output.findall(nodes.raw)):
                new = scrub(raw.astext(), pairs)
                if new != raw.astext():
                    raw.children = [nodes.Text(new)]


# --- Bibliography: author–year, in the text and in the list ---------------------------

def _register_bibliography_styles() -> None:
    """Register the pybtex label/formatting styles and the in-text reference style."""
    from pybtex.plugin import register_plugin as register_pybtex
    from pybtex.style.formatting.plain import Style as PlainStyle
    from pybtex.style.labels import BaseLabelStyle
    from pybtex.style.sorting import BaseSortingStyle
    from sphinxcontrib.bibtex.plugin import register_plugin as register_bibtex
    from sphinxcontrib.bibtex.style.referencing import BracketStyle, PersonStyle
    from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
    from sphinxcontrib.bibtex.style.referencing.basic_author_year import (
        BasicAuthorYearParentheticalReferenceStyle, BasicAuthorYearTextualReferenceStyle)
    from sphinxcontrib.bibtex.style.template import join, join2, node, post_text, pre_text, reference
    from pybtex.richtext import Text

    def authors(entry) -> str:
        persons = entry.persons.get("author") or entry.persons.get("editor") or []
        last = [" ".join(p.last_names).replace("{", "").replace("}", "") for p in persons]
        if not last:
            return entry.fields.get("title", "Anonymous")
        if len(last) == 1:
            return last[0]
        if len(last) == 2:
            return f"{last[0]} and {last[1]}"
        return f"{last[0]} et al."

    class AuthorYearLabels(BaseLabelStyle):
        """Labels "Miller, 1956", "Kermany et al., 2018a": unique, and as cited in the text."""

        def format_labels(self, sorted_entries):
            entries = list(sorted_entries)
            bases = [f"{authors(e)}, {e.fields.get('year', 'n.d.')}" for e in entries]
            counts = Counter(bases)
            seen: defaultdict[str, int] = defaultdict(int)
            for base in bases:
                if counts[base] > 1:
                    yield base + "abcdefghijklmnopqrstuvwxyz"[seen[base]]
                    seen[base] += 1
                else:
                    yield base

    class AuthorYearSort(BaseSortingStyle):
        """By the label's authors (braces of a corporate author ignored), year, title."""

        def sorting_key(self, entry):
            return (authors(entry).lower(), entry.fields.get("year", ""),
                    entry.fields.get("title", "").lower())

    class AuthorYearStyle(PlainStyle):
        """pybtex's plain style with author–year labels, sorted as the labels read."""

        default_label_style = AuthorYearLabels
        default_sorting_style = AuthorYearSort

    @node
    def label_year(children, data):
        """The year part of the entry's label, with its letter: "2018a"."""
        assert not children
        return Text(data["formatted_entry"].label.rsplit(", ", 1)[-1])

    @node
    def label_authors(children, data):
        assert not children
        return Text(data["formatted_entry"].label.rsplit(", ", 1)[0])

    @dataclass
    class Parenthetical(BasicAuthorYearParentheticalReferenceStyle):
        def inner(self, role_name: str):
            return join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
                pre_text, reference[join(sep=self.author_year_sep)[label_authors, label_year]],
                post_text]

    @dataclass
    class Textual(BasicAuthorYearTextualReferenceStyle):
        def inner(self, role_name: str):
            return join(sep=self.text_reference_sep)[
                label_authors,
                join[self.bracket.left,
                     join2(sep1=self.pre_text_sep, sep2=self.post_text_sep)[
                         pre_text, reference[label_year], post_text],
                     self.bracket.right]]

    round_brackets = BracketStyle(left="(", right=")")

    @dataclass
    class BookReferenceStyle(AuthorYearReferenceStyle):
        """(Kermany et al., 2018a) and Kermany et al. (2018a), matching the list's labels."""

        bracket_parenthetical: BracketStyle = field(default_factory=lambda: round_brackets)
        bracket_textual: BracketStyle = field(default_factory=lambda: round_brackets)
        person: PersonStyle = field(default_factory=PersonStyle)

        def __post_init__(self):
            super().__post_init__()
            self.styles[0] = Parenthetical(
                bracket=self.bracket_parenthetical, person=self.person,
                author_year_sep=self.author_year_sep, pre_text_sep=self.pre_text_sep,
                post_text_sep=self.post_text_sep)
            self.styles[1] = Textual(
                bracket=self.bracket_textual, person=self.person,
                text_reference_sep=self.text_reference_sep, pre_text_sep=self.pre_text_sep,
                post_text_sep=self.post_text_sep)
            self.role_style.update((role, style) for style in self.styles[:2]
                                   for role in style.role_names())

    register_pybtex("pybtex.style.labels", "medimg_author_year", AuthorYearLabels)
    register_pybtex("pybtex.style.sorting", "medimg_author_year", AuthorYearSort)
    register_pybtex("pybtex.style.formatting", "medimg_author_year", AuthorYearStyle)
    register_bibtex("sphinxcontrib.bibtex.style.referencing", "medimg_author_year",
                    BookReferenceStyle)


def setup(app: Sphinx) -> dict:
    app.add_role("web", MediumRole("html"))
    app.add_role("paper", MediumRole("latex"))
    app.add_role("subtitle", SubtitleRole())
    app.add_node(medimg_subtitle,
                 html=(visit_subtitle_html, depart_subtitle_html),
                 latex=(visit_subtitle_latex, depart_subtitle_latex),
                 text=(visit_subtitle_text, depart_subtitle_text),
                 man=(visit_subtitle_text, depart_subtitle_text),
                 texinfo=(visit_subtitle_text, depart_subtitle_text))
    app.add_transform(ScrubMachinePaths)
    _register_bibliography_styles()
    return {"parallel_read_safe": True, "parallel_write_safe": True}
