/* Character counters for long text areas (progressive: without JavaScript the limit is said
 * and the server refuses more, keeping the text). The sentences come from the page, already
 * translated, with {count}, {max} and {over} written by the browser in the page's language.
 * The counter describes its text area (read when it takes focus), so a screen reader is not
 * interrupted at every key; past the limit the area is marked invalid. */
(function () {
  "use strict";
  var lang = document.documentElement.lang || "en";
  var number = window.Intl ? new Intl.NumberFormat(lang) : {format: String};

  document.querySelectorAll("textarea[data-maxlength]").forEach(function (area) {
    var counter = document.getElementById(area.id + "-count");
    var max = parseInt(area.dataset.maxlength, 10);
    if (!counter || !max) { return; }

    function update() {
      var count = area.value.length, over = count > max;
      counter.textContent = (over ? counter.dataset.over : counter.dataset.count)
        .replace("{count}", number.format(count)).replace("{max}", number.format(max))
        .replace("{over}", number.format(count - max));
      counter.classList.toggle("error", over);
      if (over) { area.setAttribute("aria-invalid", "true"); }
    }

    area.addEventListener("input", update);
    update();
  });
})();

/* Filters fold away on a phone so results come first; on a wide screen they start open. */
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(min-width: 40rem)").matches) { return; }
  document.querySelectorAll("details[data-open-wide]").forEach(function (d) { d.open = true; });
})();

/* A wide table scrolls sideways on a phone: when it does, it takes the keyboard focus so it can
 * be scrolled without a mouse (WCAG 2.1.1), with its caption or a generic name. */
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll("table.table").forEach(function (table) {
      if (table.scrollWidth > table.clientWidth + 1) {
        table.setAttribute("tabindex", "0");
      } else if (table.getAttribute("tabindex") === "0") {
        table.removeAttribute("tabindex");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
})();

/* A "Copy" button beside a read-only address (data-copy: the input's id). Without JavaScript
 * the button stays hidden and the address is selected and copied by hand. */
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var input = document.getElementById(button.dataset.copy);
    var status = document.getElementById(button.dataset.copy + "-status");
    if (!input || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(input.value).then(function () {
        if (status) { status.textContent = button.dataset.copied; }
      }, function () { input.select(); });
    });
  });
})();
