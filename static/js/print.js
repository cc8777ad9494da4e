/* A "Print" button: any element with data-print, or #bulletin-print. */
(function () {
  "use strict";
  document.querySelectorAll("[data-print], #bulletin-print").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
})();
