"""Independent oracles for rollout's scheduler (TaskJuggler 3)."""
