"""Operations: probes, SLOs, history, budgets, incidents, the knowledge base, the round engine."""
