/*
 * Live code: turn the page's code cells into cells a reader can edit and run.
 *
 * The "Live Code" button (sphinx-book-theme's launch menu) calls initThebeSBT(), which
 * calls initThebe() below. Nothing is loaded before that press. Then:
 *   1. thebe, a copy served by this site (_static/vendor/thebe, pinned in the Makefile),
 *      is loaded;
 *   2. each code cell's source and output are marked for thebe;
 *   3. thebe asks for a kernel: on the reader's own Jupyter server when the page address
 *      names one, e.g.
 *          chapter.html?jupyter=http://127.0.0.1:8888&token=SECRET
 *      (only loopback addresses are accepted, and the choice is kept for the tab's
 *      session), otherwise on Binder, from the repository named in _config.yml.
 */
(function () {
  "use strict";

  const here = document.currentScript ? document.currentScript.src : "";
  const staticRoot = new URL("../", here || document.baseURI);
  const THEBE_JS = new URL("vendor/thebe/index.js", staticRoot).href;
  const THEBE_CSS = new URL("vendor/thebe/thebe.css", staticRoot).href;
  const LOOPBACK = ["127.0.0.1", "localhost", "[::1]"];
  const STORAGE_KEY = "live-code-server";

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
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error("could not load " + src));
      document.head.appendChild(script);
    });
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
          /* Binder's repository, branch and the kernel's folder come from the page's
             text/x-thebe-config block (written by sphinx-thebe), which thebe merges in. */
          kernelOptions: server ? { kernelName: "python3", path: "/" } : { kernelName: "python3" },
        };
        if (server) {
          options.serverSettings = { baseUrl: server.baseUrl, token: server.token, appendToken: true };
        }
        window.thebe.on("status", (evt, data) => {
          /* Only the start-up is reported here; cells report their own runs. */
          if (!data || box.dataset.state === "ready" || ["cell", "notebook"].includes(data.subject)) return;
          if (data.status === "ready" && data.subject === "session") {
            say(box, "Live code is on: kernel ready on " + where + ". Edit a cell and press “run”.", "ready");
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
          say(box, "Live code is on: kernel ready on " + where + ". Edit a cell and press “run”.", "ready");
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
