"""Step 5, decide: customer value and churn risk, actions with reasons, scenarios, targeting."""
