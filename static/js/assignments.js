/* Drafts that survive a bad connection (progressive enhancement: the form works without it).
 *
 * Every ~20 seconds, if the text changed, the draft is posted to the server (the same form
 * endpoint, asking for JSON). The text is also kept in localStorage at every change, so that
 * offline or after a reload nothing is lost: on load, text newer than the server's copy is
 * put back in the field. Messages come from data-msg-* attributes, already translated.
 */
(function () {
  "use strict";
  var INTERVAL = 20000;

  function init(form) {
    var area = form.querySelector("textarea[name=text]");
    var status = document.getElementById("draft-status");
    if (!area || !window.fetch) { return; }
    var key = "portal-draft:" + form.dataset.draftKey;
    var lastSaved = area.value;

    function say(text) { if (status && text) { status.textContent = text; } }

    function remember() {
      try {
        localStorage.setItem(key, JSON.stringify({text: area.value, at: Date.now()}));
      } catch (e) { /* storage full or disabled: the server copy still works */ }
    }

    function forget() {
      try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
    }

    try {
      var kept = JSON.parse(localStorage.getItem(key) || "null");
      if (kept && typeof kept.text === "string" && kept.text !== area.value) {
        area.value = kept.text;
        lastSaved = null;  // differs from the server's copy: save it at the next tick
        say(form.dataset.msgRestored);
      } else if (kept) {
        forget();
      }
    } catch (e) { forget(); }

    function save() {
      if (area.value === lastSaved) { return; }
      if (navigator.onLine === false) { say(form.dataset.msgOffline); return; }
      var text = area.value;
      var body = new FormData();
      body.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      body.append("text", text);
      body.append("action", "draft");
      fetch(form.dataset.autosave, {method: "POST", body: body, credentials: "same-origin",
                                    headers: {"Accept": "application/json"}})
        .then(function (response) {
          return response.json().then(function (data) { return {ok: response.ok, data: data}; });
        })
        .then(function (result) {
          if (result.ok) {
            lastSaved = text;
            if (area.value === text) { forget(); }
            say(result.data.message);
          } else {
            say(result.data.error || form.dataset.msgFailed);
          }
        })
        .catch(function () { say(form.dataset.msgFailed); });
    }

    area.addEventListener("input", remember);
    window.addEventListener("online", save);
    window.setInterval(save, INTERVAL);
    form.addEventListener("submit", function () { remember(); });
  }

  document.querySelectorAll("form[data-autosave]").forEach(init);
})();

/* Countdowns ("due in 3 days 4 hours") written by the server, kept current every minute.
 * The sentence comes from the page (data-in / data-over, translated); durations are written by
 * the browser's Intl in the page's language, as the server writes them. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";

  function unit(value, name) {
    return new Intl.NumberFormat(lang, {style: "unit", unit: name, unitDisplay: "long"})
      .format(value);
  }

  function duration(seconds) {
    var minutes = Math.floor(seconds / 60);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
    var parts = [];
    if (days) { parts.push(unit(days, "day")); }
    if (hours && days < 7) { parts.push(unit(hours, "hour")); }
    if (!days && (minutes % 60 || !hours)) { parts.push(unit(minutes % 60, "minute")); }
    return parts.join(" ");
  }

  function refresh() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.dataset.countdown);
      if (isNaN(due) || !el.dataset.in) { return; }
      var left = (due - Date.now()) / 1000;
      var template = left >= 0 ? el.dataset.in : el.dataset.over;
      el.textContent = template.replace("{time}", duration(Math.abs(left)));
    });
  }

  if (window.Intl && Intl.NumberFormat && document.querySelector("[data-countdown]")) {
    window.setInterval(refresh, 60000);
  }
})();
