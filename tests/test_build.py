"""The book builds strictly: no warning, every cell executed, every chapter present."""

import re

import yaml


def toc_files(root):
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc["parts"]:
        files += [chapter["file"] for chapter in part["chapters"]]
    return files


def test_strict_build_has_no_warnings(built_site):
    # Sphinx reports "path: WARNING: message"; the kernel's own startup notice is not one.
    warnings = [line for line in built_site.log.splitlines()
                if re.search(r"(WARNING|ERROR|CRITICAL):", line) or "finished with problems" in line]
    assert built_site.returncode == 0, built_site.log[-5000:]
    assert warnings == []


def test_every_toc_page_is_built(built_site, root):
    for name in toc_files(root):
        assert (built_site.html / f"{name}.html").is_file(), name


def test_every_code_cell_ran(built_site, root):
    """Each code cell of each chapter left an output area, none of them an error."""
    for name in toc_files(root):
        source = (root / f"{name}.md").read_text(encoding="utf-8")
        cells = source.count("```{code-cell}")
        html = (built_site.html / f"{name}.html").read_text(encoding="utf-8")
        # (a cell's tags, such as web-only, add tag_… classes)
        assert len(re.findall(r'class="cell (?:tag_[\w-]+ )*docutils container"', html)) == cells, name
        assert "Traceback" not in html, name
        assert not re.search(r'class="output (traceback|error)', html), name


def test_execution_is_forced(root):
    config = yaml.safe_load((root / "_config.yml").read_text())
    assert config["execute"]["execute_notebooks"] == "force"


def test_every_figure_cell_shows_an_image_with_alt_text(built_site, root):
    """A cell whose metadata asks for a figure must show an image, not "<Figure ...>" text.

    (A matplotlib Figure is shown as an image only when the kernel's inline backend is on;
    without it the build passes silently with text where the picture should be.)
    """
    for name in toc_files(root):
        source = (root / f"{name}.md").read_text(encoding="utf-8")
        wanted = len(re.findall(r"^mystnb:\n  figure:", source, flags=re.MULTILINE))
        html = (built_site.html / f"{name}.html").read_text(encoding="utf-8")
        figures = re.findall(r"<figure[^>]*>(.*?)</figure>", html, flags=re.DOTALL)
        with_image = [f for f in figures if re.search(r'<img alt="[^"]{8,}"', f)]
        assert len(with_image) == len(figures) == wanted, name
        assert "&lt;Figure size" not in html, name
