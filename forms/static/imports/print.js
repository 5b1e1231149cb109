// The printed visit list's "print" button (a file, not onclick="", so the CSP allows it).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
