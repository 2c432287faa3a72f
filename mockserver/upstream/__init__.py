"""The mock in front of a real Tidepool environment (`--upstream`).

passthrough       what the mock does not serve, forwarded as sent, answered as got
auth              whose token it is, asked of the upstream's auth service
validating_proxy  --forward-metrics: metrics go upstream, the answers are judged
conformance       the rules (R1-R6) an upstream's metrics answer broke
closed_surface    which passed-through requests no spec allows to record an event
"""
