"""``/health``: the probes of every dependency (``probes/``), the check that runs them
concurrently under one deadline (``check``), the alerts a result raises (``incidents``) and
the operations behind the command (``ops``). Slack-free: the Slack side renders the result."""
