// The SPARQL workbench: YASGUI (vendored, web/static/vendor/yasgui) configured so that no request
// leaves this server — the endpoint is this server's /sparql, the prefix autocompleter uses the list
// bundled with YASGUI (prefix.cc off), and the class/property autocompleters (they ask LOV) are off.
// The example queries are rendered by the server; their buttons load them into the editor.
//
// What this file changes around the widget (issue 18), each from outside through its API or its DOM,
// never by editing the vendored files:
// * the editor starts from the plain form's textarea, which the server fills from a share link
//   (/sparql?share=…, see bolekg.web.sparql.workbench_page for why not ?query=), and the share button
//   gives such a link; YASGUI's own share link (a #fragment this page does not read) is hidden;
// * the PREFIX block is folded into one line, so the query itself is in view when the page opens;
// * the run and share buttons sit in a row above the editor, not over its text (on a phone they hid it);
// * results that are IRIs under the data's base link to this server's pages (/id/…, /def/…) instead
//   of https://w3id.org/…, which may not resolve to this server;
// * the editor grows with its query instead of scrolling inside itself, and its input is labelled; the tab list and the endpoint bar are hidden by workbench.css
//   (one query at a time, always against this server).
(function () {
  "use strict";
  var host = document.getElementById("yasgui");
  if (!host || typeof Yasgui === "undefined") { return; }
  var config = JSON.parse(document.getElementById("workbench-config").textContent);
  var endpoint = window.location.origin + "/sparql";
  var plain = document.getElementById("plain-query");
  var start = plain ? plain.value : "";
  var yasgui = new Yasgui(host, {
    persistenceId: null,
    populateFromUrl: false,
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    requestConfig: { endpoint: endpoint, method: "POST" },
    yasqe: {
      value: start,
      prefixCcApi: null,
      autocompleters: ["prefixes", "variables"],
      // The editor grows with its query (CodeMirror's auto height: all lines drawn) rather than
      // scrolling inside a fixed box, which no keyboard could reach (axe: scrollable-region-focusable);
      // the height itself is workbench.css's, as the tab sets one inline whatever the configuration says.
      resizeable: false,
      viewportMargin: Infinity,
      collapsePrefixesOnLoad: true
    },
    yasr: { prefixes: config.prefixes, defaultPlugin: config.view || "table" }
  });
  window.bolekgWorkbench = yasgui;
  var tab = yasgui.getTab();
  var yasqe = tab.getYasqe();
  var loadedExample = config.example;   // the example the editor holds unchanged, if any
  var loadedText = start;

  // Without JavaScript the plain form is the workbench; with it, the editor is.
  var plainForm = document.getElementById("plain-form");
  if (plainForm) { plainForm.open = false; }

  // The editor's input (CodeMirror's hidden textarea) gets the page's name for it.
  yasqe.getInputField().setAttribute("aria-label", host.getAttribute("aria-label") + " — SPARQL");

  // The run and share buttons: a row of their own at the top of the editor box.
  var yasqeEl = host.querySelector(".yasqe");
  var buttons = host.querySelector(".yasqe_buttons");
  var parts = document.querySelector(".wb-share-parts");
  var shareButton = document.getElementById("share-button");
  var sharePanel = document.getElementById("share-panel");
  var shareLink = document.getElementById("share-link");
  if (yasqeEl && buttons) {
    buttons.classList.add("wb-toolbar");
    yasqeEl.insertBefore(buttons, yasqeEl.firstChild);
    if (shareButton) { buttons.insertBefore(shareButton, buttons.firstChild); }
    if (sharePanel) { yasqeEl.insertBefore(sharePanel, buttons.nextSibling); }
    if (parts) { parts.remove(); }
  }

  // A link that opens this page holding the editor's query (and the example and result view).
  function link() {
    var query = tab.getQuery();
    var params = new URLSearchParams();
    if (loadedExample && query === loadedText) {
      params.set("example", loadedExample);
    } else {
      params.set("share", query);
    }
    var view = tab.getYasr().getSelectedPluginName();
    if (view && view !== "table") { params.set("view", view); }
    return endpoint + "?" + params.toString();
  }
  if (shareButton && sharePanel && shareLink) {
    shareButton.addEventListener("click", function () {
      var opening = sharePanel.hidden;
      sharePanel.hidden = !opening;
      shareButton.setAttribute("aria-expanded", String(opening));
      if (opening) {
        shareLink.value = link();
        shareLink.focus();
        shareLink.select();
      }
    });
    // An open link follows the query as it is edited.
    yasqe.on("change", function () { if (!sharePanel.hidden) { shareLink.value = link(); } });
  }

  // Result IRIs under the data's base lead to this server's page for them (as the server-side
  // results page does, bolekg.services.describe.local_path).
  function localise(root) {
    if (!config.base) { return; }
    var anchors = root.querySelectorAll("a[href^='" + config.base.replace(/'/g, "\\'") + "']");
    Array.prototype.forEach.call(anchors, function (anchor) {
      var iri = anchor.getAttribute("href");
      anchor.setAttribute("href", "/" + iri.slice(config.base.length));
      anchor.setAttribute("title", iri);
    });
  }
  // The results' own controls, as YASR draws them anew with each answer: the table's page-size menu
  // and row-number column, and the raw answer's text, have no name.
  function label(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select.tableSizer:not([aria-label])"), function (menu) {
      menu.setAttribute("aria-label", config.labels.pageSize);
    });
    // the raw answer ("response" view) is a read-only CodeMirror, its input as unnamed as the editor's
    Array.prototype.forEach.call(root.querySelectorAll(".CodeMirror textarea:not([aria-label])"), function (input) {
      input.setAttribute("aria-label", config.labels.answer);
    });
    // and the long raw answer scrolls in its box: the box takes the keyboard focus (arrows scroll it)
    Array.prototype.forEach.call(root.querySelectorAll(".CodeMirror-scroll:not([role])"), function (box) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", config.labels.answer);
    });
    Array.prototype.forEach.call(root.querySelectorAll("th.dt-orderable-none:not([aria-label])"), function (th) {
      if (!th.textContent.trim()) {
        th.setAttribute("aria-label", "#");
        var text = document.createElement("span");
        text.className = "visually-hidden";
        text.textContent = "#";
        th.appendChild(text);
      }
    });
  }
  var results = host.querySelector(".yasr");
  if (results && window.MutationObserver) {
    new MutationObserver(function () { localise(results); label(results); })
      .observe(results, { childList: true, subtree: true });
  }

  var buttonsForExamples = document.querySelectorAll("button.load-example");
  Array.prototype.forEach.call(buttonsForExamples, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var name = button.getAttribute("data-example");
      var source = document.getElementById("query-" + name);
      tab.setQuery(source.textContent);
      yasqe.collapsePrefixes(true);
      loadedExample = name;
      loadedText = tab.getQuery();
      Array.prototype.forEach.call(document.querySelectorAll("li.example"), function (item) {
        var current = item.id === "example-" + name;
        item.classList.toggle("current", current);
        if (current) { item.setAttribute("aria-current", "true"); } else { item.removeAttribute("aria-current"); }
      });
      host.scrollIntoView({ behavior: "instant", block: "start" });
    });
  });
})();
