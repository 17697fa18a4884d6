/* sphinx-deployplan: a rollback checklist that remembers its ticks.
 *
 * Ticks are kept in localStorage under "deployplan:<plan id>:<plan digest>", so
 * reloading the page during an incident keeps them, and a plan that changed
 * (a new digest) starts with a clean list.  A reset button clears them.
 * Without JavaScript (or storage) the boxes still tick; nothing is remembered.
 */
(function () {
  "use strict";

  function storageKey(box) {
    return "deployplan:" + box.dataset.plan + ":" + box.dataset.digest;
  }

  function load(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "[]");
    } catch (e) {
      return [];
    }
  }

  function save(key, ticked) {
    try {
      if (ticked.length) {
        window.localStorage.setItem(key, JSON.stringify(ticked));
      } else {
        window.localStorage.removeItem(key);
      }
    } catch (e) {
      /* storage unavailable (private mode, quota): the list still works */
    }
  }

  function setUp(list) {
    var boxes = Array.prototype.slice.call(list.querySelectorAll("input.deployplan-checkbox"));
    if (!boxes.length) {
      return;
    }
    var key = storageKey(boxes[0]);
    var ticked = load(key);
    boxes.forEach(function (box) {
      box.checked = ticked.indexOf(box.dataset.item) !== -1;
      box.addEventListener("change", function () {
        save(key, boxes.filter(function (b) { return b.checked; })
                       .map(function (b) { return b.dataset.item; }));
      });
    });
    var reset = document.createElement("button");
    reset.type = "button";
    reset.className = "deployplan-reset";
    reset.textContent = "Reset checklist";
    reset.setAttribute("aria-label", "Untick every item of this rollback checklist");
    reset.addEventListener("click", function () {
      boxes.forEach(function (box) { box.checked = false; });
      save(key, []);
    });
    list.parentNode.insertBefore(reset, list);
  }

  /* Sphinx writes a toctree's caption as <p role="heading"> without the level that
   * role requires, so assistive technology cannot place it in the outline. */
  function levelCaptions() {
    document.querySelectorAll("[role=heading]:not([aria-level])").forEach(function (el) {
      el.setAttribute("aria-level", "2");
    });
  }

  function init() {
    document.querySelectorAll("ul.deployplan-checklist").forEach(setUp);
    levelCaptions();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
