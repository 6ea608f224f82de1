/* A board page's order, for those who may manage the board: drag a tile to its new
   place, or use "Move earlier" / "Move later" without reloading the page. Without
   JavaScript those buttons are plain form posts and work the same. Static file only
   (the CSP allows no inline script); everything is delegated from document, so tiles
   that endless scroll or a filter change brings need no set-up. */
(function () {
  "use strict";

  var dragged = null; // the tile being dragged

  function sortableGrid(node) {
    var grid = node && node.closest && node.closest("#gallery-grid");
    return grid && grid.dataset.moveUrl ? grid : null;
  }

  function tileOf(node) {
    return node && node.closest ? node.closest(".board-tile") : null;
  }

  function csrfToken() {
    var field = document.querySelector("#gallery-select input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function announce(text) {
    var status = document.getElementById("board-move-status");
    if (status) status.textContent = text;
  }

  // POST the move; resolves to "" when done, else to the sentence to show.
  function sendMove(grid, fields) {
    var body = new FormData();
    Object.keys(fields).forEach(function (key) { body.append(key, fields[key]); });
    return fetch(grid.dataset.moveUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    }).then(function (response) {
      var login = response.headers.get("HX-Redirect");
      if (login) {
        window.location.assign(login); // signed out meanwhile
        return "Sign in again to reorder the board.";
      }
      return response.text().then(function (text) {
        if (response.ok) return "";
        return text || "The studio could not move the image (" + response.status + "). Reload and try again.";
      });
    }).catch(function () {
      return "The studio cannot be reached. Check your connection and try again.";
    });
  }

  // Place `tile` before or after `anchor` on the page and on the board; put it back
  // where it was if the studio says no.
  function move(tile, anchor, before, doneText) {
    var grid = sortableGrid(tile);
    if (!grid) return Promise.resolve(false);
    var parent = tile.parentNode;
    var next = tile.nextSibling;
    if (before) anchor.before(tile);
    else anchor.after(tile);
    var fields = { image: tile.dataset.id };
    fields[before ? "before" : "after"] = anchor.dataset.id;
    announce("Moving…");
    return sendMove(grid, fields).then(function (problem) {
      if (problem) {
        parent.insertBefore(tile, next && next.parentNode === parent ? next : null);
        announce(problem);
        return false;
      }
      announce(doneText);
      return true;
    });
  }

  var MARKS = ["is-drop-before", "is-drop-after", "is-drop-stacked"];

  function clearMarks() {
    document.querySelectorAll(".board-tile.is-drop-before, .board-tile.is-drop-after")
      .forEach(function (tile) { tile.classList.remove.apply(tile.classList, MARKS); });
  }

  // Tiles in one column (a phone) are stacked: above or below, not left or right.
  function stacked(tile) {
    var grid = sortableGrid(tile);
    return grid && tile.getBoundingClientRect().width > grid.clientWidth * 0.6;
  }

  // Before or after the tile under the pointer: its left or right half (top or bottom).
  function dropsBefore(event, tile) {
    var box = tile.getBoundingClientRect();
    if (stacked(tile)) return event.clientY < box.top + box.height / 2;
    return event.clientX < box.left + box.width / 2;
  }

  document.addEventListener("dragstart", function (event) {
    var tile = tileOf(event.target);
    if (!tile || tile !== event.target || !sortableGrid(tile)) return;
    dragged = tile;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", tile.dataset.id);
    tile.classList.add("is-dragging");
  });

  document.addEventListener("dragover", function (event) {
    var tile = tileOf(event.target);
    if (!dragged || !tile || tile === dragged || sortableGrid(tile) !== sortableGrid(dragged)) return;
    event.preventDefault(); // allows the drop
    event.dataTransfer.dropEffect = "move";
    var before = dropsBefore(event, tile);
    if (tile.classList.contains(before ? "is-drop-before" : "is-drop-after")) return;
    clearMarks();
    tile.classList.add(before ? "is-drop-before" : "is-drop-after");
    tile.classList.toggle("is-drop-stacked", stacked(tile));
  });

  document.addEventListener("dragleave", function (event) {
    var tile = tileOf(event.target);
    if (tile && !tile.contains(event.relatedTarget)) {
      tile.classList.remove.apply(tile.classList, MARKS);
    }
  });

  document.addEventListener("drop", function (event) {
    var tile = tileOf(event.target);
    if (!dragged || !tile || tile === dragged) return;
    event.preventDefault();
    clearMarks();
    move(dragged, tile, dropsBefore(event, tile), "Moved.");
  });

  document.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("is-dragging");
    clearMarks();
    dragged = null;
  });

  // "Move earlier" / "Move later": past the neighbouring tile on the page, keeping the
  // keyboard focus on the button. At the edge of what is loaded the form is sent as is.
  function neighbourTile(tile, earlier) {
    var node = earlier ? tile.previousElementSibling : tile.nextElementSibling;
    while (node && !node.classList.contains("board-tile")) {
      node = earlier ? node.previousElementSibling : node.nextElementSibling;
    }
    return node;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-action=earlier], [data-action=later]");
    var tile = tileOf(button);
    if (!button || !tile || !sortableGrid(tile)) return;
    var earlier = button.dataset.action === "earlier";
    var anchor = neighbourTile(tile, earlier);
    if (!anchor) return;
    event.preventDefault();
    move(tile, anchor, earlier, earlier ? "Moved one place earlier." : "Moved one place later.")
      .then(function () { button.focus(); });
  });
})();
