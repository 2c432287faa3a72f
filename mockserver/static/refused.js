// The inspector's list of refused requests: what the mock answered with an error, and why.
//
// Kept apart from inspector.js (the events) because they are a different record: nothing
// was recorded for them. Like everything on the page, their text (targets, reasons) came
// from some client and reaches the page only through textContent. The contract suite's
// refusals (its User-Agent, as for events) are marked, and hidden by the same control as
// its events; the page says how many are hidden, and how to show them.
//
// Every refusal the mock keeps is held here (read page by page), the newest shown first,
// older ones a click away ("Show older"). When the mock holds fewer than the page does
// (it restarted, or someone forgot them), the list is read again, and the page says so
// (inspector.js tells this script the mock's counts: the "mock-status" event).
"use strict";

(() => {
  const URL = "/__mock/rejections";
  const POLL_MS = 1000;
  const PAGE = 1000;   // refusals asked for at once (the mock's `limit`)
  const STEP = 200;    // rows added by "Show older"

  const $ = (id) => document.getElementById(id);
  const hideSuite = $("hide-suite");
  const state = { all: [], lastId: 0, shownRows: STEP, generation: 0 };

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
    return tr;
  }

  // Everything on screen from `state`: rows, the counts, what is hidden and why.
  function render() {
    const visible = state.all.filter((rejection) => !(hideSuite.checked && isSuites(rejection)));
    const rows = visible.slice(-state.shownRows).reverse().map(row);
    $("refused-rows").replaceChildren(...rows);
    const total = state.all.length;
    const hidden = total - visible.length;
    $("refused-count").textContent = String(total);
    $("count-refused").textContent = total.toLocaleString("en-US");
    const older = visible.length - rows.length;
    const more = $("refused-more");
    more.hidden = older <= 0;
    more.textContent = `Show older (${older.toLocaleString("en-US")} more)`;
    const empty = $("refused-empty");
    empty.hidden = rows.length > 0;
    empty.textContent = hidden > 0
      ? `All ${hidden.toLocaleString("en-US")} refused requests are the contract suite's, hidden: ` +
        "untick \"Hide the contract suite's events and refusals\" to see them."
      : "No refused request.";
    $("refused-shown").textContent = hidden > 0
      ? `${rows.length.toLocaleString("en-US")} shown, ${hidden.toLocaleString("en-US")} of the contract suite's hidden`
      : `${rows.length.toLocaleString("en-US")} shown`;
  }

  async function read(since) {
    const found = [];
    let url = `${URL}?since=${since}&limit=${PAGE}`;
    for (;;) {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) throw new Error(`${URL} answered ${response.status}`);
      const body = await response.json();
      found.push(...(Array.isArray(body.rejections) ? body.rejections : []));
      if (typeof body.next !== "string" || !body.next.startsWith(URL)) return found;
      url = body.next;
    }
  }

  async function poll() {
    const generation = state.generation;
    try {
      const found = await read(state.lastId);
      if (generation === state.generation && found.length) {
        state.all.push(...found);
        state.lastId = found[found.length - 1].id;
        render();
      }
    } catch (error) {
      // inspector.js already says when the mock cannot be reached
    }
    setTimeout(poll, POLL_MS);
  }

  async function resync() {
    const generation = ++state.generation;
    const found = await read(0);
    if (generation !== state.generation) return;
    state.all = found;
    state.lastId = found.length ? found[found.length - 1].id : 0;
    render();
  }

  async function forget() {
    const question = `Forget all ${state.all.length} refused requests the mock has kept?\n` +
      "Everyone watching this mock loses them.";
    if (!window.confirm(question)) return;
    const response = await fetch(URL, { method: "DELETE", cache: "no-store" });
    if (!response.ok) return;
    await resync();
  }

  // The mock keeps fewer refusals than the page holds: it restarted, or they were forgotten.
  function onStatus(event) {
    const kept = event.detail?.counts?.refused;
    if (typeof kept === "number" && kept < state.all.length) {
      resync().then(() => document.dispatchEvent(new CustomEvent("mock-resynced", { detail: "refused" })));
    }
  }

  function start() {
    $("refused-clear").addEventListener("click", forget);
    $("refused-more").addEventListener("click", () => {
      state.shownRows += STEP;
      render();
    });
    hideSuite.addEventListener("change", render);
    document.addEventListener("mock-status", onStatus);
    render();
    poll();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
