// The import page's progress: polls the run's status and shows the summary once the worker is done.
// Without JavaScript the page has a plain reload link; the Content-Security-Policy allows no inline script.
(() => {
  const section = document.querySelector("[data-import-status]");
  if (!section) return;
  const url = section.dataset.importStatus;
  const bar = document.getElementById("import-progress");
  const percent = document.getElementById("import-percent");
  const POLL_MS = 1000;

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const run = await response.json();
        if (run.finished) {
          window.location.reload(); // the server renders the summary or the error
          return;
        }
        bar.value = run.percent;
        bar.textContent = `${run.percent} %`;
        percent.textContent = run.percent;
      }
    } catch (error) {
      // A network hiccup: try again on the next tick.
    }
    setTimeout(poll, POLL_MS);
  }
  setTimeout(poll, POLL_MS);
})();
