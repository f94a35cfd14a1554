"""The ai-stack operator (kopf): models, knowledge bases and tool plugins as Kubernetes resources.

Three custom resources (group ``aistack.dev``, version ``v1alpha1``; CRDs in
``charts/ai-stack/charts/operator/crds/``) that the cluster keeps true:

- ``Model``: an Ollama pull, a vLLM or llama.cpp Deployment, a KServe ``InferenceService`` or a
  KubeRay ``RayService``, or an external OpenAI-compatible URL; once Ready it is published in
  the models ConfigMap that the gateway and the orchestrator read (``services/kit/models.py``).
- ``KnowledgeBase``: an ingestion Job against rag-api (``python -m operators.ingest``); a
  finalizer deletes its documents again.
- ``ToolPlugin``: a tool registry manifest, written into the registry's plugins ConfigMap.

Layout: ``desired/`` holds the pure functions that turn a resource into the objects it needs
(unit-tested without any API); ``handlers/`` holds the kopf handlers, which apply those objects
through ``kube.py`` and report in ``status`` (``conditions.py``); ``ollama.py``, ``registry.py``
and ``rag.py`` are the clients of the stack's own services; ``ssrf.py`` guards URL sources.
The package imports the kit (``services.kit``) and no service (import-linter enforces it).
"""
