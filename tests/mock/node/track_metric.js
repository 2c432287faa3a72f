// Tidepool's JS client (tidepool-platform-client), as blip uses it, against a mock:
// log in, then `trackMetric(name, properties)` (blip's api.metrics.track), which sends
// GET /metrics/thisuser/<source> - <name>?... with `.retry()` (superagent retries once on
// a reset connection, a timeout or a 5xx). Prints one JSON line: what the callback got.
//
//   node track_metric.js PACKAGE_FOLDER MOCK_URL EVENT_NAME
"use strict";

const path = require("path");

const [packageFolder, host, eventName] = process.argv.slice(2);
const nodeModules = path.dirname(packageFolder);
const createClient = require(packageFolder);
const superagent = require(path.join(nodeModules, "superagent"));

const memory = {};
const quiet = () => {};
const api = createClient(
  { host, metricsSource: "blip", metricsVersion: "1.0.0" },
  {
    superagent,
    log: { warn: quiet, info: quiet, debug: quiet },
    localStore: {
      getItem: (key) => memory[key] ?? null,
      setItem: (key, value) => { memory[key] = value; },
      removeItem: (key) => { delete memory[key]; },
    },
  },
);
// The client asks navigator.onLine whether it may send; node has no navigator.
global.navigator = { onLine: true };

api.login({ username: "demo@example.org", password: "any" }, (error) => {
  if (error) {
    console.log(JSON.stringify({ login: String(error.status || error.message) }));
    process.exit(1);
  }
  api.trackMetric(eventName, { source: "platform-client" }, () => {
    console.log(JSON.stringify({ tracked: eventName }));
    process.exit(0); // the client keeps its connection alive
  });
});
