"""ai-stack services: one package per service plus the shared ``kit``."""
