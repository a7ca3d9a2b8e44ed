"""``/sync``: a manual or scheduled run of the source chain into the app's tables, one at a
time (a lock), recorded in ``chatops.sync_runs``, with progress. Slack-free."""
