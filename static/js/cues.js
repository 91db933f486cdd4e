/* The cue editor (the page works without this script: a plain form of rows). With it: Alt+Down
 * and Alt+Up go to the next or previous cue's text, Alt+P plays the cue whose row has the focus
 * (from its start to its end) with the recording above the form. */
(function () {
  "use strict";

  function seconds(text) {
    var m = /^(?:(?:(\d+):)?(\d{1,2}):)?(\d+)(?:[.,](\d{1,3}))?$/.exec((text || "").trim());
    if (!m) { return null; }
    var frac = m[4] ? Number("0." + m[4]) : 0;
    return (Number(m[1] || 0) * 60 + Number(m[2] || 0)) * 60 + Number(m[3]) + frac;
  }

  function start() {
    var form = document.querySelector("form.library-cues");
    if (!form) { return; }
    var audio = document.getElementById("library-cue-audio");
    var keys = document.querySelector(".library-cue-keys");
    if (keys) { keys.hidden = false; }
    var texts = Array.prototype.slice.call(form.querySelectorAll(".library-cue-text"));
    var stopAt = null;

    if (audio) {
      audio.addEventListener("timeupdate", function () {
        if (stopAt !== null && audio.currentTime >= stopAt) { audio.pause(); stopAt = null; }
      });
    }

    function rowOf(element) {
      while (element && element.tagName !== "TR") { element = element.parentNode; }
      return element;
    }

    function play(row) {
      if (!audio || !row) { return; }
      var inputs = row.querySelectorAll("input");
      var from = seconds(inputs[0] && inputs[0].value);
      var to = seconds(inputs[1] && inputs[1].value);
      if (from === null) { return; }
      audio.currentTime = from;
      stopAt = to !== null && to > from ? to : null;
      audio.play();
    }

    form.addEventListener("keydown", function (event) {
      if (!event.altKey || event.ctrlKey || event.metaKey) { return; }
      var row = rowOf(event.target);
      if (!row) { return; }
      var index = texts.indexOf(row.querySelector(".library-cue-text"));
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        var next = texts[index + (event.key === "ArrowDown" ? 1 : -1)];
        if (next) { next.focus(); event.preventDefault(); }
      } else if (event.key === "p" || event.key === "P" || event.code === "KeyP") {
        play(row);
        event.preventDefault();
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
