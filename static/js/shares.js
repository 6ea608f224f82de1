/* Share links: "Copy" puts a link on the clipboard (falling back to selecting it where
   the clipboard API is refused, e.g. over plain http), and typing a date picks
   "Until a date". Static file only: the CSP allows no inline script. */
(function () {
  "use strict";

  function copied(button, text) {
    var label = button.textContent;
    button.textContent = text;
    window.setTimeout(function () {
      button.textContent = label;
    }, 2000);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button) return;
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) return;
    field.focus();
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(
        function () {
          copied(button, "Copied");
        },
        function () {
          copied(button, "Press Ctrl+C");
        }
      );
    } else {
      var done = false;
      try {
        done = document.execCommand("copy");
      } catch (error) {
        done = false;
      }
      copied(button, done ? "Copied" : "Press Ctrl+C");
    }
  });

  document.addEventListener("input", function (event) {
    if (event.target.id !== "id_expires_on" || !event.target.value) return;
    var custom = document.getElementById("expiry-custom");
    if (custom) custom.checked = true;
  });
})();
