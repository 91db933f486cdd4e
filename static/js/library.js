/* Library enhancements (everything works without this script):
 * - type-ahead on the search box: titles from /api/v1/library/suggest fill a <datalist>;
 * - the player: starts at ?t= seconds, a click on a transcript line seeks there, the line being
 *   spoken is highlighted, and the first "play" counts a view (POST, once per page).
 */
(function () {
  "use strict";

  function typeahead(input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null, last = "";
    if (!list || !window.fetch) { return; }
    input.addEventListener("input", function () {
      var value = input.value.trim();
      clearTimeout(timer);
      if (value.length < 2 || value === last) { return; }
      timer = setTimeout(function () {
        last = value;
        var url = input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(value) +
          "&lang=" + encodeURIComponent(input.getAttribute("data-lang") || "en");
        fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (r) { return r.ok ? r.json() : {suggestions: []}; })
          .then(function (data) {
            list.textContent = "";
            (data.suggestions || []).forEach(function (s) {
              var option = document.createElement("option");
              option.value = s.title;
              list.appendChild(option);
            });
          })
          .catch(function () { /* offline: the plain search still works */ });
      }, 200);
    });
  }

  function player(video) {
    var lines = Array.prototype.slice.call(document.querySelectorAll(".library-transcript li"));
    var start = parseFloat(video.getAttribute("data-start") || "0");
    var counted = false, current = null;

    if (start > 0) {
      var seek = function () { if (video.currentTime < 0.5) { video.currentTime = start; } };
      if (video.readyState >= 1) { seek(); } else { video.addEventListener("loadedmetadata", seek, {once: true}); }
    }

    function highlight(time) {
      var found = null;
      for (var i = 0; i < lines.length; i++) {
        if (parseFloat(lines[i].getAttribute("data-start")) <= time + 0.05) { found = lines[i]; } else { break; }
      }
      if (found === current) { return; }
      if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
      current = found;
      if (found) {
        found.classList.add("current");
        found.setAttribute("aria-current", "true");
        var box = found.parentNode.getBoundingClientRect(), r = found.getBoundingClientRect();
        if (r.top < box.top || r.bottom > box.bottom) { found.scrollIntoView({block: "nearest"}); }
      }
    }

    video.addEventListener("timeupdate", function () { highlight(video.currentTime); });
    lines.forEach(function (line) {
      var link = line.querySelector("a");
      if (!link) { return; }
      link.addEventListener("click", function (event) {
        event.preventDefault();
        video.currentTime = parseFloat(line.getAttribute("data-start"));
        highlight(video.currentTime);
        var playing = video.play();
        if (playing && playing.catch) { playing.catch(function () {}); }
        if (window.history && history.replaceState) { history.replaceState(null, "", link.href); }
      });
    });
    video.addEventListener("play", function () {
      if (counted || !window.fetch) { return; }
      counted = true;
      var body = new FormData();
      body.append("csrf_token", video.getAttribute("data-csrf"));
      fetch(video.getAttribute("data-view-url"), {method: "POST", body: body, credentials: "same-origin"})
        .catch(function () { counted = false; });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var input = document.getElementById("library-q");
    if (input) { typeahead(input); }
    var video = document.getElementById("library-video");
    if (video) { player(video); }
  });
}());
