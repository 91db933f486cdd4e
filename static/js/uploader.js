/* Resumable uploads for <div data-upload> fields (templates/uploads/_field.html).
 *
 * Without this script the field is a plain file input sent with its form. With it, a chosen file
 * goes through the portal's upload protocol in parts: POST /uploads, then for each part
 * GET /uploads/<id>/parts/<n> (where to send it) and PUT there, then POST .../complete. The
 * upload id is kept in localStorage, so after a dropped connection or a reload, choosing the same
 * file again sends only the parts the server does not have. Network errors are retried with
 * back-off. On success the file input is disabled (its bytes are not sent again) and the hidden
 * "<name>_id" input carries the stored file's id to the form. When the field names its form
 * (data-form), completing sends that reference and the server attaches the file to the form's
 * record at once (the purpose's keep rule); the answer's kept.remove_url is what the Remove
 * button posts to. Without one, Remove only clears the id. Every text comes from the page
 * (data-msg-* attributes), already in the reader's language.
 */
(function () {
  "use strict";

  var STORE_PREFIX = "portal-upload:";
  var RETRY_DELAYS = [1, 2, 4, 8, 15, 30, 60];  // seconds, then 60 again and again

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function locale() {
    return document.documentElement.lang || "en";
  }

  function formatSize(bytes) {
    var units = [["gigabyte", 1073741824], ["megabyte", 1048576], ["kilobyte", 1024]];
    for (var i = 0; i < units.length; i++) {
      if (bytes >= units[i][1]) {
        var value = bytes / units[i][1];
        return new Intl.NumberFormat(locale(), {
          style: "unit", unit: units[i][0], unitDisplay: "short",
          maximumFractionDigits: value >= 100 ? 0 : 1
        }).format(value);
      }
    }
    return new Intl.NumberFormat(locale(), {style: "unit", unit: "byte", unitDisplay: "short"})
      .format(bytes);
  }

  function formatDuration(seconds) {
    var unit = "second", value = Math.max(1, Math.round(seconds));
    if (seconds >= 5400) { unit = "hour"; value = Math.round(seconds / 3600); }
    else if (seconds >= 90) { unit = "minute"; value = Math.round(seconds / 60); }
    return new Intl.NumberFormat(locale(), {style: "unit", unit: unit, unitDisplay: "long"})
      .format(value);
  }

  function formatPercent(fraction) {
    return new Intl.NumberFormat(locale(), {style: "percent", maximumFractionDigits: 0})
      .format(Math.min(1, fraction));
  }

  function extensionOf(name) {
    var match = /\.[^.\s]{1,16}$/.exec(name);
    return match && match.index > 0 ? match[0].toLowerCase() : "";
  }

  /* An error that stops the upload (the server refused) or that may be retried (network). */
  function UploadFailure(status, body, retriable) {
    this.status = status;
    this.body = body || {};
    this.retriable = retriable;
  }

  function Paused() {}

  function Field(root) {
    this.root = root;
    this.data = root.dataset;
    this.input = root.querySelector("input[type=file]");
    this.hidden = root.querySelector("input[type=hidden]");
    this.box = root.querySelector(".upload-progress");
    this.bar = root.querySelector("progress");
    this.status = root.querySelector(".upload-status");
    this.errorLine = root.querySelector(".error");
    this.resumeHint = root.querySelector(".upload-resume");
    this.keptLine = root.querySelector(".upload-kept");
    this.buttons = {};
    var self = this;
    root.querySelectorAll("button[data-action]").forEach(function (button) {
      self.buttons[button.dataset.action] = button;
      button.addEventListener("click", function () { self[button.dataset.action](); });
    });
    this.form = root.closest("form");
    this.busy = false;
    this.paused = false;
    this.xhr = null;
    this.wakeUp = null;
    root.classList.add("upload-enhanced");
    this.input.addEventListener("change", function () {
      if (self.input.files.length) { self.start(self.input.files[0]); }
    });
    if (this.form) {
      this.form.addEventListener("submit", function (event) {
        if (self.busy) {
          event.preventDefault();
          self.showError(self.data.msgWait);
        }
      });
    }
    window.addEventListener("online", function () { if (self.wakeUp) { self.wakeUp(); } });
    this.showInterrupted();
  }

  Field.prototype.storageKey = function (file) {
    return STORE_PREFIX + [this.data.purpose, file.name, file.size, file.lastModified].join(":");
  };

  Field.prototype.remember = function (values) {
    try {
      var key = this.storageKey(this.file);
      var saved = JSON.parse(localStorage.getItem(key) || "{}");
      Object.keys(values).forEach(function (name) { saved[name] = values[name]; });
      saved.time = Date.now();
      localStorage.setItem(key, JSON.stringify(saved));
    } catch (e) { /* private mode or full: resuming after a reload is then not possible */ }
  };

  Field.prototype.recall = function (file) {
    try { return JSON.parse(localStorage.getItem(this.storageKey(file)) || "null"); }
    catch (e) { return null; }
  };

  Field.prototype.forget = function () {
    try { localStorage.removeItem(this.storageKey(this.file)); } catch (e) { /* ignore */ }
  };

  /* After a reload the browser no longer has the file: say which one to choose again. */
  Field.prototype.showInterrupted = function () {
    var lines = [], prefix = STORE_PREFIX + this.data.purpose + ":";
    try {
      for (var i = 0; i < localStorage.length; i++) {
        var key = localStorage.key(i);
        if (key.indexOf(prefix) !== 0) { continue; }
        var saved = JSON.parse(localStorage.getItem(key));
        if (Date.now() - saved.time > 7 * 86400000) { localStorage.removeItem(key); continue; }
        lines.push(fill(this.data.msgInterrupted,
                        {name: saved.name, percent: formatPercent(saved.fraction || 0)}));
      }
    } catch (e) { return; }
    this.resumeHint.textContent = lines.join(" ");
    this.resumeHint.hidden = !lines.length;
  };

  Field.prototype.showError = function (text) {
    this.errorLine.textContent = text;
    this.errorLine.hidden = !text;
    this.root.classList.toggle("has-error", !!text);
    if (text) { this.input.setAttribute("aria-invalid", "true"); }
    else { this.input.removeAttribute("aria-invalid"); }
  };

  Field.prototype.say = function (text) {
    this.status.textContent = text;
  };

  Field.prototype.setButtons = function (state) {
    this.buttons.pause.hidden = state !== "running";
    this.buttons.resume.hidden = state !== "paused";
    this.buttons.cancel.hidden = state === "done";
    this.buttons.remove.hidden = state !== "done";
  };

  /* Checks the page can make before sending anything (the server checks again). */
  Field.prototype.precheck = function (file) {
    var allowed = (this.data.extensions || "").split(",");
    var ext = extensionOf(file.name);
    if (file.size === 0) { return this.data.msgEmpty; }
    if (allowed.indexOf(ext) < 0) { return fill(this.data.msgType, {extension: ext || "—"}); }
    if (file.size > Number(this.data.maxSize)) {
      return fill(this.data.msgTooLarge, {size: formatSize(file.size)});
    }
    return "";
  };

  Field.prototype.start = function (file) {
    var problem = this.precheck(file);
    this.showError(problem);
    if (problem || this.busy) { return; }
    this.file = file;
    this.upload = null;
    this.hidden.value = "";
    this.kept = null;
    if (this.keptLine) { this.keptLine.hidden = true; }  // a new file replaces the one kept
    this.busy = true;
    this.paused = false;
    this.samples = [];
    this.box.hidden = false;
    this.resumeHint.hidden = true;
    this.bar.value = 0;
    this.setButtons("running");
    this.run();
  };

  /* The whole upload, from wherever it stands; every step is retried on network errors. */
  Field.prototype.run = function () {
    var self = this;
    return this.retrying(function () { return self.open(); })
      .then(function () { return self.sendMissingParts(); })
      .then(function () {
        self.say(self.data.msgChecking);
        self.setButtons("checking");
        return self.retrying(function () {
          return self.request("POST", self.upload.url + "/complete",
                              self.data.form ? {form: self.data.form} : null);
        });
      })
      .then(function (done) { self.finished(done.file, done.kept); })
      .catch(function (error) { self.failed(error); });
  };

  Field.prototype.open = function () {
    var self = this, file = this.file;
    if (this.upload) { return Promise.resolve(); }
    var saved = this.recall(file);
    var resume = saved && saved.url
      ? this.request("GET", saved.url).then(function (upload) {
          return upload.state === "open" ? upload : null;
        }, function (error) {
          if (error.retriable) { throw error; }
          return null;  // gone, finished or someone else's: start afresh
        })
      : Promise.resolve(null);
    return resume.then(function (upload) {
      if (upload) { return upload; }
      return self.request("POST", self.data.createUrl, {
        name: file.name, size: file.size, type: file.type, purpose: self.data.purpose
      });
    }).then(function (upload) {
      self.upload = upload;
      self.remember({url: upload.url, name: upload.name, fraction: 0});
    });
  };

  Field.prototype.sendMissingParts = function () {
    var self = this;
    return this.retrying(function () { return self.request("GET", self.upload.url); })
      .then(function (status) {
        var have = {};
        self.doneBytes = 0;
        (status.parts || []).forEach(function (part) {
          if (part.size === self.expectedSize(part.number)) {
            have[part.number] = true;
            self.doneBytes += part.size;
          }
        });
        var missing = [];
        for (var n = 1; n <= self.upload.part_count; n++) {
          if (!have[n]) { missing.push(n); }
        }
        self.progress(0);
        return missing.reduce(function (previous, number) {
          return previous.then(function () {
            return self.retrying(function () { return self.sendPart(number); });
          });
        }, Promise.resolve());
      });
  };

  Field.prototype.expectedSize = function (number) {
    var size = this.file.size, partSize = this.upload.part_size;
    return Math.min(partSize, size - partSize * (number - 1));
  };

  Field.prototype.sendPart = function (number) {
    var self = this, partSize = this.upload.part_size;
    var blob = this.file.slice(partSize * (number - 1), partSize * number);
    return this.request("GET", this.upload.url + "/parts/" + number).then(function (target) {
      return new Promise(function (resolve, reject) {
        var xhr = new XMLHttpRequest();
        self.xhr = xhr;
        xhr.open(target.method, target.url);
        if (!target.direct) {
          xhr.setRequestHeader("X-CSRFToken", self.data.csrf);
          xhr.setRequestHeader("Accept", "application/json");
        }
        xhr.upload.onprogress = function (event) { self.progress(event.loaded); };
        xhr.onload = function () {
          self.xhr = null;
          if (xhr.status >= 200 && xhr.status < 300) {
            self.doneBytes += blob.size;
            self.progress(0);
            self.remember({fraction: self.doneBytes / self.file.size});
            resolve();
          } else {
            reject(self.failure(xhr.status, xhr.responseText, target.direct));
          }
        };
        xhr.onerror = xhr.ontimeout = function () {
          self.xhr = null;
          reject(new UploadFailure(0, null, true));
        };
        xhr.onabort = function () { self.xhr = null; reject(new Paused()); };
        xhr.send(blob);
      });
    });
  };

  Field.prototype.failure = function (status, text, direct) {
    var body = null;
    try { body = JSON.parse(text); } catch (e) { /* not JSON: a proxy or the store said so */ }
    // 403 from the object store is an expired signature: ask for a new URL and try again.
    var retriable = status === 0 || status === 408 || status === 429 || status >= 500 ||
      (direct && status === 403);
    return new UploadFailure(status, body, retriable);
  };

  Field.prototype.request = function (method, url, json) {
    var self = this;
    if (this.paused) { return Promise.reject(new Paused()); }
    var options = {method: method, credentials: "same-origin",
                   headers: {"Accept": "application/json", "X-CSRFToken": this.data.csrf}};
    if (json) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(json);
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        if (response.ok) { return text ? JSON.parse(text) : {}; }
        throw self.failure(response.status, text, false);
      });
    }, function () { throw new UploadFailure(0, null, true); });
  };

  /* Run step(); on a network error wait (1 s, 2 s, 4 s... up to 60 s) and run it again. */
  Field.prototype.retrying = function (step) {
    var self = this, attempt = 0;
    function tryOnce() {
      return step().then(function (result) { attempt = 0; return result; }, function (error) {
        if (!(error instanceof UploadFailure) || !error.retriable || self.paused) { throw error; }
        var delay = RETRY_DELAYS[Math.min(attempt, RETRY_DELAYS.length - 1)];
        attempt += 1;
        return self.wait(delay).then(tryOnce);
      });
    }
    return tryOnce();
  };

  Field.prototype.wait = function (seconds) {
    var self = this;
    return new Promise(function (resolve, reject) {
      var left = seconds, timer;
      function tick() {
        if (self.paused) { clearInterval(timer); self.wakeUp = null; reject(new Paused()); return; }
        if (left <= 0) { clearInterval(timer); self.wakeUp = null; resolve(); return; }
        self.say(fill(self.data.msgRetrying, {seconds: left}));
        left -= 1;
      }
      self.wakeUp = function () { left = 0; };
      timer = setInterval(tick, 1000);
      tick();
    });
  };

  Field.prototype.progress = function (inFlight) {
    var now = Date.now(), done = this.doneBytes + inFlight, total = this.file.size;
    this.samples.push([now, done]);
    while (this.samples.length > 2 && now - this.samples[0][0] > 10000) { this.samples.shift(); }
    var first = this.samples[0], seconds = (now - first[0]) / 1000;
    var speed = seconds > 0.5 ? (done - first[1]) / seconds : 0;
    this.bar.value = Math.floor(done / total * 100);
    this.say(fill(this.data.msgProgress, {
      percent: formatPercent(done / total), done: formatSize(done), total: formatSize(total),
      speed: speed > 0 ? formatSize(speed) : "…",
      left: speed > 0 ? formatDuration((total - done) / speed) : "…"
    }));
  };

  Field.prototype.pause = function () {
    if (!this.busy || this.paused) { return; }
    this.paused = true;
    if (this.xhr) { this.xhr.abort(); }
    if (this.wakeUp) { this.wakeUp(); }
  };

  Field.prototype.resume = function () {
    if (!this.busy || !this.paused) { return; }
    this.paused = false;
    this.samples = [];
    this.setButtons("running");
    this.run();
  };

  Field.prototype.cancel = function () {
    var self = this, upload = this.upload;
    this.pause();
    this.busy = false;
    this.paused = false;
    if (this.file) { this.forget(); }
    if (upload) {
      fetch(upload.url, {method: "DELETE", credentials: "same-origin",
                         headers: {"Accept": "application/json", "X-CSRFToken": self.data.csrf}})
        .catch(function () { /* the sweeper removes abandoned uploads */ });
    }
    this.upload = null;
    this.input.value = "";
    this.box.hidden = true;
  };

  /* Take the finished file off the form: on the server too when it was attached at once. */
  Field.prototype.remove = function () {
    var self = this, kept = this.kept;
    var done = function () {
      self.kept = null;
      self.hidden.value = "";
      self.input.disabled = false;
      self.input.value = "";
      self.box.hidden = true;
      self.showError("");
    };
    if (!kept || !kept.remove_url) { done(); return; }
    fetch(kept.remove_url, {method: "POST", credentials: "same-origin",
                            headers: {"Accept": "application/json", "X-CSRFToken": this.data.csrf}})
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        done();
      })
      .catch(function () { self.showError(self.data.msgRemoveFailed); });
  };

  Field.prototype.finished = function (file, kept) {
    this.busy = false;
    this.kept = kept || null;
    this.forget();
    this.hidden.value = file.id;  // the form's save attaches it once (kept already or not)
    this.input.disabled = true;  // the bytes are stored: the form sends only the id
    this.bar.value = 100;
    this.setButtons("done");
    this.say(fill(this.data.msgDone, {name: file.name, size: formatSize(file.size)}));
    this.root.dispatchEvent(new CustomEvent("upload:complete", {detail: file, bubbles: true}));
  };

  Field.prototype.failed = function (error) {
    if (error instanceof Paused) {
      this.setButtons("paused");
      this.say(fill(this.data.msgPaused, {
        percent: formatPercent(this.file.size ? (this.doneBytes || 0) / this.file.size : 0)}));
      return;
    }
    this.busy = false;
    this.box.hidden = true;
    var body = error && error.body && error.body.error;
    if (body && (body.code === "upload_closed" || error.status === 422)) { this.forget(); }
    this.upload = null;
    this.input.value = "";
    this.showError(body && body.message ? body.message : this.data.msgFailed);
    if (window.console && !body) { console.error(error); }
  };

  function enhance() {
    document.querySelectorAll("[data-upload]").forEach(function (root) {
      if (!root.uploader) { root.uploader = new Field(root); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
}());
