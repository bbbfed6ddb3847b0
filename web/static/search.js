// Suggestions as one types on the search page, an ARIA combobox over a listbox (WAI-ARIA APG
// "combobox with listbox popup"). Progressive: the form submits to /search without this script;
// with it, the input asks /search/suggest (this server, JSON) and shows a few names below it.
// Keys: Down/Up move through the names, Enter opens the chosen one (or submits the form when none
// is chosen), Escape closes the list (a second Escape clears the input), Tab leaves it.
(function () {
  "use strict";
  var input = document.getElementById("search-q");
  var list = document.getElementById("search-suggestions");
  var status = document.getElementById("search-suggest-status");
  if (!input || !list || !window.fetch) { return; }
  var endpoint = input.getAttribute("data-suggest");
  var lang = document.documentElement.getAttribute("lang") || "zh";
  var items = [];
  var active = -1;
  var timer = null;
  var pending = null;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function announce(count) {
    if (!status) { return; }
    var text = count === 1 ? status.getAttribute("data-one") : status.getAttribute("data-many");
    status.textContent = count ? text.replace("{n}", String(count)) : "";
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(index) {
    var options = list.querySelectorAll("[role=option]");
    Array.prototype.forEach.call(options, function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function show(suggestions) {
    list.textContent = "";
    items = suggestions;
    active = -1;
    suggestions.forEach(function (found, i) {
      var option = document.createElement("li");
      option.id = "search-suggestion-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = found.name;
      option.appendChild(name);
      if (found.other) {
        var other = document.createElement("span");
        other.className = "other";
        other.textContent = found.other;
        option.appendChild(other);
      }
      // mousedown, not click: the input's blur would close the list first
      option.addEventListener("mousedown", function (event) {
        event.preventDefault();
        window.location.assign(found.href);
      });
      list.appendChild(option);
    });
    list.hidden = suggestions.length === 0;
    input.setAttribute("aria-expanded", suggestions.length ? "true" : "false");
    input.removeAttribute("aria-activedescendant");
    announce(suggestions.length);
  }

  function ask() {
    var query = input.value.trim();
    if (!query) { close(); announce(0); return; }
    if (pending) { pending.abort(); }
    pending = window.AbortController ? new AbortController() : null;
    var url = endpoint + "?q=" + encodeURIComponent(query) + "&lang=" + encodeURIComponent(lang);
    fetch(url, { headers: { "Accept": "application/json" }, signal: pending ? pending.signal : undefined })
      .then(function (reply) { return reply.ok ? reply.json() : { suggestions: [] }; })
      .then(function (body) {
        if (input.value.trim() === query && document.activeElement === input) { show(body.suggestions || []); }
      })
      .catch(function () { /* aborted or offline: the form still works */ });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(ask, 150);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "Down") {
      event.preventDefault();
      if (list.hidden) { ask(); return; }
      choose(items.length ? (active + 1) % items.length : -1);
    } else if (event.key === "ArrowUp" || event.key === "Up") {
      event.preventDefault();
      if (!list.hidden && items.length) { choose(active <= 0 ? items.length - 1 : active - 1); }
    } else if (event.key === "Enter") {
      if (!list.hidden && active >= 0) {
        event.preventDefault();
        window.location.assign(items[active].href);
      }
    } else if (event.key === "Escape" || event.key === "Esc") {
      if (!list.hidden) { event.preventDefault(); close(); } else { input.value = ""; }
    } else if (event.key === "Tab") {
      close();
    }
  });

  input.addEventListener("blur", function () { window.setTimeout(close, 100); });
})();
