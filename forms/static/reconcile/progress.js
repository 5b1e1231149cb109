// A reconciliation still running: poll its status every 1.5 s, move the progress bar, and
// reload the page when it is done (or failed) so the counts and rows show.
(function () {
  const root = document.getElementById("reconciliation");
  if (!root || root.dataset.status !== "running") return;
  const bar = document.getElementById("progress");
  async function poll() {
    try {
      const answer = await fetch(root.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (answer.ok) {
        const body = await answer.json();
        if (bar) { bar.value = body.progress; bar.textContent = `${body.progress}%`; }
        if (body.status !== "running") { window.location.reload(); return; }
      }
    } catch (error) {
      // Offline for a moment: try again at the next tick.
    }
    window.setTimeout(poll, 1500);
  }
  window.setTimeout(poll, 1500);
})();
