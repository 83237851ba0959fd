"""The operator's HTTP endpoints: Prometheus /metrics, /healthz and /readyz."""
