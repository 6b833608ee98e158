/*
 * Live code: turn the page's code cells into cells a reader can edit and run.
 *
 * The "Live Code" button (sphinx-book-theme's launch menu) calls initThebeSBT(), which
 * calls initThebe() below. Nothing is loaded before that press. Then:
 *   1. thebe, a copy served by this site (_static/vendor/thebe, pinned in
 *      book/_ext/vendor.toml), is loaded;
 *   2. each code cell's source and output are marked for thebe, and what the published
 *      output showed (image descriptions, figure captions) is kept;
 *   3. thebe asks for a kernel: on the reader's own Jupyter server when the page address
 *      names one, e.g.
 *          chapter.html?jupyter=http://127.0.0.1:8888&token=SECRET
 *      (only loopback addresses are accepted, and the choice is kept for the tab's
 *      session), otherwise on Binder, from the repository named in _config.yml. Either
 *      way the kernel starts in the book's folder (book/), as the page's thebe settings say;
 *   4. ipywidgets get require.js from this site, checked against the hash the build wrote
 *      into this script's tag (data-requirejs-integrity), never from a CDN; a widget that
 *      cannot load shows an error in its own cell, and every other cell keeps working;
 *   5. each live output keeps the published figure's description (alt text) and caption,
 *      and the editors get labels for screen readers.
 */
(function () {
  "use strict";

  const script = document.currentScript;
  const here = script ? script.src : "";
  const staticRoot = new URL("../", here || document.baseURI);
  const THEBE_JS = new URL("vendor/thebe/index.js", staticRoot).href;
  const THEBE_CSS = new URL("vendor/thebe/thebe.css", staticRoot).href;
  const REQUIREJS = new URL("vendor/requirejs/require.js", staticRoot).href;
  const REQUIREJS_INTEGRITY = (script && script.dataset.requirejsIntegrity) || "";
  /* A widget's code must arrive within this time, or the widget fails in its cell. */
  const WIDGET_TIMEOUT_MS = 20000;
  const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];
  const STORAGE_KEY = "live-code-server";
  const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
  const NO_DESCRIPTION = "Image made by this cell's code; no text description is available for it.";

  /* The reader's own server, from ?jupyter=...&token=... (or remembered for this tab). */
  function localServer() {
    const query = new URLSearchParams(window.location.search);
    let server = null;
    if (query.has("jupyter")) {
      server = { baseUrl: query.get("jupyter"), token: query.get("token") || "" };
    } else {
      try {
        server = JSON.parse(window.sessionStorage.getItem(STORAGE_KEY) || "null");
      } catch (err) {
        server = null;
      }
    }
    if (!server || !server.baseUrl) return null;
    let url;
    try {
      url = new URL(server.baseUrl);
    } catch (err) {
      console.warn("live-code: not a server address:", server.baseUrl);
      return null;
    }
    if (!LOOPBACK.includes(url.hostname) || !/^https?:$/.test(url.protocol)) {
      console.warn("live-code: only a server on this computer may be named in the address");
      return null;
    }
    const baseUrl = url.href.endsWith("/") ? url.href : url.href + "/";
    try {
      window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ baseUrl, token: server.token }));
    } catch (err) {
      /* storage may be disabled: the address is then needed on each page */
    }
    return { baseUrl, token: server.token };
  }

  function loadCss(href) {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    document.head.appendChild(link);
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const element = document.createElement("script");
      element.src = src;
      element.onload = resolve;
      element.onerror = () => reject(new Error("could not load " + src));
      document.head.appendChild(element);
    });
  }

  /* --- What the published page showed under each cell ------------------------------- */

  const published = new WeakMap(); /* cell element -> {source, alts, captions} */

  function remember(cell, source, output) {
    const alts = output ? Array.from(output.querySelectorAll("img"), (img) => img.getAttribute("alt") || "") : [];
    const captions = output
      ? Array.from(output.querySelectorAll("figure"), (figure) => ({
          id: figure.id,
          caption: figure.querySelector("figcaption") ? figure.querySelector("figcaption").cloneNode(true) : null,
        })).filter((entry) => entry.caption)
      : [];
    published.set(cell, { source: source.textContent.trim(), alts, captions });
  }

  /* Mark each code cell's source (and an output area, made if missing) for thebe. */
  function markCells() {
    let count = 0;
    document.querySelectorAll("div.cell").forEach((cell) => {
      const source = cell.querySelector(".cell_input pre");
      if (!source) return; /* a cell whose input the book hides for good */
      source.setAttribute("data-executable", "true");
      source.setAttribute("data-language", "python");
      let output = cell.querySelector(".cell_output");
      cell.dataset.publishedOutput = output ? "yes" : "no";
      remember(cell, source, output);
      if (!output) {
        output = document.createElement("div");
        output.className = "cell_output docutils container";
        cell.appendChild(output);
      }
      output.setAttribute("data-output", "");
      cell.querySelectorAll("button.copybtn").forEach((el) => el.remove());
      cell.classList.add("live-code-cell");
      count += 1;
    });
    return count;
  }

  /* --- Live outputs: descriptions, captions, labels, widget errors -------------------- */

  let widgetError = null; /* why widgets cannot load on this page, once known */

  function thebeCellOf(cell) {
    const id = cell.querySelector("[data-thebe-id]");
    const cells = (window.thebe && window.thebe.notebook && window.thebe.notebook.cells) || [];
    return id ? cells.find((c) => c.id === id.getAttribute("data-thebe-id")) : null;
  }

  /* The alt text the kernel sent with each image output (medimg's figures send fig.alt). */
  function kernelAlts(thebeCell) {
    const alts = [];
    const model = thebeCell && thebeCell.area && thebeCell.area.model;
    if (!model) return alts;
    for (let i = 0; i < model.length; i += 1) {
      const output = model.get(i);
      const metadata = (output && output.metadata) || {};
      Object.keys(output.data || {}).forEach((mime) => {
        if (mime.startsWith("image/")) alts.push((metadata[mime] && metadata[mime].alt) || "");
      });
    }
    return alts;
  }

  function labelEditor(cell, index) {
    cell.querySelectorAll(".CodeMirror textarea:not([aria-label])").forEach((area) => {
      area.setAttribute("aria-label", "Code of cell " + (index + 1) + ": edit it, then press run (or Shift+Enter)");
    });
  }

  function decorate(cell) {
    const output = cell.querySelector("[data-output]");
    const live = output && output.querySelector(".thebe-output");
    if (!live) return;
    const before = published.get(cell) || { source: "", alts: [], captions: [] };
    const thebeCell = thebeCellOf(cell);
    const unchanged = thebeCell ? thebeCell.source.trim() === before.source : true;
    const fromKernel = kernelAlts(thebeCell);
    const pictures = Array.from(live.querySelectorAll("img"));
    pictures.forEach((img, i) => {
      if (img.getAttribute("alt")) return;
      img.setAttribute("alt", fromKernel[i] || (unchanged && before.alts[i]) || NO_DESCRIPTION);
    });
    /* The published figure's caption (and its id, so links to it still arrive) goes
       under the live image, as long as the cell's code is the published one. */
    const shown = output.querySelector(".live-code-caption");
    if (pictures.length && unchanged && before.captions.length && !shown) {
      before.captions.forEach((entry, i) => {
        const box = document.createElement("div");
        box.className = "live-code-caption";
        if (entry.id && !document.getElementById(entry.id)) box.id = entry.id;
        box.append(...Array.from(entry.caption.childNodes, (node) => node.cloneNode(true)));
        output.appendChild(box);
        const picture = pictures[i] || pictures[pictures.length - 1];
        if (box.id && picture) picture.setAttribute("aria-describedby", box.id);
      });
    } else if (shown && (!pictures.length || !unchanged)) {
      output.querySelectorAll(".live-code-caption").forEach((box) => box.remove());
    }
    showWidgetError(live);
    nameSliders(live);
  }

  /* A widget whose code could not load says so in its own cell, in words, under
     ipywidgets' own error view (whose icon, an SVG without a name, is decoration; see
     github.com/pydata/pydata-sphinx-theme/issues/1919). */
  function showWidgetError(root) {
    root.querySelectorAll(".jupyter-widgets-error-widget").forEach((view) => {
      view.querySelectorAll("svg").forEach((icon) => icon.setAttribute("aria-hidden", "true"));
      const area = view.closest(".jp-OutputArea-output") || view;
      if (area.querySelector(".live-code-widget-error")) return;
      const note = document.createElement("div");
      note.className = "live-code-widget-error";
      note.setAttribute("role", "alert");
      note.textContent = "This interactive control could not start: " + (widgetError || "its code did not load") +
        ". The kernel and the other cells still work; reload the page to try the control again.";
      area.appendChild(note);
    });
  }

  /* ipywidgets' sliders show their name in a <label> that is not tied to the slider. */
  function nameSliders(root) {
    root.querySelectorAll(".widget-slider").forEach((slider) => {
      const label = slider.querySelector(".widget-label");
      slider.querySelectorAll('[role="slider"]:not([aria-label])').forEach((handle) => {
        if (label && label.textContent.trim()) handle.setAttribute("aria-label", label.textContent.trim());
      });
    });
  }

  function watchOutputs() {
    document.querySelectorAll(".live-code-cell").forEach((cell, index) => {
      labelEditor(cell, index);
      const output = cell.querySelector("[data-output]");
      if (!output) return;
      let queued = false;
      new MutationObserver(() => {
        if (queued) return;
        queued = true;
        window.requestAnimationFrame(() => {
          queued = false;
          labelEditor(cell, index);
          decorate(cell);
        });
      }).observe(output, { childList: true, subtree: true });
    });
  }

  /* --- require.js for widgets, from this site ------------------------------------------ */

  function withTimeout(promise, ms, what) {
    let timer;
    const late = new Promise((resolve, reject) => {
      timer = window.setTimeout(() => reject(new Error(what + " took longer than " + ms / 1000 + " s")), ms);
    });
    return Promise.race([promise, late]).finally(() => window.clearTimeout(timer));
  }

  /* Fetch require.js (hash-checked), run it in a hidden frame as thebe does, and refuse
     module addresses outside this site, so that an unknown widget fails here instead of
     fetching code from a CDN. */
  async function siteRequireJs() {
    const options = REQUIREJS_INTEGRITY ? { integrity: REQUIREJS_INTEGRITY } : {};
    let answer;
    try {
      answer = await fetch(REQUIREJS, options);
    } catch (err) {
      throw new Error("require.js from this site did not arrive or does not match its hash (" + err.message + ")");
    }
    if (!answer.ok) throw new Error("require.js from this site answered " + answer.status);
    const code = await answer.text();
    return new Promise((resolve, reject) => {
      const frame = document.createElement("iframe");
      frame.style.display = "none";
      frame.title = "require.js for interactive widgets";
      frame.setAttribute("aria-hidden", "true");
      frame.onload = () => {
        frame.onload = null;
        const win = frame.contentWindow;
        try {
          win.eval(code);
        } catch (err) {
          reject(new Error("require.js from this site does not run (" + err.message + ")"));
          return;
        }
        if (!win.require || !win.define) {
          reject(new Error("require.js from this site defined no require()"));
          return;
        }
        const config = win.require.config.bind(win.require);
        win.require.config = (settings) => {
          const paths = (settings && settings.paths) || {};
          Object.keys(paths).forEach((name) => {
            if (new URL(paths[name], staticRoot).origin !== window.location.origin) {
              console.warn("live-code: the widget module " + name + " is not served by this site");
              delete paths[name];
            }
          });
          return config(settings);
        };
        win.require.config({ baseUrl: new URL("vendor/widgets/", staticRoot).href });
        resolve({ require: win.require, define: win.define });
      };
      document.body.appendChild(frame);
    });
  }

  /* thebe's widget manager fetches require.js from cdnjs the first time it meets a
     widget, and waits for ever if that fails (every later output of the page waits
     behind it). Its loader is replaced by one that uses this site's copy, settles within
     WIDGET_TIMEOUT_MS, and on failure rejects, so the widget fails in its own cell. */
  function useSiteRequireJs(session) {
    const manager = session && session.manager;
    const loader = manager && manager._loader;
    if (!loader || typeof loader.load !== "function") {
      console.warn("live-code: this thebe has no widget loader to replace; widgets may not load");
      return;
    }
    loader.load = function load(defineModules) {
      if (this.requested) return this.ready;
      this.requested = true;
      this.ready = withTimeout(siteRequireJs(), WIDGET_TIMEOUT_MS, "loading require.js").then((requirejs) => {
        if (defineModules) defineModules(requirejs.require, requirejs.define);
        this.requirejs = requirejs;
        return requirejs;
      });
      this.ready.catch((err) => {
        widgetError = err.message;
        console.error("live-code: widgets cannot load:", err.message);
        document.querySelectorAll(".live-code-cell .thebe-output").forEach(showWidgetError);
      });
      return this.ready;
    };
  }

  /* --- The status line and the start ---------------------------------------------------- */

  /* A status line under the title (it takes the place of the button that
     sphinx-book-theme puts there, and keeps its class so that none is added again). */
  function statusBox() {
    const box = document.createElement("div");
    box.className = "thebe-launch-button live-code-status";
    box.setAttribute("role", "status");
    const old = document.querySelector(".thebe-launch-button");
    if (old) {
      old.replaceWith(box);
    } else {
      const title = document.querySelector("section h1") || document.body.firstElementChild;
      title.insertAdjacentElement("afterend", box);
    }
    return box;
  }

  function say(box, text, state) {
    box.textContent = text;
    box.dataset.state = state;
  }

  let started = null;

  window.initThebe = function initThebe() {
    if (started) return started;
    const box = statusBox();
    const server = localServer();
    const where = server ? "your Jupyter server (" + server.baseUrl + ")" : "mybinder.org";
    const ready = "Live code is on: kernel ready on " + where + ". Edit a cell and press “run”.";
    say(box, "Loading live code…", "loading");
    loadCss(THEBE_CSS);
    started = loadScript(THEBE_JS)
      .then(() => {
        markCells();
        const options = {
          requestKernel: true,
          useBinder: !server,
          mountActivateWidget: false,
          mountStatusWidget: false,
          predefinedOutput: true,
          selector: "[data-executable]",
          outputSelector: "[data-output]",
          /* Empty: thebe would otherwise fetch MathJax 2 from a CDN for LaTeX outputs. */
          mathjaxUrl: "",
          codeMirrorConfig: { mode: "python", theme: "default" },
          /* Binder's repository and branch, and the kernel's folder (book/, for Binder and
             a local server alike), come from the page's text/x-thebe-config block
             (written by sphinx-thebe), which thebe merges in. */
          kernelOptions: { kernelName: "python3" },
        };
        if (server) {
          options.serverSettings = { baseUrl: server.baseUrl, token: server.token, appendToken: true };
        }
        window.thebe.on("status", (evt, data) => {
          /* Only the start-up is reported here; cells report their own runs. */
          if (!data || box.dataset.state === "ready" || ["cell", "notebook"].includes(data.subject)) return;
          if (data.status === "ready" && data.subject === "session") {
            say(box, ready, "ready");
          } else if (data.message) {
            say(box, "Starting a kernel on " + where + ": " + data.message, "starting");
          }
        });
        window.thebe.on("error", (evt, data) => {
          if (data && data.status === "execute-error") return; /* shown in the cell itself */
          say(box, "Live code failed: " + ((data && data.message) || "unknown error"), "error");
        });
        say(box, "Starting a kernel on " + where + "…", "starting");
        return window.thebe.bootstrap(options);
      })
      .then((result) => {
        if (result && result.session) {
          useSiteRequireJs(result.session);
          watchOutputs();
          say(box, ready, "ready");
          document.body.classList.add("live-code-ready");
        }
        return result;
      })
      .catch((err) => {
        /* thebe may have rebuilt some cells already: a fresh start needs a fresh page. */
        say(box, "Live code failed: " + err + ". Reload the page to try again.", "error");
        throw err;
      });
    return started;
  };
})();
