// The inspector's fault panel: what the metrics answers suffer now, and a form that
// changes it for every worker of the mock (PUT /__mock/faults).
//
// A refused change shows the mock's one sentence and changes nothing. The form is filled
// from the mock while nobody edits it, so a change made elsewhere (a script, another
// tab) shows here too.
"use strict";

(() => {
  const URL = "/__mock/faults";
  const POLL_MS = 2000;
  const OPERATIONS = [
    ["RecordMetricsEventForNamedUser", "user/{userId}"],
    ["RecordMetricsEventForLoggedInUser", "thisuser"],
    ["RecordMetricsEventForServer", "server/{serverName}"],
  ];
  const $ = (id) => document.getElementById(id);
  let editing = false;

  function describe(faults) {
    const parts = [];
    parts.push(faults.latency === "0" ? "no latency" : `latency ${faults.latency} ms`);
    if (faults.failRate) parts.push(`${+(faults.failRate * 100).toFixed(2)}% fail with ${faults.status}`);
    if (faults.loseRate) {
      const how = faults.loseDelayMs === null ? "connection closed" : `${faults.loseDelayMs} ms late`;
      parts.push(`${+(faults.loseRate * 100).toFixed(2)}% answers lost (${how})`);
    }
    if (!faults.failRate && !faults.loseRate && faults.latency === "0") parts.splice(0, 1, "none");
    if (Array.isArray(faults.operations)) parts.push(`only ${faults.operations.join(", ") || "no operation"}`);
    const source = faults.changed
      ? `changed${faults.until ? `, until ${new Date(faults.until).toLocaleTimeString()}` : ""}`
      : "as started";
    return `${parts.join(", ")} (${source})`;
  }

  function fill(faults) {
    $("faults-now").textContent = describe(faults);
    if (editing) return;
    $("fault-latency").value = faults.latency;
    $("fault-fail-rate").value = faults.failRate;
    $("fault-status").value = faults.status;
    $("fault-lose-rate").value = faults.loseRate;
    $("fault-lose-delay").value = faults.loseDelayMs ?? "";
    for (const box of $("fault-operations").querySelectorAll("input")) {
      box.checked = faults.operations === null || faults.operations.includes(box.value);
    }
  }

  function change() {
    const number = (id) => ($(id).value === "" ? undefined : Number($(id).value));
    const boxes = [...$("fault-operations").querySelectorAll("input")];
    const chosen = boxes.filter((box) => box.checked).map((box) => box.value);
    const body = {
      latency: $("fault-latency").value.trim() || "0",
      failRate: number("fault-fail-rate"),
      status: number("fault-status"),
      loseRate: number("fault-lose-rate"),
      loseDelayMs: number("fault-lose-delay") ?? null,
      operations: chosen.length === boxes.length ? null : chosen,
      seconds: number("fault-seconds"),
    };
    return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
  }

  async function put(body) {
    const message = $("faults-message");
    try {
      const response = await fetch(URL, {
        method: "PUT",
        cache: "no-store",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      if (!response.ok) {
        message.textContent = text.trim();
        message.dataset.kind = "error";
        return;
      }
      editing = false;
      message.textContent = "Applied: every worker of the mock answers with these faults now.";
      message.dataset.kind = "ok";
      fill(JSON.parse(text));
    } catch (error) {
      message.textContent = `Could not reach the mock (${error.message}).`;
      message.dataset.kind = "error";
    }
  }

  async function poll() {
    try {
      const response = await fetch(URL, { cache: "no-store" });
      if (response.ok) fill(await response.json());
    } catch (error) {
      // inspector.js already says when the mock cannot be reached
    }
    setTimeout(poll, POLL_MS);
  }

  function start() {
    for (const [operationId, label] of OPERATIONS) {
      const item = document.createElement("label");
      const box = document.createElement("input");
      box.type = "checkbox";
      box.value = operationId;
      item.append(box, ` ${label}`);
      item.title = operationId;
      $("fault-operations").append(item);
    }
    const form = $("faults-form");
    form.addEventListener("input", () => { editing = true; });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      put(change());
    });
    $("faults-reset").addEventListener("click", () => {
      editing = false;
      put({});
    });
    poll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
