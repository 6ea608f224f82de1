/* The preset form: show each target model's own options only while that model is
   ticked. A hidden set is also disabled, so its values are not sent (a model unticked
   after setting its options loses them, as it looks). Without JavaScript every set
   shows and the server refuses values set for a model that is not ticked.

   The preset and brand kit forms: the reference picker (the studio's chips, driven by
   inputs.js) replaces the typed `references` field, which is disabled so that only the
   chips are sent. Without JavaScript the typed field is all there is. */
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

  // The first chips come out of their <template>; whichever of this and inputs.js runs
  // first, the chips end up as inputs.js leaves them (× a plain button, count right).
  function showPicker(section) {
    var chips = section.querySelector("[data-chips]");
    var first = section.querySelector("template[data-initial-chips]");
    if (first) {
      Array.prototype.slice.call(first.content.children).forEach(function (chip) {
        chips.appendChild(chip);
      });
      first.remove();
    }
    chips.querySelectorAll("[data-chip-remove]").forEach(function (button) {
      button.type = "button";
    });
    var count = chips.querySelectorAll("[data-chip]").length;
    var limit = parseInt(section.dataset.max || "8", 10);
    var label = section.querySelector("[data-reference-count]");
    if (label) label.textContent = count + " of " + limit;
    section.classList.toggle("is-full", count >= limit);
    var fallback = section.form && section.form.querySelector("[data-references-fallback]");
    if (fallback) {
      fallback.hidden = true;
      fallback.querySelectorAll("input, textarea").forEach(function (field) {
        field.disabled = true;
      });
    }
    section.hidden = false;
  }

  // Saving while a photo is still uploading would leave it out.
  document.addEventListener("submit", function (event) {
    var section = event.target.querySelector && event.target.querySelector("[data-preset-references]");
    if (!section || parseInt(section.dataset.pending || "0", 10) === 0) return;
    event.preventDefault();
    var box = section.querySelector("[data-reference-errors]");
    if (box) box.textContent = "A photo is still uploading: save once it shows as a chip.";
  });

  function ready() {
    document.querySelectorAll("form.preset-form").forEach(sync);
    document.querySelectorAll("[data-preset-references]").forEach(showPicker);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
