// The SPARQL workbench: YASGUI (vendored, web/static/vendor/yasgui) configured so that no request
// leaves this server — the endpoint is this server's /sparql, the prefix autocompleter uses the list
// bundled with YASGUI (prefix.cc off), and the class/property autocompleters (they ask LOV) are off.
// The example queries are rendered by the server; their buttons load them into the editor.
(function () {
  "use strict";
  var host = document.getElementById("yasgui");
  if (!host || typeof Yasgui === "undefined") { return; }
  var config = JSON.parse(document.getElementById("workbench-config").textContent);
  var endpoint = window.location.origin + "/sparql";
  var plain = document.getElementById("plain-query");
  var yasgui = new Yasgui(host, {
    persistenceId: null,
    populateFromUrl: false,
    copyEndpointOnNewTab: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
    requestConfig: { endpoint: endpoint, method: "POST" },
    yasqe: {
      value: plain ? plain.value : "",
      prefixCcApi: null,
      autocompleters: ["prefixes", "variables"],
      resizeable: true,
      editorHeight: "320px"
    },
    yasr: { prefixes: config.prefixes, defaultPlugin: "table" }
  });
  window.bolekgWorkbench = yasgui;
  var buttons = document.querySelectorAll("button.load-example");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById("query-" + button.getAttribute("data-example"));
      var tab = yasgui.getTab();
      tab.setQuery(source.textContent);
      host.scrollIntoView({ behavior: "instant", block: "start" });
    });
  });
})();
