/* The preset form: show each target model's own options only while that model is
   ticked. A hidden set is also disabled, so its values are not sent (a model unticked
   after setting its options loses them, as it looks). Without JavaScript every set
   shows and the server refuses values set for a model that is not ticked. */
(function () {
  "use strict";

  function sync(form) {
    var ticked = {};
    form.querySelectorAll('input[name="targets"]').forEach(function (box) {
      if (box.checked) ticked[box.value] = true;
    });
    var shown = 0;
    form.querySelectorAll("fieldset[data-options-for]").forEach(function (set) {
      var on = ticked[set.getAttribute("data-options-for")] === true;
      set.hidden = !on;
      set.disabled = !on;
      if (on) shown += 1;
    });
    var empty = form.querySelector("#target-options-empty");
    if (empty) empty.hidden = shown > 0;
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches && box.matches('.preset-form input[name="targets"]')) sync(box.form);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.preset-form").forEach(sync);
  });
})();
