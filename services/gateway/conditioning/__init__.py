"""Non-generative conditioning (the seed's §9): read the prompt, never rewrite it.

What is derived travels beside the untouched messages as structured data; the orchestrator puts
it first in the frame the model sees (constraints and SI units before the evidence).
"""
