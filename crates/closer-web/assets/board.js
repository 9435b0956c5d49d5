// Drag and drop on the pipeline board. Every card already has a form that moves it (the keyboard
// and no-script path); dropping a card on a column picks that column's stage in the card's form
// and sends it, so both paths go through the same server-side gates.
"use strict";

// Pages arrive whole or, through htmx, swapped into the body (which runs this script again).
function enableDragging() {
  let dragged = null;

  for (const card of document.querySelectorAll(".card[data-deal]")) {
    card.addEventListener("dragstart", (event) => {
      dragged = card;
      card.classList.add("dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.dataset.deal);
    });
    card.addEventListener("dragend", () => {
      card.classList.remove("dragging");
      for (const column of document.querySelectorAll(".column.drop-target")) {
        column.classList.remove("drop-target");
      }
    });
  }

  for (const column of document.querySelectorAll(".column[data-stage]")) {
    column.addEventListener("dragover", (event) => {
      if (!dragged) return;
      event.preventDefault();
      column.classList.add("drop-target");
    });
    column.addEventListener("dragleave", () => column.classList.remove("drop-target"));
    column.addEventListener("drop", (event) => {
      event.preventDefault();
      column.classList.remove("drop-target");
      const card = dragged;
      dragged = null;
      if (!card || card.closest(".column") === column) return;
      const form = card.querySelector("form.move");
      const option = form && form.querySelector(`option[data-stage="${CSS.escape(column.dataset.stage)}"]`);
      if (!option) return;
      option.selected = true;
      form.requestSubmit();
    });
  }

  // Tells people and tests alike that cards can be dragged now.
  document.body.dataset.boardReady = "true";
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", enableDragging);
} else {
  enableDragging();
}
