/* The processing status of a video (everything works without this script: the box has a reload
 * link). While the video is processed, ask the status endpoint every few seconds and update the
 * box's sentence and progress bar; when it is done, say so and keep the reload link (the page is
 * not reloaded by itself: the form on it may hold what someone is typing). */
(function () {
  "use strict";

  function follow(box) {
    var url = box.getAttribute("data-processing-status");
    var message = box.querySelector(".library-processing-message");
    var bar = box.querySelector("progress");
    var field = box.getAttribute("data-field") || "message";
    var delay = 2000;
    if (!url || !window.fetch || !message) { return; }

    function show(status) {
      if (status.active) {
        message.textContent = status[field];
        if (!bar) { return true; }
        if (status.progress !== null && status.progress !== undefined) {
          bar.value = status.progress;
          bar.textContent = status.progress + " %";
          bar.hidden = false;
        } else {
          bar.hidden = true;
        }
        return true;
      }
      if (field === "label") {
        message.textContent = status.label;
      } else {
        message.textContent = status.message || status.incomplete || box.getAttribute("data-done");
        if (status.message || status.incomplete) {
          box.className = "flash flash-error";
          var more = document.createElement("span");
          more.textContent = " " + box.getAttribute("data-done");
          message.appendChild(more);
        }
      }
      if (bar) { bar.hidden = true; }
      return false;
    }

    function ask() {
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (status) {
          if (status !== null && show(status)) {
            delay = Math.min(delay * 1.25, 15000);
            setTimeout(ask, delay);
          }
        })
        .catch(function () { setTimeout(ask, 15000); /* offline for a moment */ });
    }
    setTimeout(ask, delay);
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-processing-status]"), follow);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
