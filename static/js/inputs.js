/* Reference images in the studio form and the photo steps of the try-on wizard.
   Everything here is an enhancement: without it the same forms post the files and
   links with Generate (studio) or step by step (wizard). No inline handlers: the
   Content-Security-Policy allows scripts from static files only. */
(function () {
  "use strict";

  var MAX_BYTES = 20 * 1024 * 1024;

  function csrfToken(near) {
    var form = near && near.closest && near.closest("form");
    var field = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  // An answer saying the session expired sends the whole page to the login form.
  function followLogin(response) {
    var target = response.headers.get("HX-Redirect");
    if (target) {
      window.location.assign(target);
      return true;
    }
    return false;
  }

  // --- the studio's reference chips ---------------------------------------------------

  function chipsOf(section) {
    return Array.prototype.slice.call(section.querySelectorAll("[data-chip]"));
  }

  function hasToken(section, token) {
    return chipsOf(section).filter(function (chip) { return chip.dataset.token === token; })[0];
  }

  function limitOf(section) {
    return parseInt(section.dataset.max || "8", 10);
  }

  function pendingOf(section) {
    return parseInt(section.dataset.pending || "0", 10);
  }

  function setPending(section, delta) {
    section.dataset.pending = String(Math.max(0, pendingOf(section) + delta));
    section.classList.toggle("is-uploading", pendingOf(section) > 0);
    if (pendingOf(section) === 0 && section.dataset.generateWhenDone) generateNow(section);
  }

  // Generate pressed while photos were uploading: it goes once they are all in, unless
  // one was refused (then the person decides, seeing why).
  function generateNow(section) {
    delete section.dataset.generateWhenDone;
    var form = section.closest("form");
    var status = document.getElementById("form-status");
    if (section.dataset.uploadFailed) {
      delete section.dataset.uploadFailed;
      if (status) status.textContent = "A photo could not be added (see why below): press Generate to go on without it.";
      return;
    }
    if (status) status.textContent = "";
    if (form && typeof form.requestSubmit === "function") {
      form.requestSubmit(document.getElementById("generate-button") || undefined);
    }
  }

  function updateCount(section) {
    var count = chipsOf(section).length;
    var label = section.querySelector("[data-reference-count]");
    if (label) label.textContent = count + " of " + limitOf(section);
    section.classList.toggle("is-full", count >= limitOf(section));
    section.querySelectorAll("[data-pick-token]").forEach(function (button) {
      button.setAttribute("aria-pressed", hasToken(section, button.dataset.pickToken) ? "true" : "false");
    });
  }

  function showProblem(section, message) {
    var box = section.querySelector("[data-reference-errors]");
    if (!box) return;
    box.textContent = "";
    if (!message) return;
    var list = document.createElement("ul");
    list.className = "errorlist";
    var item = document.createElement("li");
    item.textContent = message;
    list.appendChild(item);
    box.appendChild(list);
  }

  function flash(element) {
    element.classList.remove("is-flashing");
    void element.offsetWidth; // restart the animation
    element.classList.add("is-flashing");
  }

  function roomLeft(section) {
    return limitOf(section) - chipsOf(section).length - pendingOf(section);
  }

  function fullMessage(section) {
    return "At most " + limitOf(section) + " reference images: remove one to add another.";
  }

  // Adds a chip the server rendered, once: a second copy of the same token only
  // draws attention to the first.
  function addChip(section, html) {
    var chip = fragment(html);
    if (!chip) return;
    var existing = hasToken(section, chip.dataset.token);
    if (existing) {
      flash(existing);
      return;
    }
    if (chipsOf(section).length >= limitOf(section)) {
      showProblem(section, fullMessage(section));
      return;
    }
    prepareChip(chip);
    section.querySelector("[data-chips]").appendChild(chip);
    updateCount(section);
  }

  function placeholder(section, name) {
    var chip = document.createElement("div");
    chip.className = "chip chip--pending";
    chip.setAttribute("aria-label", "Uploading " + name);
    var spinner = document.createElement("span");
    spinner.className = "spinner";
    var label = document.createElement("span");
    label.className = "chip-label";
    label.textContent = name;
    chip.appendChild(spinner);
    chip.appendChild(label);
    section.querySelector("[data-chips]").appendChild(chip);
    return chip;
  }

  function uploadOne(section, file) {
    if (file.size > MAX_BYTES) {
      showProblem(section, file.name + ": the photo is " + (file.size / 1048576).toFixed(1) +
        " MB; the limit is 20 MB. Export it smaller and try again.");
      return Promise.resolve();
    }
    var body = new FormData();
    body.append("file", file, file.name);
    body.append("purpose", "reference");
    var pending = placeholder(section, file.name);
    setPending(section, 1);
    return fetch(section.dataset.uploadUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(section), "HX-Request": "true" },
    }).then(function (response) {
      if (followLogin(response)) return;
      return response.text().then(function (text) {
        if (response.ok) addChip(section, text);
        else {
          section.dataset.uploadFailed = "1";
          showProblem(section, file.name + ": " + (text || "the upload failed (" + response.status + ")."));
        }
      });
    }).catch(function () {
      section.dataset.uploadFailed = "1";
      showProblem(section, file.name + ": the studio cannot be reached. Check your connection and try again.");
    }).then(function () {
      pending.remove();
      setPending(section, -1);
      updateCount(section);
    });
  }

  function uploadFiles(section, files) {
    showProblem(section, "");
    var list = Array.prototype.slice.call(files);
    var room = roomLeft(section);
    if (list.length > room) {
      showProblem(section, room > 0
        ? "Only " + room + " more reference image" + (room === 1 ? "" : "s") + " fit (at most " + limitOf(section) + "); the first " + room + " are being added."
        : fullMessage(section));
      list = list.slice(0, Math.max(0, room));
    }
    // One after another: a slow connection does not carry eight uploads at once.
    list.reduce(function (previous, file) {
      return previous.then(function () { return uploadOne(section, file); });
    }, Promise.resolve());
  }

  function addToken(section, token) {
    showProblem(section, "");
    var existing = hasToken(section, token);
    if (existing) {
      flash(existing);
      return Promise.resolve(true);
    }
    if (roomLeft(section) <= 0) {
      showProblem(section, fullMessage(section));
      return Promise.resolve(false);
    }
    var url = section.dataset.chipUrl + "?token=" + encodeURIComponent(token);
    return fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (followLogin(response)) return false;
        return response.text().then(function (text) {
          if (response.ok) {
            addChip(section, text);
            return true;
          }
          showProblem(section, response.status === 404 ? "That image is not available any more." : text);
          return false;
        });
      })
      .catch(function () {
        showProblem(section, "The studio cannot be reached. Check your connection and try again.");
        return false;
      });
  }

  function addLink(section) {
    var field = section.querySelector("[data-reference-url]");
    var value = field ? field.value.trim() : "";
    if (!value) return;
    if (value.indexOf("https://") !== 0) {
      showProblem(section, "A reference link must start with https://.");
      return;
    }
    addToken(section, value).then(function (added) {
      if (added) field.value = "";
    });
  }

  // Without JavaScript the × is a submit button that asks the server to drop the chip.
  function prepareChip(chip) {
    var remove = chip.querySelector("[data-chip-remove]");
    if (remove) remove.type = "button";
  }

  function prepare(root) {
    root.querySelectorAll("[data-references]").forEach(function (section) {
      // Files go up as soon as they are chosen, so the form must not send them again.
      section.querySelectorAll("[data-upload-input]").forEach(function (input) {
        input.removeAttribute("name");
      });
      section.querySelectorAll("[hidden][data-reference-url-add], [hidden][data-picker-open]").forEach(function (el) {
        el.hidden = false;
      });
      chipsOf(section).forEach(prepareChip);
      updateCount(section);
    });
    root.querySelectorAll("[data-js-hide]").forEach(function (el) { el.hidden = true; });
    if (root.matches && root.matches("[data-chip]")) prepareChip(root);
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches("[data-upload-input]")) {
      var section = input.closest("[data-references]");
      if (section && input.files.length) uploadFiles(section, input.files);
      input.value = "";
    } else if (input.matches("[data-autosubmit]") && input.files.length) {
      submitPhoto(input);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest(
      "[data-chip-remove], [data-pick-token], [data-reference-url-add], [data-picker-close]");
    if (!target) return;
    var section = target.closest("[data-references]");
    if (target.matches("[data-chip-remove]")) {
      event.preventDefault();
      var chip = target.closest("[data-chip]");
      var host = chip.closest("[data-references], .references");
      chip.remove();
      if (section) {
        showProblem(section, "");
        updateCount(section);
      } else if (host && !host.querySelector("[data-chip]")) {
        host.remove(); // the last reference of a model that takes none: nothing left to say
      }
    } else if (target.matches("[data-pick-token]") && section) {
      event.preventDefault();
      var chosen = hasToken(section, target.dataset.pickToken);
      if (chosen) {
        chosen.remove();
        updateCount(section);
      } else {
        addToken(section, target.dataset.pickToken).then(function () { updateCount(section); });
      }
    } else if (target.matches("[data-reference-url-add]") && section) {
      addLink(section);
    } else if (target.matches("[data-picker-close]")) {
      var panel = target.closest(".picker-panel");
      if (panel) panel.textContent = "";
    }
  });

  // Enter in the link field adds the link instead of submitting the whole form.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.ctrlKey || event.metaKey) return;
    if (!event.target.matches || !event.target.matches("[data-reference-url]")) return;
    var section = event.target.closest("[data-references]");
    if (!section) return;
    event.preventDefault();
    addLink(section);
  });

  // A photo pasted from the clipboard anywhere on the page becomes a reference.
  document.addEventListener("paste", function (event) {
    var section = document.querySelector("[data-references]");
    var files = event.clipboardData && event.clipboardData.files;
    if (!section || !files || !files.length) return;
    event.preventDefault();
    uploadFiles(section, files);
  });

  // Generating while a photo is still on its way would leave it out.
  document.addEventListener("htmx:confirm", function (event) {
    var form = event.detail && event.detail.elt;
    if (!form || form.id !== "studio-form") return;
    var section = form.querySelector("[data-references]");
    if (section && pendingOf(section) > 0) {
      event.preventDefault();
      section.dataset.generateWhenDone = "1";
      delete section.dataset.uploadFailed;
      var status = document.getElementById("form-status");
      var count = pendingOf(section);
      if (status) status.textContent = "Waiting for " + count + " photo" + (count === 1 ? "" : "s") +
        " to finish uploading; it generates then.";
    }
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var panel = event.detail && event.detail.target;
    if (!panel || panel.id !== "reference-picker") return;
    var section = panel.closest("[data-references]");
    if (section) updateCount(section);
  });

  // --- drop zones ----------------------------------------------------------------------

  function submitPhoto(input) {
    var form = input.form;
    var status = form.querySelector("[data-upload-status]");
    if (input.files[0] && input.files[0].size > MAX_BYTES) {
      if (status) status.textContent = "The photo is " + (input.files[0].size / 1048576).toFixed(1) +
        " MB; the limit is 20 MB. Export it smaller and try again.";
      input.value = "";
      return;
    }
    if (status) status.textContent = "Uploading and checking the photo…";
    form.classList.add("is-uploading");
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  }

  document.addEventListener("dragover", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.add("is-dragover");
  });

  document.addEventListener("dragleave", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (zone && !zone.contains(event.relatedTarget)) zone.classList.remove("is-dragover");
  });

  document.addEventListener("drop", function (event) {
    var zone = event.target.closest && event.target.closest("[data-dropzone]");
    if (!zone) return;
    event.preventDefault();
    zone.classList.remove("is-dragover");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (!files || !files.length) return;
    var section = zone.closest("[data-references]");
    if (section) {
      uploadFiles(section, files);
      return;
    }
    var input = zone.querySelector("[data-autosubmit]");
    if (input) {
      input.files = files;
      submitPhoto(input);
    }
  });

  function ready() {
    prepare(document);
    if (window.htmx) window.htmx.onLoad(function (element) { prepare(element); });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
