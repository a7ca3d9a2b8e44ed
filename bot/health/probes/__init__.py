"""One probe per dependency (the app, its database and cache, the providers' keys, the
vendors' status pages), each returning a plain result and never raising."""
