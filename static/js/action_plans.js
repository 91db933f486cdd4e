/* The action-plan editor, enhanced: autosave as the author types, a copy in localStorage while
 * offline (sent when the connection returns), and "add/remove activity" without a page load.
 * Without this script every button is an ordinary submit and the server re-renders the form.
 * Every text comes from the page (data-msg-* attributes), already in the reader's language.
 */
(function () {
  "use strict";

  var form = document.querySelector("form.ap-editor");
  if (!form || !window.fetch || !window.FormData) { return; }
  var data = form.dataset;
  var key = "portal-plan-draft:" + data.planId;
  var status = form.querySelector(".ap-status");
  var rev = form.querySelector("input[name=rev]");
  var timer = null, sending = false, again = false, conflict = false;

  function say(text, isError) {
    status.textContent = text || "";
    status.classList.toggle("is-error", !!isError);
  }

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return values.hasOwnProperty(name) ? values[name] : whole;
    });
  }

  function fields() {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && el.name !== "csrf_token" && el.name !== "action" && el.type !== "submit") {
        out[el.name] = el.value;
      }
    });
    return out;
  }

  function remember() {
    try {
      localStorage.setItem(key, JSON.stringify({rev: rev.value, fields: fields(), at: Date.now()}));
    } catch (e) { /* storage full or disabled: the server copy still counts */ }
  }

  function forget() {
    try { localStorage.removeItem(key); } catch (e) { /* ignore */ }
  }

  function send() {
    if (conflict) { return; }
    if (sending) { again = true; return; }
    if (navigator.onLine === false) { say(data.msgOffline); return; }
    sending = true;
    say(data.msgSaving);
    var body = new FormData(form);
    body.delete("action");
    fetch(data.autosaveUrl, {method: "POST", body: body, credentials: "same-origin",
                             headers: {"Accept": "application/json"}})
      .then(function (response) {
        return response.json().then(function (json) { return {ok: response.ok, status: response.status, json: json}; });
      })
      .then(function (result) {
        if (result.ok) {
          rev.value = result.json.rev;
          forget();
          say(result.json.saved);
        } else if (result.status === 409) {
          conflict = true;
          say(result.json.error || data.msgConflict, true);
        } else {
          say(result.json.error || data.msgOffline, true);
        }
      })
      .catch(function () { say(data.msgOffline, true); })
      .then(function () {
        sending = false;
        if (again) { again = false; schedule(); }
      });
  }

  function schedule() {
    remember();
    clearTimeout(timer);
    timer = setTimeout(send, 2500);
  }

  /* -- activities ---------------------------------------------------------------------------- */
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

  function addRow() {
    var last = rows()[rows().length - 1];
    var index = nextIndex();
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
    copy.querySelector("textarea").focus();
    return copy;
  }

  form.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=action]");
    if (!button) { return; }
    if (button.value === "add") {
      event.preventDefault();
      addRow();
      schedule();
    } else if (button.value.indexOf("remove-") === 0 && rows().length > 1) {
      event.preventDefault();
      var row = button.closest(".ap-activity-row");
      var focusTo = row.previousElementSibling || row.nextElementSibling;
      row.remove();
      renumber();
      focusTo.querySelector("textarea").focus();
      schedule();
    }
  });

  form.addEventListener("input", schedule);
  form.addEventListener("change", schedule);
  form.addEventListener("submit", function () { forget(); clearTimeout(timer); });
  window.addEventListener("online", function () { if (localStorage.getItem(key)) { send(); } });

  /* -- restoring what this browser kept ------------------------------------------------------ */
  function restore(saved) {
    Object.keys(saved.fields).forEach(function (name) {
      var match = /^activities-(\d+)-/.exec(name);
      if (match && !form.elements[name]) {
        var row = addRow();
        var index = row.dataset.index;
        Array.prototype.forEach.call(row.querySelectorAll("[name]"), function (el) {
          el.name = el.name.split("activities-" + index + "-").join("activities-" + match[1] + "-");
          el.id = el.id && el.id.split("activities-" + index + "-").join("activities-" + match[1] + "-");
        });
        row.dataset.index = match[1];
      }
      var el = form.elements[name];
      if (el && el.type !== "hidden") { el.value = saved.fields[name]; }
      if (el && name.slice(-4) === "-key") { el.value = saved.fields[name]; }
    });
  }

  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  if (saved && saved.fields) {
    if (String(saved.rev) === String(rev.value)) {
      restore(saved);
      say(data.msgRestored);
      send();
    } else {
      say(data.msgStale);
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.textContent = data.msgRestore;
      button.addEventListener("click", function () {
        restore(saved);
        button.remove();
        schedule();
      });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(button);
    }
  }
})();
