"""Test media made on the spot: espeak-ng speech, ffmpeg video, and deliberately bad files."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Spoken by espeak-ng: units are written as words, the way a speaker says them.
TECHNICAL = [
    "The yield strength of the steel is 250 megapascals at a temperature of 300 degrees Celsius.",
    "The tensile specimen was loaded to 12 kilonewtons and the strain reached 0.5 percent.",
    "Quench the alloy in water after annealing at 800 degrees Celsius for 2 hours.",
    "The density of the polymer is 1.2 grams per cubic centimetre.",
    "The catalyst increased the reaction rate at a pressure of 5 bar.",
    "Fatigue cracks grew from the weld under cyclic bending stress.",
    "The solution concentration was 0.1 moles per litre at 25 degrees Celsius.",
    "The shaft transmits a torque of 40 newton metres at 3000 revolutions per minute.",
]
NARRATIVE = [
    "My grandmother lived in a small village by the sea.",
    "Every summer we visited her and walked along the beach.",
    "She told us stories about the old days and her brothers.",
]


@dataclass(frozen=True)
class Media:
    root: Path
    technical: list[Path]  # one wav per TECHNICAL sentence
    narrative: list[Path]
    lecture_wav: Path  # technical and narrative sentences, one recording
    lecture_mp4: Path  # the same audio in a video container (h264 + aac)
    silent_mp4: Path  # video only: no audio stream
    corrupt: Path  # random bytes
    truncated_mp4: Path  # the start of a real mp4, cut short
    text_file: Path
    empty_wav: Path  # a valid header and no samples
    oversize: Path  # larger than the test upload cap


def _run(argv: list[str]) -> None:
    subprocess.run(argv, check=True, capture_output=True, timeout=120)


def speak(text: str, target: Path) -> Path:
    _run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(target), text])
    return target


def make_media(root: Path, oversize_bytes: int) -> Media:
    """Write every test file under ``root``."""
    technical = [speak(t, root / f"technical_{i}.wav") for i, t in enumerate(TECHNICAL)]
    narrative = [speak(t, root / f"narrative_{i}.wav") for i, t in enumerate(NARRATIVE)]
    lecture_wav = speak(" ".join([*NARRATIVE[:2], *TECHNICAL[:3], NARRATIVE[2]]), root / "lec.wav")
    lecture_mp4 = root / "lecture.mp4"
    _run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=blue:s=160x120:r=10",
          "-i", str(lecture_wav), "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p",
          "-c:a", "aac", str(lecture_mp4)])  # fmt: skip
    silent_mp4 = root / "silent.mp4"
    _run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "color=c=red:s=160x120:r=10",
          "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p", str(silent_mp4)])  # fmt: skip
    corrupt = root / "corrupt.wav"
    # Fixed bytes, not os.urandom: a failure must reproduce.
    corrupt.write_bytes(bytes((i * 131 + 17) % 256 for i in range(20_000)))
    truncated = root / "truncated.mp4"
    truncated.write_bytes(lecture_mp4.read_bytes()[:3000])
    text_file = root / "notes.txt"
    text_file.write_text("Meeting notes\nThe yield strength is 250 MPa.\n")
    empty_wav = root / "empty.wav"
    _run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono",
          "-t", "0", str(empty_wav)])  # fmt: skip
    oversize = root / "oversize.wav"
    with oversize.open("wb") as out:
        out.write(lecture_wav.read_bytes()[:44])
        out.truncate(oversize_bytes + 1024)
    return Media(root, technical, narrative, lecture_wav, lecture_mp4, silent_mp4, corrupt,
                 truncated, text_file, empty_wav, oversize)  # fmt: skip


_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}  # fmt: skip
# British spellings → American (Whisper writes American English).
_SPELLING = {"metre": "meter", "metres": "meters", "centimetre": "centimeter",
             "litre": "liter", "litres": "liters", "centimetres": "centimeters"}  # fmt: skip


def normalise(text: str) -> str:
    """A small version of Whisper's English evaluation normaliser: lower case, ``%`` spelled
    out, thousands separators and punctuation dropped (decimal points kept), small number words
    as digits, American spelling."""
    text = text.lower().replace("%", " percent")
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)|[^\w\s.]", " ", text)
    words = [_SPELLING.get(w, _NUMBER_WORDS.get(w, w)) for w in text.split()]
    return " ".join(words)
