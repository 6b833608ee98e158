/*
 * The book's small repairs to the page, for every reader (book/_static/book.js).
 *
 * The theme, docutils and pandas write a few things that assistive software reads wrong
 * (axe-core's rules; the theme's own list: github.com/pydata/pydata-sphinx-theme/issues/1428);
 * each is put right here, on the published page and in live outputs alike:
 *   - the sidebar's search button: its label ("Search") must contain the text it shows
 *     ("Search Ctrl+K"), so the label is dropped and the text names it;
 *   - the sidebar (book title, search, chapters) becomes a navigation landmark (the theme's
 *     landmark work: github.com/pydata/pydata-sphinx-theme/pull/1454);
 *   - a bibliography entry's role doc-biblioentry, which docutils writes, is deprecated in
 *     DPUB-ARIA 1.1 and not allowed in a list (github.com/w3c/dpub-aria/pull/22,
 *     github.com/dequelabs/axe-core/issues/2759): it becomes listitem;
 *   - an empty table header cell (pandas' unnamed index, a table's blank corner) becomes
 *     an ordinary cell, since a header must name something.
 * And a table wider than the screen gets a visible hint that it scrolls sideways, and
 * can be scrolled from the keyboard.
 */
(function () {
  "use strict";

  const SCROLLERS = ".medimg-table, .pst-scrollable-table-container, .cell_output .output.text_html, .thebe-output .jp-RenderedHTMLCommon";

  function fixChrome() {
    document.querySelectorAll(".search-button-field[aria-label]").forEach((button) => {
      if (button.textContent.trim()) button.removeAttribute("aria-label");
    });
    const sidebar = document.getElementById("pst-primary-sidebar");
    if (sidebar && !sidebar.hasAttribute("role")) {
      sidebar.setAttribute("role", "navigation");
      sidebar.setAttribute("aria-label", "Book");
    }
  }

  function fixMarkup(root) {
    root.querySelectorAll('[role="doc-biblioentry"]').forEach((entry) => entry.setAttribute("role", "listitem"));
    root.querySelectorAll("th").forEach((th) => {
      if (th.textContent.trim() || th.querySelector("img, svg, input")) return;
      const td = document.createElement("td");
      Array.from(th.attributes).forEach((attribute) => {
        if (attribute.name !== "scope") td.setAttribute(attribute.name, attribute.value);
      });
      td.append(...th.childNodes);
      th.replaceWith(td);
    });
  }

  /* A hint above each table that is wider than its box; none when it fits. */
  let wideTables = 0;

  function markScrollers(root) {
    root.querySelectorAll(SCROLLERS).forEach((box) => {
      const table = box.querySelector("table");
      if (!table || box.querySelector(SCROLLERS)) return; /* the innermost box scrolls */
      const wide = box.scrollWidth > box.clientWidth + 2;
      let hint = box.previousElementSibling;
      if (!(hint && hint.classList.contains("scroll-hint"))) hint = null;
      if (wide && !hint) {
        hint = document.createElement("p");
        hint.className = "scroll-hint";
        hint.setAttribute("aria-hidden", "true"); /* what it says is for the eyes */
        const columns = table.rows.length ? table.rows[table.rows.length - 1].cells.length : 0;
        hint.textContent = "Scroll the table sideways to see all " + (columns || "its") + " columns →";
        box.insertAdjacentElement("beforebegin", hint);
      } else if (!wide && hint) {
        hint.remove();
      }
      if (wide) {
        box.classList.add("is-scrollable");
        if (!box.hasAttribute("tabindex")) box.setAttribute("tabindex", "0");
        if (!box.hasAttribute("role")) {
          /* A named region, so that its keyboard stop says what it is (names differ). */
          wideTables += 1;
          const heads = Array.from(table.querySelectorAll("thead th"), (th) => th.textContent.trim()).filter(Boolean);
          box.setAttribute("role", "region");
          box.setAttribute("aria-label", "Wide table " + wideTables + (heads.length ? " (" + heads.slice(0, 3).join(", ") + (heads.length > 3 ? ", …" : "") + ")" : "") + ", scrolls sideways");
        }
      } else {
        box.classList.remove("is-scrollable");
      }
    });
  }

  function refresh(root) {
    fixMarkup(root);
    markScrollers(root);
  }

  function start() {
    fixChrome();
    refresh(document);
    let queued = false;
    const later = () => {
      if (queued) return;
      queued = true;
      window.requestAnimationFrame(() => {
        queued = false;
        refresh(document);
      });
    };
    window.addEventListener("resize", later);
    /* Live outputs arrive later: look again when a table appears in the article. */
    const article = document.querySelector(".bd-article") || document.body;
    new MutationObserver((records) => {
      if (records.some((r) => Array.from(r.addedNodes).some((n) => n.nodeType === 1 && (n.matches("table, th") || n.querySelector("table"))))) later();
    }).observe(article, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
