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
