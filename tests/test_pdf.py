"""The printed book: both PDF editions build, and read as the web pages do.

One session fixture builds the student handout and the instructor edition with
book/_latex/pdf.py, as `make pdf` does, into ``MEDIMG_TEST_PDF_BUILD`` (default
_build/test-pdf, so that two people testing at once do not share a folder), reading the
notebooks the strict HTML build of conftest.py executed (pdf.py --cache) rather than
executing them again. What each
test expects is computed from the sources (_toc.yml, the chapters, the glossary) or from
the strict HTML build of conftest.py, never written out here, because the chapters keep
changing. Two pages are rendered to PNG under the build folder's review/ for a person
to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pypdf
import pytest
from bs4 import BeautifulSoup
from PIL import Image

from support import ROOT, notebook_chapters, toc_chapters, toc_pages

EDITIONS = ("handout", "instructor")
# Terms the lecture's readers look for first; the test also takes all the glossary's.
CHINESE_TERMS = ("像素", "矩陣", "肺炎")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


@dataclass
class Pdfs:
    """Where one run of book/_latex/pdf.py left the two editions, and how long it took."""

    out: Path
    seconds: float

    def pdf(self, edition: str) -> Path:
        return self.out / "latex" / f"medimg-warmup-{edition}.pdf"

    def latex(self, edition: str) -> Path:
        return self.out / f"pdf-{edition}" / "_build" / "latex"


@pytest.fixture(scope="session")
def pdfs(built_site) -> Pdfs:
    out = Path(os.environ.get("MEDIMG_TEST_PDF_BUILD", ROOT / "_build" / "test-pdf")).resolve()
    shutil.rmtree(out, ignore_errors=True)
    start = time.monotonic()
    proc = subprocess.run([sys.executable, str(ROOT / "book" / "_latex" / "pdf.py"),
                           "--out", str(out), "--cache", str(built_site.cache)],
                          cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        logs = "".join((out / f"pdf-{e}" / "build.log").read_text(errors="replace")[-4000:]
                       for e in EDITIONS if (out / f"pdf-{e}" / "build.log").is_file())
        pytest.fail(f"PDF build failed:\n{proc.stdout}{proc.stderr}\n{logs}")
    return Pdfs(out, time.monotonic() - start)


# --- Reading the sources and the PDFs -------------------------------------------------------

def h1(source: str) -> str:
    """The page title: the first level-1 heading outside code."""
    in_code = False
    for line in source.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and line.startswith("# "):
            return re.sub(r"[*`]", "", line[2:]).strip()
    raise AssertionError("no H1 heading")


def solutions(source: str) -> list[str]:
    """The text of each solution directive, plain or gated (solution-start … -end)."""
    found = []
    for match in re.finditer(r"^(`{3,})\{solution\}.*?\n(.*?)^\1\s*$", source, re.M | re.S):
        found.append(match.group(2))
    for match in re.finditer(r"^```\{solution-start\}.*?^```\s*$(.*?)^```\{solution-end\}",
                             source, re.M | re.S):
        found.append(match.group(1))
    return found


def prose_snippet(text: str) -> str:
    """The longest stretch of plain prose in `text` (no code, markup or maths), or ''."""
    best = ""
    in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        if in_code or line.startswith(":") or line.lstrip().startswith(("#", "|", "-", "*")):
            continue
        for piece in re.split(r"[`$*{}\[\]<>_|]|\(\w+\)=", line):
            piece = piece.strip(" .,;:")
            if len(piece.split()) >= 4 and len(piece) > len(best):
                best = piece
    return best


def letters(text: str) -> str:
    """Letters only, lower case: immune to line breaks, hyphenation and spacing."""
    return "".join(ch for ch in text.lower() if ch.isalpha())


def compact(text: str) -> str:
    """Letters and digits only, lower case ("Fig. 1.2: The" -> "fig12the")."""
    return re.sub(r"[\W_]+", "", text.lower())


@cache
def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def spaced(text: str) -> str:
    return " ".join(text.split())


def graphics_per_page(path: Path) -> list[int]:
    """How many images and embedded PDF drawings (figures) each page shows."""
    counts = []
    for page in pypdf.PdfReader(path).pages:
        resources = page.get("/Resources")
        xobjects = resources.get_object().get("/XObject") if resources else None
        counts.append(sum(1 for ref in (xobjects.get_object().values() if xobjects else [])
                          if ref.get_object().get("/Subtype") in ("/Image", "/Form")))
    return counts


def html_figures(html: Path, *, with_solutions: bool) -> tuple[int, list[str]]:
    """Images in a page's article, and its figure captions ("Fig. 1.2: The …")."""
    article = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select_one("article")
    images = [img for img in article.find_all("img")
              if with_solutions or not img.find_parent(class_="solution")]
    captions = []
    for caption in article.find_all("figcaption"):
        if not with_solutions and caption.find_parent(class_="solution"):
            continue
        number = caption.find(class_="caption-number")
        text = caption.find(class_="caption-text")
        if number and text:
            captions.append(f"{number.get_text().strip()}: {' '.join(text.get_text().split()[:4])}")
    return len(images), captions


# --- The editions ---------------------------------------------------------------------------

def test_both_editions_are_real_books(pdfs):
    for edition in EDITIONS:
        pdf = pdfs.pdf(edition)
        assert pdf.is_file(), edition
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
        assert pages > 20, (edition, pages)
        assert "A4" in info, edition
        first_page = subprocess.run(["pdftotext", "-l", "1", str(pdf), "-"],
                                    capture_output=True, text=True).stdout
        for credit in ("李易儒", "森元俊成", "Institute of Statistical Science, Academia Sinica",
                       "中央研究院統計科學研究所"):
            assert credit in first_page, (edition, credit)
    assert "Student handout" in pdf_text(pdfs.pdf("handout"))
    assert "Instructor edition" in pdf_text(pdfs.pdf("instructor"))


def test_the_editions_read_the_notebooks_the_html_build_executed(pdfs, root):
    """Each chapter is executed once per test run: both PDF builds take every notebook
    from the HTML build's execution cache and execute none."""
    for edition in EDITIONS:
        log = (pdfs.out / f"pdf-{edition}" / "build.log").read_text(encoding="utf-8")
        assert "Executing notebook" not in log, edition
        assert log.count("Using cached notebook") == len(notebook_chapters(root)), edition


def test_no_character_is_missing_from_the_fonts(pdfs):
    for edition in EDITIONS:
        log = (pdfs.latex(edition) / "book.log").read_text(encoding="utf-8", errors="replace")
        missing = [line for line in log.splitlines() if "Missing character" in line]
        assert missing == [], (edition, missing[:10])


def test_long_lines_of_code_and_output_wrap(pdfs):
    """No line of code or output sticks out into the margin: long ones wrap."""
    for edition in EDITIONS:
        latex = pdfs.latex(edition)
        tex = (latex / "book.tex").read_text(encoding="utf-8").splitlines()
        verbatim, inside = set(), False
        for number, line in enumerate(tex, 1):
            if line.startswith(r"\begin{sphinxVerbatim}"):
                inside = True
            if inside:
                verbatim.add(number)
            if line.startswith(r"\end{sphinxVerbatim}"):
                inside = False
        assert verbatim, edition
        log = (latex / "book.log").read_text(encoding="utf-8", errors="replace")
        overfull = re.findall(r"Overfull \\hbox \(([\d.]+)pt too wide\).*?lines? (\d+)", log)
        assert [(pt, line) for pt, line in overfull if int(line) in verbatim] == [], edition


def test_handout_has_every_chapter_title_in_order(pdfs, root):
    text = spaced(pdf_text(pdfs.pdf("handout")))
    position = 0
    for name in toc_chapters(root):
        title = h1((root / f"{name}.md").read_text(encoding="utf-8"))
        found = text.find(title, position)
        assert found >= 0, (name, title)
        position = found + len(title)


def test_chinese_terms_are_printed_exactly(pdfs, root):
    """The lecture's terms and every Chinese term of the glossary, as characters."""
    glossary = (root / "book" / "glossary.md").read_text(encoding="utf-8")
    terms = set(CHINESE_TERMS)
    for line in glossary.splitlines():
        if line.startswith("  ") and CJK.match(line.strip()):
            terms.add(CJK.match(line.strip()).group())
    text = "".join(pdf_text(pdfs.pdf("handout")).split())
    assert sorted(term for term in terms if term not in text) == []
    assert len(terms) >= len(CHINESE_TERMS)


def test_solutions_only_in_the_instructor_edition(pdfs, root):
    handout = letters(pdf_text(pdfs.pdf("handout")))
    instructor = letters(pdf_text(pdfs.pdf("instructor")))
    checked = 0
    for name in toc_chapters(root):
        for solution in solutions((root / f"{name}.md").read_text(encoding="utf-8")):
            snippet = letters(prose_snippet(solution))
            if len(snippet) < 25:
                continue
            assert snippet in instructor, (name, prose_snippet(solution))
            assert snippet not in handout, (name, prose_snippet(solution))
            checked += 1
    total = sum(len(solutions((root / f"{n}.md").read_text(encoding="utf-8")))
                for n in toc_chapters(root))
    assert checked >= total * 0.8, (checked, total)
    assert "Solution to" not in pdf_text(pdfs.pdf("handout"))


def test_every_figure_is_printed_with_its_web_number(pdfs, built_site, root):
    """As many figures as the web pages show (less the solutions' in the handout), each
    with the number and caption it has on the web."""
    pages = toc_pages(root)
    for edition in EDITIONS:
        expected, captions = 0, []
        for name in pages:
            count, page_captions = html_figures(built_site.html / f"{name}.html",
                                                with_solutions=edition == "instructor")
            expected += count
            captions += page_captions
        assert sum(graphics_per_page(pdfs.pdf(edition))) == expected, edition
        text = compact(pdf_text(pdfs.pdf(edition)))
        assert [c for c in captions if compact(c) not in text] == [], edition


def test_plots_are_vector_and_images_at_print_resolution(pdfs):
    """Figures drawn by code are embedded as PDF (vector); every pixel image inside the
    book has at least 150 pixels per inch on paper."""
    for edition in EDITIONS:
        tex = (pdfs.latex(edition) / "book.tex").read_text(encoding="utf-8")
        graphics = re.findall(r"\\sphinxincludegraphics(?:\[[^]]*\])?\{\{(.+?)\}(\.\w+)\}", tex)
        outputs = [ext for name, ext in graphics if re.fullmatch(r"[0-9a-f]{64}", name)]
        assert outputs and set(outputs) == {".pdf"}, (edition, set(outputs))
        listing = subprocess.run(["pdfimages", "-list", str(pdfs.pdf(edition))],
                                 capture_output=True, text=True, check=True).stdout
        rows = [line.split() for line in listing.splitlines()[2:]]
        low = [row for row in rows if row[2] == "image" and min(int(row[12]), int(row[13])) < 150]
        assert low == [], (edition, low[:5])


def test_bibliography_is_at_the_end(pdfs, root):
    """Every work of references.bib is listed in the last chapter, after all the others."""
    bib = (root / "book" / "references.bib").read_text(encoding="utf-8")
    titles = re.findall(r"^\s*title\s*=\s*\{(.*)\},?\s*$", bib, re.M)
    assert titles
    text = pdf_text(pdfs.pdf("handout")).lower()  # chapter headings are set in capitals
    *_, previous, last = (h1((root / f"{name}.md").read_text(encoding="utf-8")).lower()
                          for name in toc_chapters(root))
    end = text[text.rfind(previous):]  # from the last page of the chapter before
    assert last in end
    # An entry may break across pages, with footnotes and the running head in between:
    # look for the title's beginning, and for each of its words.
    found = letters(end)
    assert [title for title in titles if letters(title)[:20] not in found
            or any(letters(word) not in found for word in re.findall(r"[A-Za-z]{4,}", title))
            ] == []


def test_review_pages_are_rendered(pdfs):
    """Render a page with Chinese text and a page with a figure to PNG, for a person to see."""
    pdf = pdfs.pdf("handout")
    review = pdfs.out / "review"
    review.mkdir(exist_ok=True)
    pages = pdf_text(pdf).split("\f")
    cjk_counts = [sum(map(len, CJK.findall(page))) for page in pages]
    chinese = cjk_counts.index(max(cjk_counts)) + 1  # the page with the most Chinese
    figure = next(i for i, n in enumerate(graphics_per_page(pdf), 1) if n)
    for label, page in (("chinese", chinese), ("figure", figure)):
        prefix = review / f"handout-{label}"
        subprocess.run(["pdftoppm", "-png", "-r", "100", "-singlefile", "-f", str(page),
                        "-l", str(page), str(pdf), str(prefix)], check=True)
        grey = np.asarray(Image.open(f"{prefix}.png").convert("L"))
        assert grey.shape[0] > 1000  # an A4 page at 100 dpi is 1170 pixels tall
        assert (grey < 128).mean() > 0.005, label  # something is printed on it


# --- Printing a web page --------------------------------------------------------------------

def test_web_pages_print_without_sidebars_or_buttons(built_site, root):
    css = (built_site.html / "_static" / "print.css").read_text(encoding="utf-8")
    assert "@media print" in css
    for selector in (".bd-sidebar-primary", ".bd-sidebar-secondary", ".bd-header",
                     ".article-header-buttons", "button"):
        assert re.search(rf"(^|[\s,]){re.escape(selector)}\s*[,{{]", css, re.M), selector
    for name in toc_chapters(root):
        html = (built_site.html / f"{name}.html").read_text(encoding="utf-8")
        assert re.search(r'<link[^>]+href="[./]*_static/print\.css', html), name


@pytest.mark.browser  # Chromium prints, poppler's pdftotext reads
@pytest.mark.pdf
def test_a_printed_web_page_shows_all_its_code_outputs_and_tables(built_site, root, tmp_path):
    """Print each chapter with Chromium: every line of code and output, and every table
    cell, is on paper in full (none cut off at the edge), and the sidebars are not."""
    for name in toc_chapters(root):
        html = built_site.html / f"{name}.html"
        pdf = tmp_path / f"{Path(name).name}.pdf"
        subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--no-first-run", "--no-pdf-header-footer",
                        f"--print-to-pdf={pdf}", html.as_uri()],
                       capture_output=True, timeout=120, check=True)
        printed = compact(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                                         capture_output=True, text=True, check=True).stdout)
        article = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").select_one("article")
        shown = [node for node in article.find_all(["pre", "td"])
                 if not node.find_parent(class_=["solution", "dropdown", "toggle-hidden"])]
        pieces = [line for node in shown for line in node.get_text().splitlines()]
        missing = [line for line in pieces if compact(line) and compact(line) not in printed]
        assert missing == [], (name, missing[:5])
        assert "ctrlk" not in printed, name  # the search box of the header
