/* Nothing typed is lost: one protection for every form where someone writes (form[data-protect]).
 *
 * - A copy of every field is kept in localStorage at each change, per account and form
 *   ("portal-protect:<user>:<form>"), and put back after a reload, a crash, an ended session or a
 *   sign-in: at once when the form is as it was when the copy was taken (same version), else on
 *   request ("Restore my unsaved changes").
 * - Where the form has a draft endpoint (data-autosave-url), the fields are posted there a few
 *   seconds after the last change, and again when the connection returns.
 * - Leaving the page with changes the server does not have asks first (not after a real submit).
 * - The copy is forgotten once the server has the same text: the page shows it, an autosave
 *   took it, or a submit succeeded (the server names the saved form in data-saved).
 * Without this script the forms work as before; the server keeps the text of a post refused
 * because the session ended (portal/protect). Every message comes from this script tag's
 * data-msg-* attributes, already in the reader's language. A page may react to a restore before
 * it happens (event "protect:restore" on the form, detail = the fields), e.g. to add rows.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.localStorage || !window.JSON) { return; }
  var msg = script.dataset;
  var PREFIX = "portal-protect:" + (msg.user || "anonymous") + ":";
  var DELAY = 2500;
  var MAX_AGE = 30 * 24 * 3600 * 1000;  // a copy nobody came back to in a month is dropped
  var SKIPPED_TYPES = {file: 1, password: 1, submit: 1, button: 1, reset: 1, image: 1};

  function load(key) {
    try { return JSON.parse(localStorage.getItem(PREFIX + key) || "null"); } catch (e) { return null; }
  }
  function store(key, value) {
    try { localStorage.setItem(PREFIX + key, JSON.stringify(value)); } catch (e) { /* full or off */ }
  }
  function drop(key) {
    try { localStorage.removeItem(PREFIX + key); } catch (e) { /* ignore */ }
  }

  if (msg.saved) { drop(msg.saved); }
  try {
    Object.keys(localStorage).forEach(function (name) {
      if (name.indexOf("portal-protect:") !== 0) { return; }
      var copy = JSON.parse(localStorage.getItem(name) || "null");
      if (!copy || !copy.at || Date.now() - copy.at > MAX_AGE) { localStorage.removeItem(name); }
    });
  } catch (e) { /* ignore */ }

  /* -- the fields a person writes or chooses ------------------------------------------------- */
  function kept(el) {
    if (!el.name || el.disabled || SKIPPED_TYPES[el.type] || el.name === "csrf_token" ||
        el.name === "_protect" || el.closest("[data-upload]")) { return false; }
    return el.type !== "hidden" || el.hasAttribute("data-protect-keep");
  }

  /* What the server sent in a field: its default value as the browser would show it. The
     browser sanitises what it is given (a datetime-local loses its ":00" seconds, a text input
     its line breaks), so the default goes through a field of the same type first; a field
     whose text was never touched then compares equal. */
  var probe = document.createElement("input");
  function sentValue(el) {
    if (el.tagName === "TEXTAREA") { return el.defaultValue.replace(/\r\n?/g, "\n"); }
    if (el.tagName !== "INPUT") { return el.defaultValue; }
    try { probe.type = el.type; } catch (e) { probe.type = "text"; }
    probe.value = el.defaultValue;
    return probe.value;
  }

  function sentChoice(select) {
    var chosen = Array.prototype.filter.call(select.options, function (o) {
      return o.defaultSelected;
    }).pop() || (select.size > 1 ? null : select.options[0]);
    return chosen ? chosen.value : "";
  }

  /* The fields as they are now, or (asSent) as the server sent them: what was typed before
     this script ran (a slow link) or put back by the browser on "Back" is not the server's. */
  function fieldsOf(form, asSent) {
    var out = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!kept(el)) { return; }
      var value;
      if (el.type === "checkbox" || el.type === "radio") {
        out[el.name] = out[el.name] || [];
        if (asSent ? el.defaultChecked : el.checked) { out[el.name].push(el.value); }
        return;
      }
      if (el.type === "select-multiple") {
        out[el.name] = Array.prototype.filter.call(el.options, function (o) {
          return asSent ? o.defaultSelected : o.selected;
        }).map(function (o) { return o.value; });
        return;
      }
      if (el.type === "select-one") {
        value = asSent ? sentChoice(el) : el.value;
      } else if (el.tagName === "TEXTAREA") {
        value = asSent ? sentValue(el) : el.value.replace(/\r\n?/g, "\n");
      } else {
        value = asSent ? sentValue(el) : el.value;
      }
      out[el.name] = out.hasOwnProperty(el.name) ? [].concat(out[el.name], value) : value;
    });
    return out;
  }

  function canonical(fields) {
    return JSON.stringify(Object.keys(fields).sort().map(function (k) { return [k, fields[k]]; }));
  }

  function apply(form, fields) {
    Object.keys(fields).forEach(function (name) {
      var value = fields[name];
      var els = Array.prototype.filter.call(form.elements, function (el) {
        return el.name === name && kept(el);
      });
      els.forEach(function (el, i) {
        if (el.type === "checkbox" || el.type === "radio") {
          el.checked = [].concat(value).indexOf(el.value) >= 0;
        } else if (el.type === "select-multiple") {
          Array.prototype.forEach.call(el.options, function (o) {
            o.selected = [].concat(value).indexOf(o.value) >= 0;
          });
        } else {
          el.value = Array.isArray(value) ? (value[i] || "") : value;
        }
      });
    });
  }

  /* -- one protected form ------------------------------------------------------------------- */
  function init(form) {
    var data = form.dataset;
    var key = data.protect;
    var status = data.protectStatus && document.getElementById(data.protectStatus);
    if (!status) {
      status = document.createElement("p");
      status.className = "protect-status muted";
      status.setAttribute("role", "status");
      status.setAttribute("aria-live", "polite");
      form.insertBefore(status, form.firstChild);
    }
    // What the server holds, as far as we know (not the text it kept across an ended session
    // and shows again: that is saved only when the form is sent).
    var onServer = form.hasAttribute("data-protect-unsaved") ? "" : canonical(fieldsOf(form, true));
    var timer = null, sending = false, again = false, stopped = false, submitting = false;
    var toldKept = false;

    function say(text, isError, link) {
      if (!text) { return; }
      status.textContent = text;
      status.classList.toggle("is-error", !!isError);
      if (link) {
        var a = document.createElement("a");
        a.href = link;
        a.textContent = msg.msgSignIn;
        a.addEventListener("click", function () { submitting = true; });  // the copy stays
        status.appendChild(document.createTextNode(" "));
        status.appendChild(a);
      }
    }

    function versionField() {
      return data.protectVersionField ? form.elements[data.protectVersionField] : null;
    }
    function version() {
      var field = versionField();
      return field ? String(field.value) : (data.protectVersion || "");
    }

    function remember() {
      var fields = fieldsOf(form);
      if (canonical(fields) === onServer) { drop(key); return; }
      store(key, {fields: fields, version: version(), at: Date.now()});
    }

    function sessionEnded() {
      stopped = true;
      var back = location.pathname + location.search;
      say(msg.msgSession, true, msg.signInUrl + "?next=" + encodeURIComponent(back));
    }

    function send() {
      if (stopped || !data.autosaveUrl) { return; }
      if (sending) { again = true; return; }
      if (navigator.onLine === false) { say(msg.msgOffline); return; }
      var snapshot = canonical(fieldsOf(form));
      if (snapshot === onServer) { return; }
      sending = true;
      say(msg.msgSaving);
      var body = new FormData(form);
      var skip = {action: 1, _protect: 1};
      Array.prototype.forEach.call(form.querySelectorAll("[data-upload] [name]"), function (el) {
        skip[el.name] = 1;
      });
      Array.prototype.slice.call(body.keys()).forEach(function (name) {
        var values = body.getAll(name);
        if (skip[name] || values.some(function (v) { return typeof v !== "string"; })) {
          body.delete(name);
        }
      });
      if (data.autosaveAction) { body.append("action", data.autosaveAction); }
      fetch(data.autosaveUrl, {method: "POST", body: body, credentials: "same-origin",
                               headers: {"Accept": "application/json"}})
        .then(function (response) {
          return response.json().catch(function () { return {}; }).then(function (json) {
            return {ok: response.ok, status: response.status, json: json};
          });
        })
        .then(function (result) {
          var json = result.json || {};
          if (result.ok) {
            var field = versionField();
            if (field && json.rev !== undefined) { field.value = json.rev; }
            onServer = snapshot;
            if (canonical(fieldsOf(form)) === snapshot) { drop(key); } else { remember(); }
            say(json.saved || json.message);
          } else if (result.status === 401 || json.session_ended) {
            sessionEnded();
          } else if (result.status === 409) {
            stopped = true;
            say(typeof json.error === "string" ? json.error : msg.msgConflict, true);
          } else {
            var error = json.error && (json.error.message || json.error);
            say(typeof error === "string" ? error : msg.msgFailed, true);
          }
        })
        .catch(function () { say(navigator.onLine === false ? msg.msgOffline : msg.msgFailed, true); })
        .then(function () {
          sending = false;
          if (again) { again = false; schedule(); }
        });
    }

    function schedule() {
      remember();
      if (!data.autosaveUrl) {
        if (!toldKept) { toldKept = true; say(msg.msgKept); }
        return;
      }
      clearTimeout(timer);
      timer = setTimeout(send, DELAY);
    }

    /* A copy kept by the scripts this one replaced (assignments.js, action_plans.js). */
    function legacy() {
      var name = data.protectLegacy, old = null;
      if (!name) { return null; }
      try { old = JSON.parse(localStorage.getItem(name) || "null"); } catch (e) { old = null; }
      try { localStorage.removeItem(name); } catch (e) { /* ignore */ }
      if (!old) { return null; }
      var fields = fieldsOf(form);
      if (typeof old.text === "string") { fields.text = old.text; }
      Object.keys(old.fields || {}).forEach(function (name) {
        if (name !== "rev" && name !== "csrf_token") { fields[name] = old.fields[name]; }
      });
      return {fields: fields, version: old.rev === undefined ? version() : String(old.rev),
              at: old.at};
    }

    function restore(saved) {
      form.dispatchEvent(new CustomEvent("protect:restore", {detail: saved.fields}));
      apply(form, saved.fields);
      store(key, {fields: saved.fields, version: version(), at: Date.now()});
    }

    /* The newer of this script's copy and a former script's: the former copy is taken over
       (and forgotten) whether or not it wins, so it is never put back twice. */
    var own = load(key), former = legacy();
    var saved = own && former ? ((former.at || 0) > (own.at || 0) ? former : own) : own || former;
    if (saved && saved.fields) {
      if (canonical(saved.fields) === onServer) {
        drop(key);
      } else if (String(saved.version || "") === version()) {
        restore(saved);
        say(msg.msgRestored);
        if (data.autosaveUrl) { send(); }
      } else {
        say(msg.msgStale);
        var button = document.createElement("button");
        button.type = "button";
        button.className = "button small";
        button.textContent = msg.msgRestore;
        button.addEventListener("click", function () {
          restore(saved);
          button.remove();
          say(msg.msgRestored);
          schedule();
        });
        status.appendChild(document.createTextNode(" "));
        status.appendChild(button);
      }
    }

    if (!saved && onServer && canonical(fieldsOf(form)) !== onServer) {
      schedule();  // typed before this script ran, or put back on "Back": kept and saved
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () {
      submitting = true;
      clearTimeout(timer);
      remember();  // kept until the server has it: a refused post loses nothing
      if (!form.querySelector("input[name=_protect]")) {
        var mark = document.createElement("input");
        mark.type = "hidden";
        mark.name = "_protect";
        mark.value = key;
        form.appendChild(mark);
      }
    });
    window.addEventListener("online", function () { if (load(key)) { send(); } });
    window.addEventListener("pageshow", function () { submitting = false; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || canonical(fieldsOf(form)) === onServer) { return; }
      event.preventDefault();
      event.returnValue = "";
      return "";
    });
  }

  document.querySelectorAll("form[data-protect]").forEach(init);
})();
