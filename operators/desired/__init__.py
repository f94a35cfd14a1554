"""Desired state: pure functions from a custom resource to the objects it needs.

Nothing here talks to an API; the handlers apply what these return. ``spec.py`` reads and
checks the three specs (the CRDs' rules again, so a handler can explain a bad spec in words),
``common.py`` names and labels; ``models.py`` (Deployments, Services, the model table),
``kserve.py`` (InferenceService) and ``ray.py`` (RayService) for Model, ``knowledge.py`` for
KnowledgeBase, ``tools.py`` for ToolPlugin.
"""
