// The mock's live event inspector: polls the journal with `since`, renders newest first.
//
// Every value shown here (event names, user ids, query names and values) is untrusted
// text sent by some client. It reaches the page only through textContent and
// createElement, never through innerHTML, so `<img src=x onerror=alert(1)>` is text.
"use strict";

(() => {
  const EVENTS_URL = "/__mock/events";
  const STATUS_URL = "/__mock/status";
  const POLL_MS = 500;          // new events appear within a second
  const STATUS_MS = 2000;       // settings change rarely; counts reveal a clear from elsewhere
  const MAX_RETRY_MS = 5000;
  const PAGE = 1000;            // events asked for at once (the mock's `limit`)
  const MAX_KEPT = 20000;       // events held in the page (the mock keeps 10,000 by default)
  const ROWS_STEP = 500;        // rows rendered at first, and added by "Show older"
  const FRESH_MS = 1500;

  // Short labels for the operations the spec defines today; any other operationId is
  // shown as is, so an operation added to the spec still renders.
  const READY_MS = 2000;
  const OPERATION_LABELS = {
    RecordMetricsEventForNamedUser: "user/{userId}",
    RecordMetricsEventForLoggedInUser: "thisuser",
    RecordMetricsEventForServer: "server/{serverName}",
  };

  const $ = (id) => document.getElementById(id);
  // The contract suite's requests say so in their User-Agent (spec: Event.userAgent); the
  // page names it once, on the control that hides them (refused.js reads it too).
  const SUITE_AGENT = $("hide-suite").dataset.agent;
  // Longer user ids and server names are cut in the filter's list (the full one on hover),
  // so a generated 1,000-character name does not widen the page.
  const MAX_OPTION_CHARS = 40;

  const state = {
    events: [],            // oldest first, as the journal returns them
    lastId: null,
    dropped: 0,
    paused: false,
    pending: [],           // received while paused
    whos: new Set(),       // filter options already offered
    journalCount: null,    // from /__mock/status, to notice a journal cleared elsewhere
    failures: 0,
    generation: 0,         // bumped by each resync; answers to older requests are ignored
    shownRows: ROWS_STEP,  // rows the table may hold; "Show older" adds more
  };

  // ---- small DOM helpers: the only way text reaches the page -------------------------

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // A text the stylesheet may cut short, whole on hover.
  function titled(node) {
    node.title = node.textContent;
    return node;
  }

  function setText(id, text) {
    $(id).textContent = text;
  }

  function formatNumber(n) {
    return Number(n || 0).toLocaleString("en-US");
  }

  // ---- who sent an event --------------------------------------------------------------

  function whoOf(event) {
    if (event.serverName !== null && event.serverName !== undefined) {
      return { key: "server:" + event.serverName, kind: "server", name: event.serverName };
    }
    if (event.userId !== null && event.userId !== undefined) {
      return { key: "user:" + event.userId, kind: "user", name: event.userId };
    }
    return { key: "none", kind: "none", name: "no user" };
  }

  function offerWho(event) {
    const who = whoOf(event);
    if (state.whos.has(who.key)) return;
    state.whos.add(who.key);
    const select = $("filter-who");
    const label = who.kind === "none" ? "(no user)" : `${who.kind}: ${who.name}`;
    const option = el("option", null, label.length > MAX_OPTION_CHARS
      ? label.slice(0, MAX_OPTION_CHARS - 1) + "…" : label);
    option.value = who.key;
    option.title = label;
    // Keep the list sorted after "everyone".
    let before = null;
    for (const existing of select.options) {
      if (existing.value && existing.textContent.localeCompare(option.textContent) > 0) {
        before = existing;
        break;
      }
    }
    select.insertBefore(option, before);
  }

  // ---- filters ------------------------------------------------------------------------

  function currentFilter() {
    return {
      name: $("filter-name").value.trim().toLowerCase(),
      who: $("filter-who").value,
      hideSuite: $("hide-suite").checked,
    };
  }

  function isSuites(event) {
    return String(event.userAgent ?? "").startsWith(SUITE_AGENT);
  }

  function matches(event, filter) {
    if (filter.name && !String(event.eventName ?? "").toLowerCase().includes(filter.name)) return false;
    if (filter.who && whoOf(event).key !== filter.who) return false;
    if (filter.hideSuite && isSuites(event)) return false;
    return true;
  }

  // ---- rendering ----------------------------------------------------------------------

  function formatTime(iso) {
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return String(iso);
    const pad = (n, width = 2) => String(n).padStart(width, "0");
    const time = `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
    return `${time}.${pad(date.getMilliseconds(), 3)}`;
  }

  function queryList(query) {
    const names = Object.keys(query || {});
    if (names.length === 0) return el("span", "muted", "none");
    const list = el("ul", "params");
    for (const name of names) {
      const values = Array.isArray(query[name]) ? query[name] : [query[name]];
      for (const value of values) {
        const item = el("li", "param");
        item.append(el("span", "param-name", name), el("span", "param-eq", "="));
        if (value === "") {
          const empty = el("span", "param-value param-empty", "empty");
          empty.title = "an empty value";
          item.append(empty);
        } else {
          item.append(el("span", "param-value", value));
        }
        list.append(item);
      }
    }
    return list;
  }

  // With --forward-metrics: the upstream's status, and a flag per contract rule it broke.
  function upstreamVerdict(event) {
    if (event.upstreamStatus === null || event.upstreamStatus === undefined) return [];
    const status = el("span", "upstream-status", `upstream ${event.upstreamStatus}`);
    const flags = (Array.isArray(event.violations) ? event.violations : []).map((violation) => {
      const flag = el("span", "violation", `breaks ${violation.rule}`);
      const reason = el("span", "violation-reason", violation.reason);
      const shown = el("span", "violation-line");
      shown.append(flag, reason);
      return shown;
    });
    return [status, ...flags];
  }

  // With --plan: the tracking plan's verdict as a badge, and an off-plan event's reasons
  // one per line (text from the plan and the event, so textContent only, as everywhere).
  function planVerdict(event) {
    const plan = event.plan;
    if (!plan || typeof plan.verdict !== "string") return [];
    const reasons = Array.isArray(plan.reasons) ? plan.reasons.map(String) : [];
    const badge = el("span", `plan-badge plan-${plan.verdict.replace(/[^a-z-]/g, "")}`, plan.verdict);
    badge.title = reasons.length ? reasons.join("\n") : "the plan's rules hold";
    if (plan.verdict !== "off-plan") return [badge];
    return [badge, ...reasons.map((reason) => el("span", "plan-reason", reason))];
  }

  function eventRow(event, fresh) {
    const row = el("tr", fresh ? "event fresh" : "event");
    row.dataset.id = String(event.id);

    const time = el("td", "col-time");
    const timeText = el("time", null, formatTime(event.receivedAt));
    timeText.dateTime = String(event.receivedAt);
    timeText.title = String(event.receivedAt);
    time.append(timeText);

    const op = el("td", "col-op");
    const opLabel = el("span", "op", OPERATION_LABELS[event.operationId] || event.operationId);
    opLabel.title = String(event.operationId);
    op.append(opLabel, ...upstreamVerdict(event));
    if (event.repeatOf !== null && event.repeatOf !== undefined) {
      const mark = el("span", "repeat-mark", `repeat of #${event.repeatOf}`);
      mark.title = "Probably a retry: the same operation, user, name and query as event " +
        `#${event.repeatOf}, received within 10 seconds before it`;
      op.append(mark);
    }
    if (isSuites(event)) {
      const mark = el("span", "suite-mark", "contract suite");
      mark.title = String(event.userAgent);
      op.append(mark);
    }

    const name = el("td", "col-name");
    name.append(event.eventName === null || event.eventName === undefined
      ? el("span", "muted", "no event name")
      : titled(el("span", "event-name", event.eventName)));
    name.append(...planVerdict(event));

    const who = whoOf(event);
    const whoCell = el("td", "col-who");
    if (who.kind === "none") {
      whoCell.append(el("span", "muted", "no user"));
    } else {
      whoCell.append(el("span", `badge badge-${who.kind}`, who.kind), titled(el("span", "who-name", who.name)));
    }

    const query = el("td", "col-query");
    query.append(queryList(event.query));

    row.append(time, op, name, whoCell, query);
    row.addEventListener("click", () => toggleDetails(row, event));
    if (fresh) setTimeout(() => row.classList.remove("fresh"), FRESH_MS);
    return row;
  }

  function toggleDetails(row, event) {
    if (String(window.getSelection())) return; // the user is selecting text, not clicking
    const next = row.nextElementSibling;
    if (next && next.classList.contains("details")) {
      next.remove();
      row.classList.remove("open");
      return;
    }
    const details = el("tr", "details");
    const cell = el("td");
    cell.colSpan = 5;
    cell.append(el("pre", "json", JSON.stringify(event, null, 2)));
    details.append(cell);
    row.after(details);
    row.classList.add("open");
  }

  // Renders everything again: after a filter change, a resync or a resume.
  function renderAll() {
    const filter = currentFilter();
    const body = $("event-rows");
    const rows = [];
    let matching = 0;
    for (let i = state.events.length - 1; i >= 0; i--) {
      const event = state.events[i];
      if (!matches(event, filter)) continue;
      matching++;
      if (rows.length < state.shownRows) rows.push(eventRow(event, false));
    }
    body.replaceChildren(...rows);
    renderCounts();
  }

  // Puts newly arrived events on top without touching the rows already shown.
  function renderNew(events) {
    const filter = currentFilter();
    const body = $("event-rows");
    const fresh = events.filter((event) => matches(event, filter));
    for (const event of fresh) body.prepend(eventRow(event, true));
    const rows = body.querySelectorAll("tr.event");
    for (let i = state.shownRows; i < rows.length; i++) {
      const extra = rows[i].nextElementSibling;
      if (extra && extra.classList.contains("details")) extra.remove();
      rows[i].remove();
    }
    renderCounts();
  }

  // The journal dropped its oldest events: so does the table (ids grow with time).
  function removeRowsOfDroppedEvents() {
    if (!state.events.length) return renderAll();
    const oldest = Number(state.events[0].id);
    for (const row of $("event-rows").querySelectorAll("tr.event")) {
      if (Number(row.dataset.id) >= oldest) continue;
      const extra = row.nextElementSibling;
      if (extra && extra.classList.contains("details")) extra.remove();
      row.remove();
    }
    renderCounts();
  }

  // Every counter from what the page holds and shows: "shown" is the rows in the table.
  function renderCounts() {
    const filter = currentFilter();
    const matching = state.events.filter((event) => matches(event, filter)).length;
    const shown = $("event-rows").querySelectorAll("tr.event").length;
    setText("count-shown", matching > shown ? `${formatNumber(shown)} of ${formatNumber(matching)}` : formatNumber(shown));
    setText("count-events", formatNumber(state.events.length));
    setText("count-dropped", formatNumber(state.dropped));
    const pending = $("pending");
    pending.hidden = state.pending.length === 0;
    pending.textContent = `${formatNumber(state.pending.length)} new while paused`;
    const more = $("events-more");
    more.hidden = matching <= shown;
    more.textContent = `Show older (${formatNumber(matching - shown)} more)`;
    const empty = $("empty");
    empty.hidden = matching > 0;
    if (matching === 0 && state.events.length > 0) {
      empty.replaceChildren(`No event matches: ${hiddenBy(filter)}. `, showAllButton());
    } else if (matching === 0) {
      empty.replaceChildren(
        "No events yet. Send one, for example ",
        el("code", null, `curl '${location.origin}/metrics/user/abc123/hello?source=curl'`),
        ". A request the mock refused is not an event: see the refused requests below.",
      );
    }
  }

  // What each control hides of the events held, in words: "3 hidden by the name filter".
  function hiddenBy(filter) {
    const held = formatNumber(state.events.length);
    const parts = [];
    const count = (test) => formatNumber(state.events.filter(test).length);
    if (filter.name) {
      parts.push(`${count((e) => !String(e.eventName ?? "").toLowerCase().includes(filter.name))} hidden by the name filter`);
    }
    if (filter.who) parts.push(`${count((e) => whoOf(e).key !== filter.who)} hidden by the user filter`);
    if (filter.hideSuite) parts.push(`${count(isSuites)} are the contract suite's, hidden`);
    return `of ${held} events held, ${parts.join(", ")}`;
  }

  function showAllButton() {
    const button = el("button", null, "Show all");
    button.type = "button";
    button.addEventListener("click", () => {
      $("filter-name").value = "";
      $("filter-who").value = "";
      $("hide-suite").checked = false;
      $("hide-suite").dispatchEvent(new Event("change"));
      renderAll();
    });
    return button;
  }

  // After a restart of the mock (or a clear from elsewhere) the lists are read again: say so.
  function sayResynced(what) {
    const notice = $("resynced");
    notice.hidden = false;
    notice.textContent = `The mock holds fewer ${what} than this page did (it restarted, or they ` +
      `were cleared elsewhere): read again at ${formatTime(new Date().toISOString())}.`;
  }

  function setConnection(stateName, text) {
    $("connection").dataset.state = stateName;
    setText("connection-text", text);
  }

  function showError(message) {
    const error = $("error");
    error.hidden = !message;
    error.textContent = message || "";
  }

  // ---- the journal --------------------------------------------------------------------

  function accept(events) {
    for (const event of events) offerWho(event);
    state.events.push(...events);
    if (state.events.length > MAX_KEPT) state.events.splice(0, state.events.length - MAX_KEPT);
  }

  function forgetDropped(dropped) {
    // The mock drops its oldest events beyond --max-events; drop them here too so the
    // page counts what the journal holds.
    const newlyDropped = dropped - state.dropped;
    if (newlyDropped > 0) {
      state.events.splice(0, Math.min(newlyDropped, state.events.length));
    }
    state.dropped = dropped;
  }

  async function fetchJson(url, options) {
    const response = await fetch(url, { cache: "no-store", ...options });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    return response.json();
  }

  async function resync() {
    const generation = ++state.generation;
    // Page by page (`next`), so that a big journal never holds the mock up for long.
    let body = await fetchJson(`${EVENTS_URL}?limit=${PAGE}`);
    if (generation !== state.generation) return; // a newer resync won
    state.events = [];
    state.pending = [];
    state.dropped = Number(body.dropped || 0);
    state.lastId = null;
    for (;;) {
      const events = Array.isArray(body.events) ? body.events : [];
      accept(events);
      if (events.length) state.lastId = events[events.length - 1].id;
      if (typeof body.next !== "string" || !body.next.startsWith(EVENTS_URL)) break;
      body = await fetchJson(body.next);
      if (generation !== state.generation) return;
    }
    renderAll();
  }

  async function poll() {
    const generation = state.generation;
    const url = state.lastId === null
      ? `${EVENTS_URL}?limit=${PAGE}`
      : `${EVENTS_URL}?since=${encodeURIComponent(state.lastId)}&limit=${PAGE}`;
    const body = await fetchJson(url);
    if (generation !== state.generation) return; // the journal was reloaded meanwhile
    const events = Array.isArray(body.events) ? body.events : [];
    const dropped = Number(body.dropped || 0);
    if (dropped < state.dropped) {
      // The dropped count went down: the journal was cleared elsewhere.
      await resync();
      return;
    }
    if (events.length) state.lastId = events[events.length - 1].id;
    if (state.paused) {
      state.pending.push(...events);
      state.dropped = dropped;
      renderCounts();
      return;
    }
    const droppedBefore = state.dropped;
    forgetDropped(dropped);
    accept(events);
    if (events.length > state.shownRows) renderAll();
    else if (events.length) renderNew(events);
    else renderCounts();
    if (dropped > droppedBefore) removeRowsOfDroppedEvents();
  }

  async function pollLoop() {
    let delay = POLL_MS;
    try {
      await poll();
      state.failures = 0;
      showError("");
      setConnection(state.paused ? "paused" : "live", state.paused ? "paused" : "live");
    } catch (error) {
      state.failures++;
      delay = Math.min(POLL_MS * 2 ** state.failures, MAX_RETRY_MS);
      setConnection("offline", "mock unreachable, retrying");
      showError(`Cannot read the journal (${error.message}). Is the mock still running?`);
    }
    setTimeout(pollLoop, delay);
  }

  // ---- the mock's state ---------------------------------------------------------------

  // The status document is read defensively: a missing field shows as "unknown".
  function pick(object, ...paths) {
    for (const path of paths) {
      let value = object;
      for (const part of path.split(".")) {
        value = value !== null && typeof value === "object" ? value[part] : undefined;
      }
      if (value !== undefined && value !== null) return value;
    }
    return undefined;
  }

  function describeLatency(latency) {
    if (latency === undefined) return "unknown";
    if (typeof latency === "number") return latency ? `${latency} ms` : "none";
    if (typeof latency === "object") {
      const low = pick(latency, "minMs");
      const high = pick(latency, "maxMs");
      if (low === undefined && high === undefined) return JSON.stringify(latency);
      if (!low && !high) return "none";
      return low === high ? `${low} ms` : `${low}–${high} ms`;
    }
    // "MS" or "MIN-MAX", as the command line and PUT /__mock/faults spell it
    return String(latency) === "0" ? "none" : `${String(latency).replace("-", "–")} ms`;
  }

  function describeFailRate(rate, status) {
    if (rate === undefined) return "unknown";
    const number = Number(rate);
    if (Number.isNaN(number)) return String(rate);
    return number ? `${+(number * 100).toFixed(2)}% of metrics requests answer ${status ?? 500}` : "none";
  }

  function describeSpec(spec) {
    if (spec === undefined) return "unknown";
    if (typeof spec !== "object") return String(spec);
    const title = pick(spec, "title") || "spec";
    const version = pick(spec, "version");
    const path = String(pick(spec, "path") || "");
    const file = path.split(/[\\/]/).pop();
    return [version === undefined ? title : `${title} ${version}`, file].filter(Boolean).join(" · ");
  }

  // `credentials` is what the mock's accounts allow: null lists mean "anyone".
  function credentialList(credentials) {
    if (!credentials || typeof credentials !== "object") return el("span", "muted", "unknown");
    const list = el("ul", "params");
    const fact = (name, value) => {
      const item = el("li", "param");
      item.append(el("span", "param-name", name), el("span", "param-eq", "="), el("span", "param-value", value));
      list.append(item);
    };
    const users = credentials.users;
    fact("users", Array.isArray(users) ? users.join(", ") || "none" : "any username and password");
    const servers = credentials.servers;
    fact("servers", Array.isArray(servers) ? servers.join(", ") || "none" : "any server name");
    if (credentials.serverSecret) fact("server secret", credentials.serverSecret);
    if (credentials.accountsFile) fact("accounts file", credentials.accountsFile);
    return list;
  }

  function renderStatus(status) {
    setText("state-spec", describeSpec(pick(status, "spec")));
    $("state-spec").title = String(pick(status, "spec.path") || "");
    setText("state-latency", describeLatency(pick(status, "faults.latency")));
    setText("state-fail-rate", describeFailRate(pick(status, "faults.failRate"), pick(status, "faults.status")));
    const origins = pick(status, "corsOrigins");
    setText("state-cors", !Array.isArray(origins) ? "unknown" : origins.join(", ").replace(/^\*$/, "any (*)"));
    $("state-credentials").replaceChildren(credentialList(pick(status, "credentials")));
    const upstream = pick(status, "upstream.url");
    if (upstream !== undefined) {
      // --upstream: logins are the upstream's, not the mock's demo accounts.
      const metrics = pick(status, "upstream.forwardMetrics") ? "forwarded and checked" : "answered here";
      $("state-credentials").replaceChildren(`the upstream's, at ${upstream}; metrics ${metrics}`);
    }
    // --plan: the file each event is judged by, and why an edit of it is not in use yet.
    const planFile = pick(status, "plan.file");
    $("state-plan-fact").hidden = planFile === undefined;
    if (planFile !== undefined) {
      const problem = pick(status, "plan.problem");
      setText("state-plan", problem ? `${planFile}: ${problem}` : String(planFile));
      $("state-plan").classList.toggle("plan-problem", Boolean(problem));
    }
    const count = pick(status, "counts.events");
    state.journalCount = typeof count === "number" ? count : null;
  }

  async function statusLoop() {
    try {
      const status = await fetchJson(STATUS_URL);
      renderStatus(status);
      document.dispatchEvent(new CustomEvent("mock-status", { detail: status }));
      // A journal cleared or shrunk by someone else: start again from what it holds.
      if (!state.paused && state.journalCount !== null && state.journalCount < state.events.length) {
        await resync();
        sayResynced("events");
      }
    } catch (error) {
      // pollLoop reports an unreachable mock; keep the last known state on screen.
    }
    setTimeout(statusLoop, STATUS_MS);
  }

  // ---- controls -----------------------------------------------------------------------

  function togglePause() {
    state.paused = !state.paused;
    const button = $("pause");
    button.setAttribute("aria-pressed", String(state.paused));
    button.textContent = state.paused ? "Resume" : "Pause";
    document.body.classList.toggle("is-paused", state.paused);
    setConnection(state.paused ? "paused" : "live", state.paused ? "paused" : "live");
    if (!state.paused && state.pending.length) {
      const pending = state.pending;
      state.pending = [];
      accept(pending);
      renderNew(pending);
    }
    renderCounts();
  }

  async function clearJournal() {
    const count = state.events.length + state.pending.length;
    const question = `Delete all ${formatNumber(count)} recorded events from the mock's journal?\n` +
      "Everyone watching this mock loses them.";
    if (!window.confirm(question)) return;
    try {
      const response = await fetch(EVENTS_URL, { method: "DELETE", cache: "no-store" });
      if (!response.ok) throw new Error(`DELETE ${EVENTS_URL} answered ${response.status}`);
      await resync();
      showError("");
    } catch (error) {
      showError(`Could not clear the journal: ${error.message}`);
    }
  }

  function start() {
    $("filter-name").addEventListener("input", renderAll);
    $("filter-who").addEventListener("change", renderAll);
    $("hide-suite").addEventListener("change", renderAll);
    $("pause").addEventListener("click", togglePause);
    $("clear").addEventListener("click", clearJournal);
    $("events-more").addEventListener("click", () => {
      state.shownRows += ROWS_STEP;
      renderAll();
    });
    document.addEventListener("mock-resynced", () => sayResynced("refused requests"));
    renderCounts();
    // The first paint shows the journal and the mock's state as they are (the page stays
    // hidden until both are read, or READY_MS has passed), never "connecting…" and empty tables.
    const shown = () => document.body.classList.add("ready");
    setTimeout(shown, READY_MS);
    Promise.allSettled([pollLoop(), statusLoop()]).then(shown);
  }

  start();
})();
