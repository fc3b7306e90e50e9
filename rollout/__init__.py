"""rollout: plan, check, schedule and track customer-alignment rollouts."""

__version__ = "0.1.0"
