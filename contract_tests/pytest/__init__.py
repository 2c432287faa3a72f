"""The suite's pytest plugin, by concern; plugin.py's hooks call the others in pytest's order.

plugin         the hooks, in the order pytest calls them: the run's control flow
options        --tidepool-NAME options (short_options: --NAME, where run on purpose)
gate           --gate: its settings, and the targets and options it refuses
run            Run: what one run knows (spec, schema, drifts, replay, target, summary), in config.stash
profiles       Hypothesis profiles quick, ci, thorough; the seed of a random one
target         the target decided before any request; production, clear-text and URL guards
fixtures       contract_base_url (the mock with no target), suite (reached, credentials checked)
reporting      each report redacted, violations as data; the summary printed and written last
rerun          the command that reruns one failed test from anywhere
verdict        the exit status, decided once (imports nothing of the suite: __main__ uses it)
xdist          -n: one seed handed out, the workers' summaries taken in
"""
