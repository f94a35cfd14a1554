"""Decode any audio or video container to 16 kHz mono float32 with ffprobe and ffmpeg.

Both tools run as argv lists (never a shell) under a timeout. Whatever they cannot read becomes a
400 naming the problem; a file longer than the cap becomes a 413 naming the cap.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

from services.asr.errors import (
    AudioTooLongError,
    MediaToolError,
    NoAudioStreamError,
    UnreadableMediaError,
)
from services.asr.transcript import SAMPLE_RATE, DecodedAudio
from services.kit.logging import get_logger

log = get_logger(__name__)

# ffprobe "recognises" plain text as an ANSI-art video (format "tty"); it is never real media.
_NOT_MEDIA_FORMATS = frozenset({"tty"})


@dataclass(frozen=True)
class Probe:
    format_name: str
    duration: float | None
    audio_streams: int
    video_streams: int


def _last_line(stderr: str, path: Path) -> str:
    # ffmpeg prefixes messages with the (temporary) file name, which means nothing to the client.
    lines = [ln.replace(str(path), "input").strip() for ln in stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else "no details"


class MediaDecoder:
    """Turns a media file into :class:`DecodedAudio`.

    Args:
        ffmpeg: ffmpeg executable. ffprobe: ffprobe executable.
        timeout_s: limit for each tool run. max_duration_s: longest audio accepted.
    """

    def __init__(
        self, ffmpeg: str, ffprobe: str, *, timeout_s: float, max_duration_s: float
    ) -> None:
        self.ffmpeg = ffmpeg
        self.ffprobe = ffprobe
        self.timeout_s = timeout_s
        self.max_duration_s = max_duration_s

    def _exec(self, argv: list[str]) -> subprocess.CompletedProcess[bytes]:
        try:
            # argv list, no shell; the only outside input is a path we created ourselves.
            return subprocess.run(  # noqa: S603
                argv, capture_output=True, timeout=self.timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            raise MediaToolError(
                f"decoding took longer than {self.timeout_s:g} s (ASR_FFMPEG_TIMEOUT_S)"
            ) from None
        except FileNotFoundError:
            raise MediaToolError(f"{argv[0]} is not installed on the server") from None

    def probe(self, path: Path) -> Probe:
        """Describe the container.

        Raises:
            UnreadableMediaError: not an audio or video file, or corrupt.
        """
        argv = [self.ffprobe, "-v", "error", "-show_entries", "format=format_name,duration:"
                "stream=codec_type", "-of", "json", str(path)]  # fmt: skip
        result = self._exec(argv)
        stderr = result.stderr.decode("utf-8", "replace")
        if result.returncode != 0:
            raise UnreadableMediaError(
                f"the file is not a readable audio or video file ({_last_line(stderr, path)})",
                param="file",
            )
        info = json.loads(result.stdout or b"{}")
        fmt = info.get("format", {})
        kinds = [s.get("codec_type") for s in info.get("streams", [])]
        try:
            duration = float(fmt["duration"])
        except (KeyError, ValueError):
            duration = None
        probe = Probe(
            format_name=str(fmt.get("format_name", "")),
            duration=duration,
            audio_streams=kinds.count("audio"),
            video_streams=kinds.count("video"),
        )
        if probe.format_name in _NOT_MEDIA_FORMATS:
            raise UnreadableMediaError(
                "the file is not an audio or video file (it looks like text)", param="file"
            )
        return probe

    def _too_long(self, seconds: float) -> AudioTooLongError:
        return AudioTooLongError(
            f"the audio lasts {seconds:.0f} s, over the limit of {self.max_duration_s:g} s "
            "(ASR_MAX_DURATION_S)",
            param="file",
        )

    def run(self, path: Path, workdir: Path) -> DecodedAudio:
        """Decode ``path``; intermediate files go to ``workdir`` (the caller deletes it).

        Raises:
            UnreadableMediaError, NoAudioStreamError, AudioTooLongError, MediaToolError.
        """
        probe = self.probe(path)
        if probe.audio_streams == 0:
            what = "a video without sound" if probe.video_streams else "no audio"
            raise NoAudioStreamError(
                f"the file has no audio stream ({what}); send a file with speech", param="file"
            )
        if probe.duration is not None and probe.duration > self.max_duration_s:
            raise self._too_long(probe.duration)
        pcm = workdir / "audio.f32"
        # -t stops one second past the cap, so a container that lies about its duration
        # cannot make us decode (and hold in memory) more than the cap allows.
        argv = [self.ffmpeg, "-nostdin", "-hide_banner", "-v", "error", "-i", str(path),
                "-map", "0:a:0", "-vn", "-sn", "-dn", "-t", f"{self.max_duration_s + 1:g}",
                "-ac", "1", "-ar", str(SAMPLE_RATE), "-f", "f32le", "-y", str(pcm)]  # fmt: skip
        result = self._exec(argv)
        if result.returncode != 0 or not pcm.exists():
            raise UnreadableMediaError(
                "the audio could not be decoded "
                f"({_last_line(result.stderr.decode('utf-8', 'replace'), path)})",
                param="file",
            )
        import numpy as np  # with the asr extra; importing the service must not need it

        samples = np.fromfile(pcm, dtype=np.float32)
        pcm.unlink()
        if samples.size == 0:
            raise UnreadableMediaError("the audio stream holds no decodable sound", param="file")
        audio = DecodedAudio(samples)
        if audio.duration > self.max_duration_s:
            raise self._too_long(audio.duration)
        log.debug("decoded", format=probe.format_name, duration_s=round(audio.duration, 2))
        return audio
