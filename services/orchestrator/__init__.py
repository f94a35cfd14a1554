"""orchestrator: a LangGraph graph that assembles context and streams the LLM's answer."""
