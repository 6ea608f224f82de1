/* The studio's few behaviours that HTML and htmx don't cover. No inline handlers:
   the Content-Security-Policy allows scripts from static files only. */
(function () {
  "use strict";

  // Ctrl+Enter (Cmd+Enter on a Mac) submits the form the cursor is in.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var form = event.target.closest && event.target.closest("form#studio-form");
    if (!form) return;
    event.preventDefault();
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(document.getElementById("generate-button") || undefined);
    } else {
      form.submit();
    }
  });

  // A field that only applies with certain values of another (compression only with
  // JPEG or WebP) is disabled otherwise, so it is neither sent nor a source of errors.
  function syncOnlyWith(root) {
    var form = document.getElementById("studio-form");
    if (!form) return;
    form.querySelectorAll("[data-only-with]").forEach(function (wrapper) {
      var other = form.elements.namedItem(wrapper.dataset.onlyWith);
      if (!other) return;
      var allowed = (wrapper.dataset.onlyValues || "").split(" ");
      var applies = allowed.indexOf(other.value) !== -1;
      wrapper.classList.toggle("is-disabled", !applies);
      wrapper.querySelectorAll("input, select").forEach(function (control) {
        control.disabled = !applies;
      });
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("#studio-form")) syncOnlyWith();
  });

  // Picking the model that is already shown asks the server for nothing (an answer
  // arriving later would overwrite what was typed meanwhile).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var picker = event.detail && event.detail.elt;
    if (!picker || picker.id !== "id_model") return;
    var shown = document.querySelector('#model-fields input[name="fields_for"]');
    if (shown && shown.value === picker.value) event.preventDefault();
  });

  // Old error messages go as soon as the form is sent again; a new answer brings
  // back whatever still applies.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || form.id !== "studio-form") return;
    form.querySelectorAll(".errorlist, #form-messages > *").forEach(function (node) {
      node.remove();
    });
    form.querySelectorAll("[aria-invalid]").forEach(function (node) {
      node.removeAttribute("aria-invalid");
    });
    var status = document.getElementById("form-status");
    if (status) status.textContent = "Sending…";
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = document.getElementById("form-status");
    if (!status || !event.detail.elt.closest("#studio-form")) return;
    status.textContent = "The studio could not take that request (" + event.detail.xhr.status +
      "). Reload the page and try again.";
  });

  document.addEventListener("htmx:sendError", function (event) {
    var status = document.getElementById("form-status");
    if (!status || !event.detail.elt.closest("#studio-form")) return;
    status.textContent = "The studio cannot be reached. Check your connection and try again.";
  });

  // A status line about one generation ("Queued: it is at the top of your feed") goes
  // once that generation's card has finished.
  document.addEventListener("htmx:afterSwap", function () {
    var status = document.getElementById("form-status");
    if (!status || !status.dataset.generation) return;
    var card = document.getElementById("generation-" + status.dataset.generation);
    var done = card && ["succeeded", "failed"].indexOf(card.dataset.status) !== -1;
    if (done) {
      status.textContent = "";
      delete status.dataset.generation;
    }
  });

  // An error about the prompt goes when the prompt changes, or the model does (the new
  // model's limits may be different); submitting checks it again either way.
  function clearPromptError() {
    var prompt = document.querySelector('#studio-form textarea[name="prompt"]');
    if (!prompt) return;
    prompt.removeAttribute("aria-invalid");
    var field = prompt.closest(".field");
    if (field) field.querySelectorAll(".errorlist").forEach(function (node) { node.remove(); });
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches('#studio-form textarea[name="prompt"]')) {
      clearPromptError();
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.id === "id_model") clearPromptError();
  });

  function ready() {
    syncOnlyWith();
    if (window.htmx) window.htmx.onLoad(function () { syncOnlyWith(); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
