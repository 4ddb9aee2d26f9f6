/* The warning while typing: a field marked data-names-check (people.freetext.checked) sends its text,
   on a pause of typing, to the address in that attribute and shows under it, in its aria-live region
   (people/_names_warning.html), which pseudonym readers without clearance will see in place of a
   protected person's name. The server's words only; no inline code (strict CSP). Without this script
   the page says so after saving. */
(function () {
  "use strict";
  var PAUSE = 700;  // milliseconds without typing before the text is checked
  var fields = document.querySelectorAll("[data-names-check]");
  if (!window.fetch || !window.FormData) { return; }

  function csrfToken(field) {
    var form = field.form;
    var input = (form && form.querySelector("input[name=csrfmiddlewaretoken]")) ||
      document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function show(region, warnings) {
    region.textContent = "";
    warnings.forEach(function (text) {
      var line = document.createElement("p");
      line.className = "names-warning-line";
      line.textContent = text;
      region.appendChild(line);
    });
  }

  function watch(field) {
    if (field.hasAttribute("data-names-watched")) { return; }
    var region = document.getElementById(field.id + "_names");
    if (!region) { return; }
    field.setAttribute("data-names-watched", "");
    var timer = null;
    var sent = null;  // the text last checked: the same text is not sent twice
    var latest = 0;   // answers to older requests are dropped

    function check() {
      var text = field.value;
      if (text === sent) { return; }
      sent = text;
      if (!text.trim()) { show(region, []); return; }
      var body = new FormData();
      body.append("text", text);
      var number = ++latest;
      fetch(field.getAttribute("data-names-check"), {
        method: "POST", body: body, credentials: "same-origin",
        headers: {"X-CSRFToken": csrfToken(field), "Accept": "application/json"}
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (number !== latest || !answer) { return; }
        show(region, answer.warnings || []);
      }).catch(function () { /* offline or refused: the notice after saving still says it */ });
    }

    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(check, PAUSE);
    });
    if (field.value) { check(); }  // a form shown again with its text (an error, or an edit)
  }

  Array.prototype.forEach.call(fields, watch);
  // Rows added to a form later (the incident form's "add another", htmx) bring fields of their own.
  document.body.addEventListener("htmx:afterSwap", function () {
    Array.prototype.forEach.call(document.querySelectorAll("[data-names-check]"), watch);
  });
}());
