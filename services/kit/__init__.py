"""The shared service kit: settings, logging, tracing, metrics, health, errors, HTTP, LLM client.

Every service builds on these modules; nothing here imports a service package.
"""
