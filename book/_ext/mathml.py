"""Formulas as MathML, made when the book is built: no maths script for the reader to load.

Sphinx shows formulas in HTML with MathJax, a script of 1.2 MB (its smallest useful set of
components is still about 650 kB) that typesets the LaTeX in the reader's browser. The
book's formulas are short and inline (``$2^8 = 256$``, ``255 \\cdot (x/255)^\\gamma``), and
every current browser draws MathML, the web's own notation for maths, with no script at
all. This extension registers a Sphinx HTML maths renderer, ``mathml``, that turns each
formula's LaTeX into MathML at build time with latex2mathml. The PDF edition is not
concerned: LaTeX typesets the same source directly.

A formula that latex2mathml cannot translate faithfully (an unknown command, or an
alignment ``&``) is a build warning, so the strict build stops rather than show a wrong
formula; the message says which formula and what to change.
"""

from __future__ import annotations

import html
import re
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

#: What latex2mathml leaves in its output when it does not know a command or an ``&``.
_UNTRANSLATED = re.compile(r"<m[io][^>]*>\s*(\\[A-Za-z]+|&(?:amp;)?)\s*</m[io]>"
                           r'|<mspace linebreak="(newline)"')


class MathMLError(ValueError):
    """A formula that cannot be written as MathML faithfully."""


def to_mathml(latex: str, display: str = "inline") -> str:
    """The MathML of one LaTeX formula (``display`` is "inline" or "block").

    The LaTeX source goes into the ``alttext`` attribute for assistive software that reads
    it instead of the MathML. Raises :class:`MathMLError` if latex2mathml leaves a command
    untranslated.
    """
    from latex2mathml.converter import convert

    latex = latex.strip()
    try:
        mathml = convert(latex, display=display)
    except Exception as err:  # latex2mathml raises its own errors for malformed LaTeX
        raise MathMLError(f"cannot read the formula {latex!r}: {err}") from None
    found = _UNTRANSLATED.search(mathml)
    if found:
        what = found.group(1) or r"\\"  # a line break, which MathML Core does not draw
        raise MathMLError(
            f"the formula {latex!r} uses {html.unescape(what)!r}, which cannot be "
            "shown as MathML here; write it with other commands (e.g. one formula per "
            "line instead of an aligned block)")
    alt = html.escape(latex, quote=True)
    return mathml.replace("<math ", f'<math alttext="{alt}" ', 1)


def _warn(self: Any, node: nodes.Element, err: MathMLError) -> None:
    logger.warning("mathml: %s", err, location=node, type="mathml", subtype="untranslated")
    self.body.append(f'<code class="math-error">{self.encode(node.astext())}</code>')


def visit_math(self: Any, node: nodes.math) -> None:
    try:
        mathml = to_mathml(node.astext(), "inline")
    except MathMLError as err:
        _warn(self, node, err)
    else:
        self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
        self.body.append(mathml + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.math_block) -> None:
    self.body.append(self.starttag(node, "div", CLASS="math notranslate nohighlight"))
    if node.get("number"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, "Link to this equation")
        self.body.append("</span>")
    # Sphinx's convention: a blank line separates equations in one block.
    for part in (p for p in node.astext().split("\n\n") if p.strip()):
        try:
            self.body.append(to_mathml(part, "block"))
        except MathMLError as err:
            _warn(self, node, err)
    self.body.append("</div>\n")
    raise nodes.SkipNode


def setup(app: Sphinx) -> dict:
    app.add_html_math_renderer("mathml", (visit_math, None), (visit_displaymath, None))
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
