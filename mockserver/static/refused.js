// The inspector's list of refused requests: what the mock answered with an error, and why.
//
// Kept apart from inspector.js (the events) because they are a different record: nothing
// was recorded for them. Like everything on the page, their text (targets, reasons) came
// from some client and reaches the page only through textContent. The contract suite's
// refusals (its User-Agent, as for events) are marked, and hidden by the same control as
// its events.
"use strict";

(() => {
  const URL = "/__mock/rejections";
  const POLL_MS = 1000;
  const MAX_ROWS = 200;   // the newest; the endpoint holds them all

  const $ = (id) => document.getElementById(id);
  const hideSuite = $("hide-suite");
  let lastId = 0;
  let count = 0;

  function cell(text, className) {
    const node = document.createElement("td");
    if (className) node.className = className;
    node.textContent = String(text);
    return node;
  }

  function isSuites(rejection) {
    return String(rejection.userAgent ?? "").startsWith(hideSuite.dataset.agent);
  }

  function row(rejection) {
    const tr = document.createElement("tr");
    tr.className = "refused-row";
    const time = String(rejection.receivedAt || "").slice(11, 23);
    const request = cell(`${rejection.method} ${rejection.target}`, "col-request");
    if (isSuites(rejection)) {
      tr.classList.add("suite");
      const mark = document.createElement("span");
      mark.className = "suite-mark";
      mark.textContent = "contract suite";
      mark.title = String(rejection.userAgent);
      request.append(mark);
    }
    tr.append(
      cell(time, "col-time"),
      // Status 0: the request was cut unanswered, its head or body stalled.
      cell(rejection.status || "cut", "col-status"),
      request,
      cell(rejection.reason || "", "col-reason"),
    );
    tr.hidden = hideSuite.checked && isSuites(rejection);
    return tr;
  }

  function showSuite() {
    for (const tr of $("refused-rows").querySelectorAll("tr.suite")) tr.hidden = hideSuite.checked;
  }

  function render(rejections) {
    const rows = $("refused-rows");
    for (const rejection of rejections) rows.prepend(row(rejection));
    while (rows.children.length > MAX_ROWS) rows.lastElementChild.remove();
    count += rejections.length;
    $("refused-count").textContent = String(count);
    $("refused-empty").hidden = count > 0;
  }

  async function poll() {
    try {
      const response = await fetch(`${URL}?since=${lastId}&limit=${MAX_ROWS}`, { cache: "no-store" });
      if (response.ok) {
        const body = await response.json();
        const rejections = Array.isArray(body.rejections) ? body.rejections : [];
        if (rejections.length) lastId = rejections[rejections.length - 1].id;
        render(rejections);
      }
    } catch (error) {
      // inspector.js already says when the mock cannot be reached
    }
    setTimeout(poll, POLL_MS);
  }

  async function forget() {
    const question = `Forget all ${count} refused requests the mock has kept?\n` +
      "Everyone watching this mock loses them.";
    if (!window.confirm(question)) return;
    const response = await fetch(URL, { method: "DELETE", cache: "no-store" });
    if (!response.ok) return;
    $("refused-rows").replaceChildren();
    count = 0;
    render([]);
  }

  function start() {
    $("refused-clear").addEventListener("click", forget);
    hideSuite.addEventListener("change", showSuite);
    poll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
