/* Matrix runs: conveniences on top of plain forms (everything works without them). */
(function () {
  "use strict";

  // The template's {variables} fill the empty variable name fields, in order.
  function syncNames() {
    var template = document.getElementById("id_template");
    if (!template) return;
    var found = [];
    template.value.replace(/\{([A-Za-z_][A-Za-z0-9_]*)\}/g, function (_, name) {
      if (found.indexOf(name) === -1) found.push(name);
      return _;
    });
    var inputs = Array.prototype.slice.call(document.querySelectorAll("[data-variable-row] input[type=text]"));
    var named = inputs.map(function (input) { return input.value.trim(); });
    found.forEach(function (name) {
      if (named.indexOf(name) !== -1) return;
      var empty = inputs.find(function (input) { return input.value.trim() === ""; });
      if (!empty) return;
      empty.value = name;
      named.push(name);
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_template") syncNames();
  });

  // Choosing rows or columns shows the grid that way at once.
  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("#matrix-axes");
    if (form) form.requestSubmit ? form.requestSubmit() : form.submit();
  });
})();
