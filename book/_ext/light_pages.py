"""Light pages: the theme's icons without its 1.5 MB icon script, and images loaded lazily.

What a page weighed before this extension, with no content at all: 2.6 MB, of which the
theme's Font Awesome script (``_static/scripts/fontawesome.js``, every icon of Font Awesome
as SVG, 1.49 MB) and two of its icon fonts (0.27 MB) drew the 25 icons the book shows.

* Icons: Font Awesome also works from CSS alone, and the theme's style sheet already holds
  those rules (``.fa-bars:before{content:"\\f0c9"}`` and the icon fonts' ``@font-face``).
  After the build, this extension replaces the script with a one-line stub (the theme's
  pages keep their ``<script>`` tag) and writes ``_static/light-pages/icons.css`` with
  ``@font-face`` rules that come after the theme's, for fonts cut down (fontTools'
  subsetter) to the glyphs the site uses: the ``fa-*`` classes in its pages and scripts,
  and the icons the style sheets draw themselves (admonitions, external links). The later
  ``@font-face`` rule wins, so the full fonts are never downloaded. The theme's style sheet
  also loses the rules of the 1,900 icons that no page uses (88 kB).
* Images: every image of a page but the first is marked ``loading="lazy"``, so the browser
  fetches it only when the reader scrolls near it; and each PNG of the site is stored again
  without losing a pixel (:func:`small_png`): matplotlib writes 8-bit RGBA, while most of
  the book's figures are grey, and a grey PNG needs a quarter of the bytes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

#: Where the book's small icon fonts and their CSS go, inside the site's _static/.
FOLDER = "light-pages"
#: The icon fonts of the theme (pydata-sphinx-theme's vendored Font Awesome Free).
FONTS = {  # file stem -> (CSS family, weight)
    "fa-solid-900": ("Font Awesome 6 Free", 900),
    "fa-regular-400": ("Font Awesome 6 Free", 400),
    "fa-brands-400": ("Font Awesome 6 Brands", 400),
}
STUB = ("/* The theme's Font Awesome script is not needed: icons are drawn by CSS with the\n"
        "   small fonts of _static/light-pages/ (book/_ext/light_pages.py). */\n")

_ICON_RULE = re.compile(r"((?:\.fa-[a-z0-9-]+:{1,2}before\s*,?\s*)+)\{\s*content\s*:\s*\"([^\"]+)\"\s*\}")
_ICON_CLASS = re.compile(r"\bfa-([a-z0-9]+(?:-[a-z0-9]+)*)")
_PRIVATE_USE = re.compile(r"[\ue000-\uf8ff]|\\([ef][0-9a-fA-F]{3})\b")


def lazy_images(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Mark every image of a page but the first to load only near the reader's view."""
    for image in list(doctree.findall(nodes.image))[1:]:
        image.setdefault("loading", "lazy")


def small_png(png: bytes) -> bytes:
    """The same picture as a PNG of at most the same size, pixel for pixel.

    A picture with nothing see-through loses its alpha channel; one whose every pixel is
    grey is stored as 8-bit grey (one byte a pixel instead of four), one with at most 256
    colours as an exact palette, any other as RGB. The decoded pixels are unchanged
    (tests/test_pages.py checks it); a picture with transparency is returned as it was.
    """
    import numpy as np
    from PIL import Image

    picture = Image.open(io.BytesIO(png))
    picture.load()
    rgba = np.asarray(picture.convert("RGBA"))
    if rgba[..., 3].min() < 255:
        return png
    rgb = rgba[..., :3]
    if (rgb[..., 0] == rgb[..., 1]).all() and (rgb[..., 1] == rgb[..., 2]).all():
        smaller = Image.fromarray(np.ascontiguousarray(rgb[..., 0]), mode="L")
    else:
        packed = ((rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8)
                  | rgb[..., 2])
        colours, index = np.unique(packed, return_inverse=True)
        if len(colours) <= 256:
            smaller = Image.fromarray(index.reshape(packed.shape).astype(np.uint8), mode="P")
            palette = np.stack([colours >> 16, colours >> 8, colours], axis=1) & 0xFF
            smaller.putpalette(palette.astype(np.uint8).ravel().tolist())
        else:
            smaller = Image.fromarray(np.ascontiguousarray(rgb), mode="RGB")
    buffer = io.BytesIO()
    dpi = picture.info.get("dpi")
    smaller.save(buffer, format="PNG", optimize=True, **({"dpi": dpi} if dpi else {}))
    out = buffer.getvalue()
    return out if len(out) < len(png) else png


def shrink_images(outdir: Path) -> tuple[int, int]:
    """Store every PNG of the site's _images/ again with :func:`small_png`; sizes before, after."""
    before = after = 0
    for path in sorted((outdir / "_images").glob("*.png")):
        data = path.read_bytes()
        smaller = small_png(data)
        before, after = before + len(data), after + len(smaller)
        if smaller is not data:
            path.write_bytes(smaller)
    return before, after


def _codepoints(text: str) -> set[int]:
    """The private-use code points (where icon fonts keep icons) written in CSS text."""
    found = set()
    for match in _PRIVATE_USE.finditer(text):
        found.add(int(match.group(1), 16) if match.group(1) else ord(match.group(0)))
    return found


def icon_codepoints(css: str, used_classes: set[str]) -> set[int]:
    """Code points of the icons a site needs, from its CSS and the fa-* classes it uses.

    ``css`` is the text of the site's style sheets: Font Awesome's rules
    ``.fa-NAME:before{content:"\\fXXX"}`` map class names to code points (only the used
    ones count); any other rule that writes an icon (e.g. an admonition's) counts as used.
    """
    points: set[int] = set()
    rest = []
    last = 0
    for rule in _ICON_RULE.finditer(css):
        rest.append(css[last:rule.start()])
        last = rule.end()
        names = set(re.findall(r"\.fa-([a-z0-9-]+):", rule.group(1)))
        if names & used_classes:
            points |= _codepoints(rule.group(2))
    rest.append(css[last:])
    # Other rules: custom properties and content that draw an icon themselves. Private-use
    # characters elsewhere in the theme's CSS are icons of these fonts.
    return points | _codepoints("".join(rest))


def drop_unused_icon_rules(css: str, used_classes: set[str]) -> str:
    """The CSS without Font Awesome's ``.fa-NAME:before{content:...}`` rules for unused names.

    The theme's style sheet carries one such rule for each of Font Awesome's 1,900 icons
    (88 kB); a rule that names a used class stays whole.
    """
    def keep(rule: re.Match) -> str:
        names = set(re.findall(r"\.fa-([a-z0-9-]+):", rule.group(1)))
        return rule.group(0) if names & used_classes else ""

    return _ICON_RULE.sub(keep, css)


def subset_font(source: Path, target: Path, codepoints: set[int]) -> int:
    """Write a WOFF of source with only the glyphs of codepoints; return its size in bytes."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff"  # zlib; WOFF2 would need the brotli module
    options.layout_features = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(codepoints))
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(target), options)
    return target.stat().st_size


def theme_fonts_dir() -> Path:
    import pydata_sphinx_theme
    return (Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
            / "static" / "vendor" / "fontawesome" / "webfonts")


def used_icon_classes(outdir: Path) -> set[str]:
    """The fa-* class names written in the site's pages and its scripts."""
    names: set[str] = set()
    files = [*outdir.rglob("*.html"), *(outdir / "_static").rglob("*.js")]
    for path in files:
        if "vendor" in path.relative_to(outdir).parts or path.name == "fontawesome.js":
            continue
        names |= set(_ICON_CLASS.findall(path.read_text(encoding="utf-8", errors="replace")))
    return names


def write_icons(outdir: Path) -> dict[str, int]:
    """Subset the icon fonts into _static/light-pages/ and write icons.css; return sizes."""
    static = outdir / "_static"
    sheets = [path for path in static.rglob("*.css") if FOLDER not in path.parts]
    css = "".join(path.read_text(encoding="utf-8", errors="replace") for path in sheets)
    used = used_icon_classes(outdir)
    points = icon_codepoints(css, used)
    for path in sheets:
        text = path.read_text(encoding="utf-8")
        if _ICON_RULE.search(text):
            path.write_text(drop_unused_icon_rules(text, used), encoding="utf-8")
    rules, sizes = [], {}
    for stem, (family, weight) in FONTS.items():
        source = theme_fonts_dir() / f"{stem}.ttf"
        name = f"{stem}.woff"
        sizes[name] = subset_font(source, static / FOLDER / name, points)
        rules.append(f'@font-face {{ font-family: "{family}"; font-style: normal; '
                     f'font-weight: {weight}; font-display: block; '
                     f'src: url("{name}") format("woff"); }}')
    header = ("/* Font Awesome Free (Fonts: SIL OFL 1.1), cut to the "
              f"{len(points)} icons this site uses by book/_ext/light_pages.py. */\n")
    (static / FOLDER / "icons.css").write_text(header + "\n".join(rules) + "\n", encoding="utf-8")
    (static / "scripts" / "fontawesome.js").write_text(STUB, encoding="utf-8")
    return sizes


def add_css(app: Sphinx) -> None:
    if app.builder.format == "html":
        app.add_css_file(f"{FOLDER}/icons.css")


def finish(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    sizes = write_icons(Path(app.outdir))
    logger.info("light_pages: icon fonts cut to %s",
                ", ".join(f"{name} {size / 1000:.1f} kB" for name, size in sizes.items()))
    before, after = shrink_images(Path(app.outdir))
    logger.info("light_pages: PNG images %.2f MB -> %.2f MB, pixel for pixel",
                before / 1e6, after / 1e6)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("builder-inited", add_css)
    app.connect("doctree-resolved", lazy_images)
    app.connect("build-finished", finish)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
