"""The book builds strictly: no warning, every cell executed, every chapter present."""

import re
import tempfile
from pathlib import Path

from support import ROOT, code_cells, notebook_chapters, read_page, toc_pages


def test_strict_build_has_no_warnings(built_site):
    # Sphinx reports "path: WARNING: message"; the kernel's own startup notice is not one.
    warnings = [line for line in built_site.log.splitlines()
                if re.search(r"(WARNING|ERROR|CRITICAL):", line) or "finished with problems" in line]
    assert built_site.returncode == 0, built_site.log[-5000:]
    assert warnings == []


def test_every_toc_page_is_built(built_site, root):
    for name in toc_pages(root):
        assert (built_site.html / f"{name}.html").is_file(), name


def test_every_code_cell_ran(built_site, root):
    """Each code cell of each chapter left an output area, none of them an error."""
    for name in toc_pages(root):
        cells = len(code_cells(read_page(name, root)))
        html = (built_site.html / f"{name}.html").read_text(encoding="utf-8")
        # A tagged cell (remove-input for the page's plumbing, web-only, …) carries its tags
        # as classes: class="cell tag_remove-input docutils container".
        assert len(re.findall(r'class="cell (?:tag_[\w-]+ )*docutils container"', html)) == cells, name
        assert "Traceback" not in html, name
        assert not re.search(r'class="output (traceback|error)', html), name


def test_each_chapter_is_executed_once_in_a_folder_of_its_own(built_site, root):
    """The build started one kernel per notebook chapter, from an empty execution cache
    (so nothing was read from an earlier run), each in a new temporary folder, not in
    the repository (so a cell that finds its data relative to book/ would fail)."""
    chapters = notebook_chapters(root)
    folders = built_site.kernel_folders()
    assert len(folders) == len(chapters), folders
    assert len(set(folders)) == len(folders), folders
    for folder in folders:
        assert folder.parent == Path(tempfile.gettempdir()), folder
        assert ROOT not in (folder, *folder.parents), folder
        assert not folder.exists(), folder  # the temporary folder is gone after the run
    assert "Using cached notebook" not in built_site.log
    from jupyter_cache import get_cache
    cached = sorted(Path(record.uri) for record in get_cache(built_site.cache).list_cache_records())
    assert cached == sorted(root / f"{name}.md" for name in chapters)


def test_every_figure_cell_shows_an_image_with_alt_text(built_site, root):
    """A cell whose metadata asks for a figure must show an image, not "<Figure ...>" text.

    (A matplotlib Figure is shown as an image only when the kernel's inline backend is on;
    without it the build passes silently with text where the picture should be.)
    """
    for name in toc_pages(root):
        wanted = sum(1 for cell in code_cells(read_page(name, root))
                     if (cell.metadata.get("mystnb") or {}).get("figure"))
        html = (built_site.html / f"{name}.html").read_text(encoding="utf-8")
        figures = re.findall(r"<figure[^>]*>(.*?)</figure>", html, flags=re.DOTALL)
        with_image = [f for f in figures if re.search(r'<img alt="[^"]{8,}"', f)]
        assert len(with_image) == len(figures) == wanted, name
        assert "&lt;Figure size" not in html, name
