"""The network guard every test runs under (see sitecustomize)."""
