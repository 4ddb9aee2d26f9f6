/* The evidence upload page, enhanced: several files chosen or dropped, each sent on its own with a
   progress bar, each file's outcome in words. Without this script the form posts as it is.
   Words come from the form's data-msg-* attributes (translated by the server); no inline code. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector("[data-dropzone]");
  var queue = form.querySelector("[data-queue]");
  var summary = form.querySelector("[data-summary]");
  var submit = form.querySelector("button[type=submit]");
  if (!input || !zone || !queue || !summary) { return; }
  var entries = [];
  var busy = false;

  function msg(name, values) {
    var text = form.getAttribute("data-msg-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(values[key]); });
    return text;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function setOutcome(entry, state, text, link) {
    entry.state = state;
    entry.row.className = "upload-file " + state;
    entry.outcome.textContent = text;
    if (link) {  // the stored item's page, from its name
      var a = el("a", "", entry.file.name);
      a.href = link;
      entry.name.textContent = "";
      entry.name.appendChild(a);
    }
    if (entry.remove) { entry.remove.remove(); entry.remove = null; }
  }

  function setProgress(entry, percent) {
    entry.bar.value = percent;
    entry.pct.textContent = msg("percent", {percent: percent});
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (file) {
      var row = el("li", "upload-file waiting");
      var name = el("span", "upload-name", file.name);
      var bar = el("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", msg("progress-label", {name: file.name}));
      var pct = el("span", "upload-pct");
      var outcome = el("span", "upload-outcome", msg("waiting"));
      var remove = el("button", "upload-remove", msg("remove"));
      remove.type = "button";
      remove.setAttribute("aria-label", msg("remove-label", {name: file.name}));
      var entry = {file: file, row: row, name: name, bar: bar, pct: pct, outcome: outcome, remove: remove, state: "waiting"};
      remove.addEventListener("click", function () {
        if (entry.state !== "waiting") { return; }
        entries.splice(entries.indexOf(entry), 1);
        row.remove();
        if (!entries.length) { queue.hidden = true; }
        input.focus();
      });
      row.appendChild(name);
      row.appendChild(bar);
      row.appendChild(pct);
      row.appendChild(outcome);
      row.appendChild(remove);
      queue.appendChild(row);
      setProgress(entry, 0);
      entries.push(entry);
    });
    queue.hidden = entries.length === 0;
    var waiting = entries.filter(function (e) { return e.state === "waiting"; }).length;
    if (files.length) { summary.textContent = msg("queued", {count: waiting}); }
  }

  function describe(outcome) {
    if (outcome.stored && outcome.stored.length) {
      var item = outcome.stored[0];
      var text = item.already_held ? msg("again") : msg("stored");
      if (item.exhibit) { text += " " + msg("exhibit", {exhibit: item.exhibit}); }
      return {state: item.already_held ? "again" : "stored", text: text, link: item.url};
    }
    var reasons = (outcome.failed || []).map(function (f) { return f.message; }).concat(outcome.errors || []);
    return {state: "refused", text: msg("refused", {reason: reasons.join(" ") || msg("unknown")})};
  }

  function send(entry, done) {
    var data = new FormData(form);
    data.delete("files");
    data.append("files", entry.file, entry.file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    entry.state = "sending";
    entry.row.className = "upload-file sending";
    entry.outcome.textContent = msg("sending");
    if (entry.remove) { entry.remove.remove(); entry.remove = null; }
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable && event.total > 0) {
        setProgress(entry, Math.floor(100 * event.loaded / event.total));
      }
    });
    xhr.upload.addEventListener("load", function () {
      setProgress(entry, 100);
      entry.outcome.textContent = msg("checking");
    });
    xhr.addEventListener("load", function () {
      var outcome = null;
      try { outcome = JSON.parse(xhr.responseText); } catch (e) { outcome = null; }
      if (outcome && (outcome.stored || outcome.failed || outcome.errors)) {
        var said = describe(outcome);
        if (said.state !== "refused") { setProgress(entry, 100); }
        setOutcome(entry, said.state, said.text, said.link);
      } else if (xhr.status === 403) {
        setOutcome(entry, "refused", msg("forbidden"));
      } else if (xhr.status === 413) {
        setOutcome(entry, "refused", msg("too-large"));
      } else {
        setOutcome(entry, "refused", msg("server", {status: xhr.status}));
      }
      done();
    });
    xhr.addEventListener("error", function () { setOutcome(entry, "refused", msg("network")); done(); });
    xhr.addEventListener("abort", function () { setOutcome(entry, "refused", msg("network")); done(); });
    xhr.send(data);
  }

  function report() {
    var sent = entries.filter(function (e) { return e.state !== "waiting" && e.state !== "sending"; });
    var refused = sent.filter(function (e) { return e.state === "refused"; }).length;
    summary.textContent = msg("finished", {stored: sent.length - refused, refused: refused});
  }

  function next() {
    var waiting = entries.filter(function (e) { return e.state === "waiting"; });
    var total = entries.filter(function (e) { return e.batch === batch; }).length;
    if (!waiting.length) {
      busy = false;
      form.removeAttribute("aria-busy");
      if (submit) { submit.disabled = false; }
      report();
      return;
    }
    var entry = waiting[0];
    var position = total - waiting.length + 1;
    summary.textContent = msg("progress", {current: position, total: total, name: entry.file.name});
    send(entry, next);
  }

  var batch = 0;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (busy) { return; }
    var waiting = entries.filter(function (e) { return e.state === "waiting"; });
    if (!waiting.length) {
      summary.textContent = msg("none");
      input.focus();
      return;
    }
    batch += 1;
    waiting.forEach(function (e) { e.batch = batch; });
    busy = true;
    form.setAttribute("aria-busy", "true");
    if (submit) { submit.disabled = true; }
    next();
  });

  input.addEventListener("change", function () {
    add(input.files);
    input.value = "";
  });

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (event) {
      event.preventDefault();
      if (event.dataTransfer) { event.dataTransfer.dropEffect = "copy"; }
      zone.classList.add("over");
    });
  });
  zone.addEventListener("dragleave", function (event) {
    if (!zone.contains(event.relatedTarget)) { zone.classList.remove("over"); }
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    zone.classList.remove("over");
    if (event.dataTransfer && event.dataTransfer.files) { add(event.dataTransfer.files); }
  });

  // Files chosen before this script ran (a slow connection) are queued, not lost on the next choice.
  if (input.files && input.files.length) {
    add(input.files);
    input.value = "";
  }

  zone.classList.add("enhanced");
  var hint = zone.querySelector("[data-drop-hint]");
  if (hint) { hint.hidden = false; }
}());
