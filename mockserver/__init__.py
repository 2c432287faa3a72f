"""A mock of Tidepool's Metrics API, driven by spec/metrics.v1.yaml (see README.md)."""
