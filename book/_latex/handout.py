"""Sphinx extension for the student handout: leave every exercise solution out.

sphinx-exercise has a switch for this, ``hide_solutions``, but it cannot hide a *gated*
solution (``solution-start`` … ``solution-end``, the form the chapters use for solutions
with code): the start is dropped, its content stays, and the build stops at the orphaned
end marker (sphinx-exercise issue #89, open in November 2026). This transform instead
runs after sphinx-exercise has merged each gated solution into one solution node, and
removes every solution node, gated or not; the figures after a removed one keep their
numbers. book/_latex/pdf.py loads this extension for the handout.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx_exercise.nodes import solution_node


class RemoveSolutions(SphinxTransform):
    """Remove each exercise solution from the page."""

    # sphinx-exercise merges gated solutions at priority 10; run after it.
    default_priority = 20

    def apply(self, **kwargs) -> None:
        for node in list(self.document.findall(solution_node)):
            # Figures keep the numbers they have on the web: count the removed ones.
            figures = sum(1 for _ in node.findall(nodes.figure))
            if figures:
                node.replace_self(nodes.raw("", rf"\addtocounter{{figure}}{{{figures}}}",
                                            format="latex"))
            else:
                node.parent.remove(node)


def setup(app: Sphinx) -> dict:
    app.setup_extension("sphinx_exercise")
    app.add_transform(RemoveSolutions)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
