// The site's few behaviours, in one static file so the Content-Security-Policy allows no inline script.
// Everything works without it: forms submit, links open, job pages refresh themselves (<noscript>).
(function () {
  "use strict";

  // Forms that give something up ask first (data-confirm="question").
  document.addEventListener("submit", function (e) {
    var ask = e.target.getAttribute("data-confirm") || (e.submitter && e.submitter.getAttribute("data-confirm"));
    if (ask && !window.confirm(ask)) { e.preventDefault(); }
  });

  // Copy buttons copy an address (data-copy="#selector", data-copied="Copied").
  document.addEventListener("click", function (e) {
    var button = e.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) { return; }
    navigator.clipboard.writeText(document.querySelector(button.getAttribute("data-copy")).textContent.trim())
      .then(function () { button.textContent = button.getAttribute("data-copied"); });
  });

  // A filter's select submits its form when changed (data-autosubmit); <noscript> keeps a button.
  document.addEventListener("change", function (e) {
    if (e.target.matches("select[data-autosubmit]")) { e.target.form.submit(); }
  });

  // A job's progress (templates/includes/job_poll.html): its staff_job URL polled every 2 s, the page
  // reloaded once the job is done or failed. A delivery that did not finish (its worker stopped) is
  // taken over: say so (data-retrying) rather than freeze.
  function poll(box) {
    var bar = document.querySelector(box.getAttribute("data-progress"));
    var percent = document.querySelector(box.getAttribute("data-percent"));
    function again(delay) { window.setTimeout(tick, delay); }
    function tick() {
      fetch(box.getAttribute("data-job-poll"), {credentials: "same-origin"})
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.status !== "queued" && data.status !== "running") { window.location.reload(); return; }
          bar.value = data.progress;
          percent.textContent = data.retrying ? box.getAttribute("data-retrying") : data.progress + "%";
          again(2000);
        })
        .catch(function () { again(5000); });
    }
    again(2000);
  }
  document.querySelectorAll("[data-job-poll]").forEach(poll);
})();
