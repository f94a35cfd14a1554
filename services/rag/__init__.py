"""rag-api: the knowledge service (Haystack components over the Qdrant engine).

Ingest files and texts (tagged with domain, SI quantities and constraints), retrieve with hybrid
dense + BM25 search, cite chunks. Run with ``python -m services.rag`` (port RAG_PORT, 8082).
"""
