"""The Metrics API contract suite: property-based tests generated from spec/metrics.v1.yaml.

Black-box: it reads the spec and talks HTTP to a base URL, the same way against the mock,
qa1 or a deploy candidate. The top-level conftest.py chooses the target and the options.
"""
