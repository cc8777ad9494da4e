/* Label each cell of a .table-stack table with its column's header (see site.css, "Phone"), and
   ask before submitting a form that says what it asks (data-confirm), on every page. */
(function () {
  "use strict";

  // Return the text naming each column: the lowest header cell over it, rowspans and colspans
  // followed.
  function columnNames(table) {
    const grid = [];
    Array.from(table.tHead ? table.tHead.rows : []).forEach((row, r) => {
      grid[r] = grid[r] || [];
      let c = 0;
      for (const cell of row.cells) {
        while (grid[r][c] !== undefined) { c += 1; }
        for (let dr = 0; dr < cell.rowSpan; dr += 1) {
          grid[r + dr] = grid[r + dr] || [];
          for (let dc = 0; dc < cell.colSpan; dc += 1) { grid[r + dr][c + dc] = cell; }
        }
        c += cell.colSpan;
      }
    });
    const last = grid[grid.length - 1] || [];
    return last.map((cell) => (cell ? cell.textContent.replace(/\s+/g, " ").trim() : ""));
  }

  function label(table) {
    const names = columnNames(table);
    if (!names.length) { return; }
    for (const section of [...table.tBodies, table.tFoot].filter(Boolean)) {
      for (const row of section.rows) {
        let c = 0;
        for (const cell of row.cells) {
          if (!cell.hasAttribute("data-label") && cell.colSpan < names.length) {
            cell.setAttribute("data-label", names[c] || "");
          }
          c += cell.colSpan;
        }
      }
    }
  }

  document.querySelectorAll("table.table-stack").forEach(label);

  // A table that scrolls sideways can be scrolled from the keyboard: its container takes the
  // focus and is named after the table (its caption, or the heading before it).
  document.querySelectorAll(".table-responsive:not([tabindex])").forEach((box) => {
    const table = box.querySelector("table");
    if (!table || box.scrollWidth <= box.clientWidth) { return; }
    const heading = table.caption || box.closest("section, .card, main")?.querySelector("h1, h2, h3");
    box.setAttribute("tabindex", "0");
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", heading ? heading.textContent.replace(/\s+/g, " ").trim() : document.title);
  });

  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
})();
