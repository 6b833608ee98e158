"""The published pages, for every reader: light to load, accessible, and self-contained.

The browser tests load every page of the strict build in Debian's Chromium (Playwright),
from a static server on 127.0.0.1: the bytes each page loads before live code, axe-core's
accessibility rules in the light and the dark theme, the theme's icons, formulas, the
favicon, one search field, and a hint on wide tables on a phone. The other tests check the
pieces behind them: the Python fetcher of the pinned npm packages (book/_ext/npm_vendor.py),
formulas as MathML (mathml.py), lossless PNGs and cut-down icon fonts (light_pages.py), and
the HTML of medimg's tables.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import subprocess
import sys
import tarfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlparse

import numpy as np
import pytest

from support import ROOT, static_server

sys.path.insert(0, str(ROOT / "book" / "_ext"))

import light_pages  # noqa: E402
import mathml  # noqa: E402
import npm_vendor  # noqa: E402

#: The heaviest a page may be before live code: every byte it loads, as it opens.
PAGE_BUDGET = 1_500_000
AXE = ROOT / "vendor" / "axe-core" / "axe.min.js"
#: axe rules that fail inside an upstream component the book cannot change, each with the
#: upstream issue and how many failures it may have in all (light and dark, every page,
#: live code off and on). None today: what failed is repaired in book/_static/book.js,
#: book.css and live-code/ (see there, with the upstream issues). A count may only shrink.
ALLOWED_VIOLATIONS: dict[str, tuple[int, str]] = {}
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


# --- Pages of the build ---------------------------------------------------------------------

def site_pages(html: Path) -> list[str]:
    """Every page a reader can open (the site's .html files but its static assets and sources)."""
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html")
                  if not {"_static", "_sources", "_images"} & set(p.relative_to(html).parts))


@contextmanager
def opened(browser, url: str, *, mode: str = "light", viewport: dict = DESKTOP) -> Iterator:
    """A fresh context (empty cache) on url; yields (page, loaded, problems).

    ``loaded`` lists (url, bytes) of every response body; ``problems`` collects console
    errors, HTTP errors and any request that leaves 127.0.0.1 (which is refused).
    """
    context = browser.new_context(viewport=viewport, color_scheme=mode)
    loaded: list[tuple[str, int]] = []
    problems: list[str] = []

    def guard(route):
        target = urlparse(route.request.url)
        if target.scheme in ("data", "blob") or target.hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            problems.append(f"request to another site: {route.request.url}")
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("requestfinished", lambda r: loaded.append((r.url, r.sizes()["responseBodySize"])))
    page.on("response", lambda r: problems.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    try:
        page.goto(url, wait_until="networkidle")
        yield page, loaded, problems
    finally:
        context.close()


def axe_violations(page) -> dict[str, list[str]]:
    """Run the pinned axe-core on the page as it is; {rule: [where, ...]} of each violation."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' ') + ': '
            + (n.failureSummary || '').split('\\n').slice(1).join(' ').trim())]); }""")
    return {rule: nodes for rule, nodes in found}


def set_theme(page, mode: str) -> None:
    """Switch the page to the theme's light or dark mode, as its theme button does, and wait
    until the colours have settled (some of the theme's colours change by transition)."""
    page.evaluate("mode => { document.documentElement.dataset.mode = mode;"
                  " document.documentElement.dataset.theme = mode;"
                  " return getComputedStyle(document.body).color; }", mode)  # styles now, transitions start
    page.wait_for_function("() => document.getAnimations().every(a => a.playState !== 'running')",
                           timeout=10_000)


def check_violations(found: dict[str, int], details: dict[str, list[str]]) -> None:
    """Each rule's count of violations is within its allowance (0 unless listed above)."""
    over = {rule: count for rule, count in found.items()
            if count > ALLOWED_VIOLATIONS.get(rule, (0, ""))[0]}
    assert not over, "axe violations:\n" + "\n".join(
        f"{rule} ×{count}:\n  " + "\n  ".join(details[rule][:8]) for rule, count in over.items())


# --- In the browser -------------------------------------------------------------------------

@pytest.mark.browser
def test_every_page_loads_within_budget_from_this_site_alone(chromium, site_url, built_site):
    """Every page, as it opens at 1280 px: at most PAGE_BUDGET bytes, nothing from another
    site, no HTTP error (a missing favicon was one), no console error (the theme's
    "invalid theme mode" was one), and neither the theme's icon script nor its full fonts."""
    weights, failures = {}, []
    for name in site_pages(built_site.html):
        with opened(chromium, f"{site_url}/{name}") as (page, loaded, problems):
            weights[name] = sum(size for _, size in loaded)
            heavy = [(url.split("?")[0].rsplit("/", 2)[-1], size) for url, size in loaded
                     if size > 100_000]
            if weights[name] > PAGE_BUDGET:
                failures.append(f"{name}: {weights[name]:,} bytes > {PAGE_BUDGET:,} ({heavy})")
            failures += [f"{name}: {p}" for p in problems]
            failures += [f"{name}: loads {url}" for url, size in loaded
                         if re.search(r"webfonts/|mathjax|fontawesome\.js", url, re.I) and size > 1000]
    assert len(weights) >= 9
    assert not failures, "\n".join(failures)
    print("\nbytes at load:", json.dumps(weights, indent=1))


@pytest.mark.browser
def test_axe_finds_nothing_on_any_page_light_or_dark(chromium, site_url, built_site):
    counts: dict[str, int] = {}
    details: dict[str, list[str]] = {}
    pages = site_pages(built_site.html)
    for name in pages:
        with opened(chromium, f"{site_url}/{name}") as (page, _, _problems):
            for mode in ("light", "dark"):
                set_theme(page, mode)
                background = page.evaluate("getComputedStyle(document.body).backgroundColor")
                level = sum(map(int, re.findall(r"\d+", background)[:3]))
                assert level == 765 if mode == "light" else level < 100, (mode, background)
                for rule, nodes in axe_violations(page).items():
                    counts[rule] = counts.get(rule, 0) + len(nodes)
                    details.setdefault(rule, []).extend(f"{mode} {name}: {n}" for n in nodes)
    assert len(pages) >= 9
    check_violations(counts, details)


@pytest.mark.browser
def test_the_first_visit_follows_the_system_theme(chromium, site_url):
    for mode in ("light", "dark"):
        with opened(chromium, f"{site_url}/book/formats.html", mode=mode) as (page, _, problems):
            assert page.evaluate("document.documentElement.dataset.theme") == mode
            assert page.evaluate("document.documentElement.dataset.mode") == "auto"
            assert problems == []


@pytest.mark.browser
def test_icons_are_drawn_from_the_small_fonts(chromium, site_url):
    with opened(chromium, f"{site_url}/book/formats.html") as (page, loaded, _):
        urls = [url for url, _ in loaded]
        assert any(url.endswith("light-pages/fa-solid-900.woff") for url in urls), urls
        assert not any("webfonts/" in url for url in urls)
        drawn = page.evaluate("""async () => {
            await document.fonts.ready;
            const icon = document.querySelector('.search-button-field .fa-magnifying-glass');
            const before = getComputedStyle(icon, '::before');
            const loaded = Array.from(document.fonts).filter(f => f.family.includes('Font Awesome 6 Free')
                && f.weight === '900' && f.status === 'loaded').length;
            return [before.content, before.fontFamily, icon.getBoundingClientRect().width, loaded]; }""")
        assert drawn[0] == '"\uf002"' and "Font Awesome 6 Free" in drawn[1], drawn
        assert drawn[2] > 8 and drawn[3] == 1, drawn


@pytest.mark.browser
def test_one_search_field_at_1280_px(chromium, site_url):
    with opened(chromium, f"{site_url}/book/formats.html") as (page, _, _problems):
        fields = page.locator(".search-button-field")
        visible = [i for i in range(fields.count()) if fields.nth(i).is_visible()]
        assert len(visible) == 1
        header = page.locator("#pst-header")
        assert header.count() == 0 or not header.is_visible()


@pytest.mark.browser
def test_wide_tables_on_a_phone_say_that_they_scroll(chromium, site_url):
    with opened(chromium, f"{site_url}/book/formats.html", viewport=PHONE) as (page, _, _problems):
        boxes = page.evaluate("""() => Array.from(document.querySelectorAll('.medimg-table'), box => ({
            wide: box.scrollWidth > box.clientWidth + 2,
            hint: !!(box.previousElementSibling && box.previousElementSibling.matches('.scroll-hint')),
            hintShown: !!(box.previousElementSibling && box.previousElementSibling.offsetHeight > 0),
            focusable: box.tabIndex === 0, label: box.getAttribute('aria-label') }))""")
        wide = [box for box in boxes if box["wide"]]
        assert wide, "no table is wider than a phone: this test checks nothing"
        assert all(box["hint"] and box["hintShown"] and box["focusable"] for box in wide), wide
        assert len({box["label"] for box in wide}) == len(wide)
        assert not any(box["hint"] for box in boxes if not box["wide"])
        # At desktop width the same page shows a hint only where a table still overflows.
        page.set_viewport_size(DESKTOP)
        page.wait_for_timeout(300)
        assert page.evaluate("""() => Array.from(document.querySelectorAll('.scroll-hint'),
            hint => hint.nextElementSibling.scrollWidth > hint.nextElementSibling.clientWidth + 2)
            .every(Boolean)""")


@pytest.mark.browser
def test_formulas_are_mathml_drawn_by_the_browser(chromium, site_url, built_site):
    pages = [name for name in site_pages(built_site.html)
             if "<math" in (built_site.html / name).read_text(encoding="utf-8")]
    assert "book/images-as-numbers.html" in pages
    with opened(chromium, f"{site_url}/book/images-as-numbers.html") as (page, loaded, _):
        sizes = page.evaluate("""() => Array.from(document.querySelectorAll('math'), m => {
            const box = m.getBoundingClientRect(); return [m.getAttribute('alttext'), box.width, box.height]; })""")
        assert sizes and all(alt and width > 5 and height > 5 for alt, width, height in sizes), sizes
        assert any("2^8 = 256" in alt for alt, _, _ in sizes)
        assert not any("mathjax" in url.lower() for url, _ in loaded)


# --- The built site, without a browser ------------------------------------------------------

def test_every_page_has_the_favicon_and_no_mathjax(built_site):
    favicon = built_site.html / "_static" / "favicon.svg"
    assert favicon.is_file() and b"<svg" in favicon.read_bytes()
    for name in site_pages(built_site.html):
        html = (built_site.html / name).read_text(encoding="utf-8")
        if 'http-equiv="Refresh"' in html:
            continue  # jupyter-book's redirect from /index.html
        assert re.search(r'<link rel="icon" href="[./]*_static/favicon\.svg"', html), name
        assert not re.search(r"<script[^>]*mathjax|MathJax\s*=", html, re.I), name


def test_theme_icon_script_is_a_stub_and_icon_fonts_are_small(built_site):
    static = built_site.html / "_static"
    assert (static / "scripts" / "fontawesome.js").stat().st_size < 1000
    for name in light_pages.FONTS:
        assert (static / light_pages.FOLDER / f"{name}.woff").stat().st_size < 20_000
    css = (static / "styles" / "pydata-sphinx-theme.css").read_text(encoding="utf-8")
    assert ".fa-magnifying-glass:before" in css and ".fa-bath:before" not in css
    assert len(css) < 330_000


def test_images_but_the_first_are_lazy_and_every_png_is_small(built_site):
    html = (built_site.html / "book" / "pixel-operations.html").read_text(encoding="utf-8")
    images = re.findall(r'<img [^>]*src="[./]*_images/[^>]*>', html)  # the chapter's own
    assert len(images) > 5
    assert 'loading="lazy"' not in images[0]
    assert all('loading="lazy"' in tag for tag in images[1:])
    from PIL import Image
    for path in (built_site.html / "_images").glob("*.png"):
        picture = Image.open(path)
        assert picture.mode != "RGBA" or np.asarray(picture)[..., 3].min() < 255, path.name


# --- The pieces: npm packages fetched by Python --------------------------------------------

def test_vendor_pins_are_complete_and_make_needs_no_node():
    packages = npm_vendor.read_pins()
    assert {p.name for p in packages} >= {"thebe", "requirejs", "axe-core"}
    for package in packages:
        assert re.fullmatch(r"\d+\.\d+\.\d+", package.version), package
        assert re.fullmatch(r"[0-9a-f]{64}", package.sha256), package
        assert package.keep, package
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipes = "\n".join(line for line in makefile.splitlines() if line.startswith("\t"))
    assert "npm " not in recipes and "npm pack" not in makefile
    assert "npm_vendor.py" in makefile


def make_tarball(folder: Path, name: str, version: str, files: dict[str, bytes]) -> Path:
    """An npm-style tarball (everything under package/) in a registry-like folder."""
    target = folder / name / "-" / f"{name}-{version}.tgz"
    target.parent.mkdir(parents=True, exist_ok=True)
    files = {"package/package.json": json.dumps({"name": name, "version": version}).encode(),
             **files}
    with tarfile.open(target, "w:gz") as tar:
        for member, data in files.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return target


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A folder served on 127.0.0.1 as an npm registry: (folder, base address)."""
    folder = tmp_path / "registry"
    folder.mkdir()
    with static_server(folder) as origin:
        yield folder, origin + "/"


def package(name: str, version: str, digest: str, keep=("index.js", "*.index.js")) -> npm_vendor.Package:
    return npm_vendor.Package(name, version, digest, "lib", tuple(keep), True)


def test_fetch_checks_the_hash_extracts_what_is_kept_and_runs_once(registry, tmp_path):
    folder, base = registry
    tgz = make_tarball(folder, "demo", "1.2.3", {
        "package/lib/index.js": b"main", "package/lib/7.index.js": b"chunk",
        "package/lib/index.js.map": b"map", "package/lib/other.css": b"css",
        "package/README.md": b"readme"})
    pin = package("demo", "1.2.3", hashlib.sha256(tgz.read_bytes()).hexdigest())
    into = tmp_path / "vendor"
    assert npm_vendor.fetch(pin, into, base) is True
    assert sorted(p.name for p in (into / "demo").iterdir()) == \
        [".vendored.json", "7.index.js", "index.js", "package.json"]
    assert (into / "demo" / "index.js").read_bytes() == b"main"
    tgz.unlink()  # a second run must not ask the registry again
    assert npm_vendor.fetch(pin, into, base) is False
    assert [p.name for p in into.iterdir()] == ["demo"]  # no temporary folder left behind


def test_fetch_refuses_a_wrong_hash_and_keeps_the_old_copy(registry, tmp_path):
    folder, base = registry
    old = make_tarball(folder, "demo", "1.0.0", {"package/lib/index.js": b"old"})
    into = tmp_path / "vendor"
    npm_vendor.fetch(package("demo", "1.0.0", hashlib.sha256(old.read_bytes()).hexdigest()), into, base)
    make_tarball(folder, "demo", "2.0.0", {"package/lib/index.js": b"new"})
    with pytest.raises(npm_vendor.VendorError, match=r"demo-2\.0\.0\.tgz: SHA-256 [0-9a-f]{64} does not match"):
        npm_vendor.fetch(package("demo", "2.0.0", "0" * 64), into, base)
    assert (into / "demo" / "index.js").read_bytes() == b"old"
    assert [p.name for p in into.iterdir()] == ["demo"]
    with pytest.raises(npm_vendor.VendorError, match=r"answered 404"):
        npm_vendor.fetch(package("absent", "1.0.0", "0" * 64), into, base)


def test_fetch_refuses_paths_outside_the_folder_and_a_wrong_version(registry, tmp_path):
    folder, base = registry
    evil = make_tarball(folder, "evil", "1.0.0", {"package/lib/../../../escape.js": b"x"})
    with pytest.raises(npm_vendor.VendorError, match="cannot unpack"):
        npm_vendor.fetch(package("evil", "1.0.0", hashlib.sha256(evil.read_bytes()).hexdigest(),
                                 keep=("*.js",)), tmp_path / "vendor", base)
    assert not list(tmp_path.rglob("escape.js"))
    liar = make_tarball(folder, "liar", "1.0.0", {"package/lib/index.js": b"x"})
    # The tarball's package.json says 1.0.0: a pin of 1.0.1 served that file is refused.
    (folder / "liar" / "-" / "liar-1.0.1.tgz").write_bytes(liar.read_bytes())
    with pytest.raises(npm_vendor.VendorError, match="says version 1.0.0, the pin says 1.0.1"):
        npm_vendor.fetch(package("liar", "1.0.1", hashlib.sha256(liar.read_bytes()).hexdigest()),
                         tmp_path / "vendor", base)


def test_vendor_script_reports_errors_in_one_line(tmp_path):
    pins = tmp_path / "pins.toml"
    pins.write_text('[broken]\nversion = "1.0.0"\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, str(ROOT / "book" / "_ext" / "npm_vendor.py"),
                           "--pins", str(pins), "--into", str(tmp_path / "v")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.startswith(f"vendor: {pins}: [broken] needs version, sha256")
    assert "Traceback" not in proc.stderr


# --- The pieces: formulas, images, icons, tables ------------------------------------------

def test_formulas_become_mathml_with_their_source_as_alt_text():
    out = mathml.to_mathml(r"255 \cdot (x / 255)^{\gamma}")
    assert out.startswith('<math alttext="255 \\cdot (x / 255)^{\\gamma}"')
    assert "<msup>" in out and "&#x003B3;" in out and 'display="inline"' in out
    assert 'display="block"' in mathml.to_mathml("2^8 = 256", "block")
    for bad, what in ((r"\unknowncommand x", r"\\unknowncommand"), (r"a \\ b", r"\\\\"),
                      (r"\begin{aligned} a &= b \end{aligned}", "&")):
        with pytest.raises(mathml.MathMLError, match=what):
            mathml.to_mathml(bad)


def png_of(array: np.ndarray) -> bytes:
    from PIL import Image
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG")
    return buffer.getvalue()


def pixels(png: bytes) -> np.ndarray:
    from PIL import Image
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA"))


@pytest.mark.parametrize("kind", ["grey", "palette", "colour", "transparent"])
def test_small_png_keeps_every_pixel(kind):
    rng = np.random.default_rng(7)
    grey = rng.integers(0, 256, (60, 80), dtype=np.uint8)
    rgba = np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    if kind == "palette":
        rgba[..., :3] //= 2  # 128 greys
        rgba[10:20, 10:40, :3] = (200, 30, 30)  # and one red: 129 colours
    elif kind == "colour":
        rgba[..., 0] = rng.integers(0, 256, grey.shape, dtype=np.uint8)
    elif kind == "transparent":
        rgba[0, 0, 3] = 0
    original = png_of(rgba)
    smaller = light_pages.small_png(original)
    assert np.array_equal(pixels(smaller), pixels(original))
    assert len(smaller) <= len(original)
    from PIL import Image
    mode = Image.open(io.BytesIO(smaller)).mode
    assert mode == {"grey": "L", "palette": "P", "colour": "RGB", "transparent": "RGBA"}[kind]


def test_icon_code_points_come_from_used_classes_and_the_themes_own_icons():
    css = ('.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}.fa-bath:before{content:"\\f2cd"}'
           ':root{--pst-icon-github:"\uf09b"}.x{content:"#"}')
    assert light_pages.icon_codepoints(css, {"bars"}) == {0xF0C9, 0xF09B}
    trimmed = light_pages.drop_unused_icon_rules(css, {"navicon"})
    assert ".fa-bars:before,.fa-navicon:before" in trimmed and "fa-bath" not in trimmed
    assert "--pst-icon-github" in trimmed


def test_live_code_integrity_is_the_sri_of_the_file(tmp_path):
    import base64
    import live_code
    path = tmp_path / "require.js"
    path.write_bytes(b"define()")
    expected = base64.b64encode(hashlib.sha384(b"define()").digest()).decode()
    assert live_code.integrity(path) == f"sha384-{expected}"


def test_table_html_names_a_blank_header_and_escapes_text():
    import pandas as pd
    from medimg import tables
    html = tables.show(pd.DataFrame({"n": [1, 2000]}, index=["a<b", "c"])).to_html()
    assert '<th scope="col"><span class="visually-hidden">Row</span></th>' in html
    assert '<th scope="col" class="numeric">n</th>' in html
    assert "<td>a&lt;b</td>" in html and '<td class="numeric">2,000</td>' in html
    assert html.startswith('<div class="medimg-table"><table><thead>')
    table = tables.Table(["Tag", "Note"], [["(0008,0060)", "use `Modality`\nnot `modality`"]])
    assert "<td>use <code>Modality</code><br>not <code>modality</code></td>" in table.to_html()
    assert table._repr_html_() == table.to_html()
