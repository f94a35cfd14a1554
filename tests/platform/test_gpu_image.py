"""The asr-api GPU image really carries the CUDA libraries CTranslate2 loads (issue #16, 1).

The NVIDIA container runtime injects the driver (libcuda.so.1) and nothing else. CTranslate2
dlopens cuBLAS only when the first GEMM runs on cuda, so loading the model, /health and
`helm test` all pass while every transcription fails. These tests take the list of CUDA
libraries from the CTranslate2 binary itself, and load each one, on this CPU machine, from the
asr-gpu extra's wheels (unpacked by `make gpu-libs` as the image's venv holds them) through
the LD_LIBRARY_PATH the image declares. A transcription on a real GPU is the one thing left
for a GPU machine (see docs/platform.md, GPU smoke test).
"""

from __future__ import annotations

import ctypes.util
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import make_target
from tests.platform.components import image_table
from tests.platform.conftest import REPO, TOOLS

pytestmark = pytest.mark.unit

GPU_LIBS = TOOLS / "asr-gpu"
# The driver comes from the NVIDIA runtime; NCCL only serves tensor parallelism across GPUs.
FROM_THE_RUNTIME = {"libcuda.so.1"}
MULTI_GPU_ONLY = {"libnccl.so.2"}


@pytest.fixture(scope="session")
def gpu_site_packages() -> Path:
    """The asr-gpu extra's CUDA wheels, as the image's site-packages holds them."""
    if not (GPU_LIBS / ".installed").exists():
        make_target("gpu-libs", timeout_s=900)
    return GPU_LIBS / "site-packages"


def image_site_packages() -> str:
    """/opt/venv's site-packages for the Python of the image's base (docker/Dockerfile)."""
    text = (REPO / "docker" / "Dockerfile").read_text(encoding="utf-8")
    (minor,) = re.findall(r"^ARG PYTHON_IMAGE=python:(3\.\d+)\.", text, re.MULTILINE)
    return f"/opt/venv/lib/python{minor}/site-packages"


def cuda_libraries_ctranslate2_loads() -> set[str]:
    """The CUDA sonames the installed CTranslate2 library opens by name (dlopen)."""
    spec = importlib.util.find_spec("ctranslate2")
    assert spec and spec.origin
    libs = list((Path(spec.origin).parent.parent / "ctranslate2.libs").glob("libctranslate2*"))
    assert libs, "CTranslate2's shared library"
    names: set[str] = set()
    for lib in libs:
        names |= {
            m.decode()
            for m in re.findall(rb"lib(?:cu[a-z]*|nccl|cudnn[a-z_]*)\.so\.\d+", lib.read_bytes())
        }
    return names


def test_prod_builds_the_gpu_variant_of_the_asr_image() -> None:
    images = image_table()
    cpu, gpu = images["asr-api"], images["asr-api-gpu"]
    same = {k: v for k, v in gpu.items() if k not in ("EXTRA", "LD_LIBRARY_PATH")}
    assert same == {k: v for k, v in cpu.items() if k != "EXTRA"}
    assert "LD_LIBRARY_PATH" not in cpu
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "optional-dependencies"
    ]
    assert f"ai-stack[{cpu['EXTRA']}]" in extras[gpu["EXTRA"]], "the CPU image's set, plus CUDA"


def test_every_cuda_library_ctranslate2_loads_is_in_the_gpu_image(
    gpu_site_packages: Path,
) -> None:
    needed = cuda_libraries_ctranslate2_loads() - FROM_THE_RUNTIME - MULTI_GPU_ONLY
    assert "libcublas.so.12" in needed, needed
    site = image_site_packages()
    folders = image_table()["asr-api-gpu"]["LD_LIBRARY_PATH"].split(":")
    assert all(f.startswith(site + "/") for f in folders), (site, folders)
    local = ":".join(str(gpu_site_packages / f.removeprefix(site + "/")) for f in folders)
    # Load each one as the dynamic linker in the image would, and ask cuBLAS its major version
    # (cublasGetProperty needs no GPU); the driver is absent here, as it is at build time.
    probe = (
        "import ctypes, sys\n"
        "for name in sys.argv[1:]:\n"
        "    lib = ctypes.CDLL(name)\n"
        "    if name.startswith('libcublas.'):\n"
        "        major = ctypes.c_int()\n"
        "        assert lib.cublasGetProperty(0, ctypes.byref(major)) == 0\n"
        "        print(name, major.value)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe, *sorted(needed)],
        env={"PATH": "/usr/bin:/bin", "LD_LIBRARY_PATH": local},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "libcublas.so.12 12" in result.stdout
    if ctypes.util.find_library("cublas") is not None:
        return  # a machine with CUDA installed: the bare load below would find that copy
    # Without the image's LD_LIBRARY_PATH the same load fails: the path is what makes it work.
    bare = subprocess.run(
        [sys.executable, "-c", probe, "libcublas.so.12"],
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bare.returncode != 0 and "libcublas.so.12" in bare.stderr
