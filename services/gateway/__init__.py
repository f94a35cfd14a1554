"""gateway: the OpenAI-compatible front door (auth, then forwarding to the orchestrator)."""
