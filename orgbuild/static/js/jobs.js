// The progress page of a background job: polls its status.json once a second and moves the figures;
// reloads the page once the job has finished (the server then shows what it did).
// Without JavaScript the page shows the figures as of its loading, with a refresh link.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) { return; }
  var status = box.dataset.status;
  if ((status !== "queued" && status !== "running") || box.dataset.stale) { return; }
  function show(id, value) {
    var element = document.getElementById(id);
    if (element) { element.textContent = (value === null || value === undefined) ? "—" : value; }
  }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (job.status !== status || job.stale) { window.location.reload(); return; }
        show("job-done", job.done);
        show("job-rate", job.rate);
        show("job-total", job.total);
        show("job-left", job.left);
        var bar = document.getElementById("job-bar");
        if (bar && job.total) { bar.style.width = Math.min(100, Math.round(job.done * 100 / job.total)) + "%"; }
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { setTimeout(poll, 1000); });
  }
  setTimeout(poll, 1000);
})();
