// The account page's "Copy" button for a token shown once. Without JavaScript the
// token stays selectable in its read-only field.
(function () {
  "use strict";

  function copy(button) {
    var field = document.getElementById(button.dataset.copy);
    var status = document.querySelector("[data-copy-status]");
    if (!field) return;
    field.select();
    var done = function () {
      if (status) status.textContent = "Copied.";
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        if (status) status.textContent = "Select the token and copy it.";
      });
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        copy(button);
      });
    });
  });
})();
