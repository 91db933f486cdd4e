/* The action-plan editor, enhanced: "add/remove activity" without a page load. Autosave, the
 * copy kept in this browser and the warning before leaving are the portal's one form protection
 * (static/js/protect.js, form[data-protect]); this script adds the activity rows a restored copy
 * needs before it is put back (event "protect:restore").
 * Without this script every button is an ordinary submit and the server re-renders the form.
 * Every text comes from the page (data-msg-* attributes), already in the reader's language.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.ap-editor");
  if (!form) { return; }
  var data = form.dataset;

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return values.hasOwnProperty(name) ? values[name] : whole;
    });
  }

  function changed() { form.dispatchEvent(new Event("input")); }  // protect.js saves it

  var list = form.querySelector(".ap-activity-list");

  function rows() { return list.querySelectorAll(".ap-activity-row"); }

  function nextIndex() {
    var max = -1;
    Array.prototype.forEach.call(rows(), function (row) {
      max = Math.max(max, parseInt(row.dataset.index, 10));
    });
    return max + 1;
  }

  function renumber() {
    Array.prototype.forEach.call(rows(), function (row, i) {
      row.querySelector("legend").textContent = fill(data.msgActivity, {number: i + 1});
      var remove = row.querySelector(".ap-remove");
      remove.textContent = fill(data.msgRemove, {number: i + 1});
    });
  }

  function addRow(index) {
    var last = rows()[rows().length - 1];
    index = index === undefined ? nextIndex() : index;
    var copy = last.cloneNode(true);
    var old = last.dataset.index;
    copy.dataset.index = index;
    Array.prototype.forEach.call(copy.querySelectorAll("[id],[name],[for],[aria-describedby]"), function (el) {
      ["id", "name", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) { el.setAttribute(attr, value.split("activities-" + old + "-").join("activities-" + index + "-")); }
      });
      if (el.tagName === "INPUT" || el.tagName === "TEXTAREA") { el.value = ""; el.removeAttribute("aria-invalid"); }
    });
    Array.prototype.forEach.call(copy.querySelectorAll(".error, .warning"), function (el) { el.remove(); });
    copy.querySelector(".ap-remove").value = "remove-" + index;
    list.appendChild(copy);
    renumber();
    return copy;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action]");
    if (!button) { return; }
    if (button.value === "add") {
      event.preventDefault();
      addRow().querySelector("textarea").focus();
      changed();
    } else if (button.value.indexOf("remove-") === 0 && rows().length > 1) {
      event.preventDefault();
      var row = button.closest(".ap-activity-row");
      var focusTo = row.previousElementSibling || row.nextElementSibling;
      row.remove();
      renumber();
      focusTo.querySelector("textarea").focus();
      changed();
    }
  });

  /* A copy kept in this browser may hold rows the page does not have yet. */
  form.addEventListener("protect:restore", function (event) {
    Array.prototype.forEach.call(rows(), function (row) {
      var name = "activities-" + row.dataset.index + "-description";
      if (!event.detail.hasOwnProperty(name) && rows().length > 1) { row.remove(); }
    });
    Object.keys(event.detail).forEach(function (name) {
      var match = /^activities-(\d+)-/.exec(name);
      if (match && !form.elements[name]) { addRow(parseInt(match[1], 10)); }
    });
    renumber();
  });
})();
