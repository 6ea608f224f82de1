/* The gallery and comparison pages: selection (shift-click for a range), clean filter
   URLs, history snapshots that keep the filter bar, and comparison columns that
   refresh their cost and time when their card finishes. Static file only: the CSP
   allows no inline script. Everything is delegated from document, so tiles that
   endless scroll adds (and pages htmx restores) need no set-up. */
(function () {
  "use strict";

  var lastClicked = null; // the tile checkbox a shift-click extends from

  function tileBoxes() {
    return Array.prototype.slice.call(
      document.querySelectorAll('#gallery-grid .tile input[type="checkbox"][name="ids"]')
    );
  }

  function updateSelection() {
    var bar = document.getElementById("selection-bar");
    if (!bar) return;
    var boxes = tileBoxes();
    var count = 0;
    boxes.forEach(function (box) {
      var tile = box.closest(".tile");
      if (tile) tile.classList.toggle("is-selected", box.checked);
      if (box.checked) count += 1;
    });
    var counter = document.getElementById("selection-count");
    if (counter) counter.textContent = String(count);
    bar.classList.toggle("has-selection", count > 0);
    bar.querySelectorAll("[data-needs-selection]").forEach(function (button) {
      button.disabled = count === 0;
    });
  }

  // Shift-click sets every box between the last one clicked and this one to this
  // one's new state, as file managers do.
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches('#gallery-grid .tile input[name="ids"]')) return;
    var boxes = tileBoxes();
    if (event.shiftKey && lastClicked && boxes.indexOf(lastClicked) !== -1) {
      var from = boxes.indexOf(lastClicked);
      var to = boxes.indexOf(box);
      var low = Math.min(from, to);
      var high = Math.max(from, to);
      for (var i = low; i <= high; i += 1) boxes[i].checked = box.checked;
    }
    lastClicked = box;
    updateSelection();
  });

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches('#gallery-grid input[name="ids"]')) {
      updateSelection();
    }
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("#selection-clear")) return;
    tileBoxes().forEach(function (box) { box.checked = false; });
    lastClicked = null;
    updateSelection();
  });

  // The search box asks as the user types (after a pause); its `change` on leaving
  // the box would only ask again for the same page and push a duplicate history entry.
  document.addEventListener("change", function (event) {
    if (event.target.id === "filter-q") event.stopPropagation();
  }, true);

  // The filter bar sends only what is set: /gallery?model=x, not ten empty keys.
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#gallery-filters");
    if (!form) return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "") delete params[key];
    });
  });

  // htmx snapshots the page for the back button just before it pushes the next URL;
  // by then the filter bar already shows the *next* state (in properties, which a
  // snapshot does not keep). So once a filter request has been answered, its values
  // are written into the attributes: the snapshot then pairs each grid with the
  // filters that made it.
  function settleFilterAttributes(form) {
    form.querySelectorAll("input, select").forEach(function (control) {
      if (control.type === "checkbox") {
        control.toggleAttribute("checked", control.checked);
      } else if (control.tagName === "SELECT") {
        control.querySelectorAll("option").forEach(function (option) {
          option.toggleAttribute("selected", option.selected);
        });
      } else {
        control.setAttribute("value", control.value);
      }
    });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.id === "gallery-filters" && event.detail.successful) {
      settleFilterAttributes(form);
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var status = document.getElementById("bulk-status");
    if (!status || !event.detail.elt.closest || !event.detail.elt.closest("#selection-bar")) return;
    status.textContent = event.detail.xhr.status === 404
      ? "None of the selected images can be changed by you."
      : "The studio could not do that (" + event.detail.xhr.status + "). Reload and try again.";
  });

  // A restored page starts with nothing selected.
  document.addEventListener("htmx:beforeHistorySave", function () {
    tileBoxes().forEach(function (box) { box.removeAttribute("checked"); });
  });

  // A comparison column asks for itself again once its card has finished, so the cost
  // and run time below the card show the real figures.
  function refreshFinishedColumn(element) {
    var card = element.matches && element.matches("article.card") ? element : null;
    if (!card) return;
    var column = card.closest(".compare-col");
    if (!column || column.dataset.finished === "true") return;
    var status = card.dataset.status;
    if (status !== "succeeded" && status !== "failed") return;
    column.dataset.finished = "true";
    // The column is the source too: requests from one source (body, by default)
    // would queue behind each other and only the last would be sent.
    window.htmx.ajax("GET", column.dataset.columnUrl, {
      source: column,
      target: column,
      swap: "outerHTML",
    });
  }

  function ready() {
    updateSelection();
    if (!window.htmx) return;
    window.htmx.onLoad(function (element) {
      refreshFinishedColumn(element);
      if (element.querySelector && element.querySelector(".tile")) updateSelection();
      if (element.classList && element.classList.contains("tile")) updateSelection();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
  document.addEventListener("htmx:historyRestore", updateSelection);
})();
