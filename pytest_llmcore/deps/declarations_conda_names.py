"""Conda package names: which are no Python package, which differ from their PyPI name."""

from __future__ import annotations

from .lazyre import lazy_compile

__all__ = ["CONDA_BINARY_WRAPPERS", "CONDA_NON_PYTHON", "CONDA_TO_PYPI", "PYTHON_LIB_PACKAGES"]

#: a conda build of a toolchain piece for one platform (``sysroot_linux-64``,
#: ``gcc_linux-aarch64``, ``clang_osx-arm64``, ``vs2019_win-64``), names canonicalised
_PLATFORM = lazy_compile(r"[-_](?:linux|osx|win)-(?:64|32|aarch64|arm64|ppc64le|s390x)$")
#: ``lib*`` conda packages that ARE Python packages (the Python bindings or library of
#: that name on PyPI); every other ``lib*`` name there, unless the module map lists it as
#: a Python distribution, is a C library (``libaio``, ``libxml2``, ``libgomp``)
PYTHON_LIB_PACKAGES = frozenset(
    (
        "libclang",
        "librosa",
        "libcst",
        "libsass",
        "libtmux",
        "libpysal",
        "libarchive-c",
        "libvirt-python",
        "liblinear",
        "libusb1",
        "libsvm",
        "libcloud",
        "libhoney",
        "libretranslate",
    )
)


class _NonPython(frozenset[str]):
    """The listed names, plus every name a rule says is no Python package: a platform
    toolchain build (:data:`_PLATFORM`) and a C library (``lib*`` not known as Python).
    Callers ask ``canonical_name(n) in CONDA_NON_PYTHON``."""

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        if frozenset.__contains__(self, name) or _PLATFORM.search(name):
            return True
        return name.startswith("lib") and len(name) > 3 and not _python_lib(name)


def _python_lib(name: str) -> bool:
    from .mapping import builtin_entry

    return name in PYTHON_LIB_PACKAGES or bool(builtin_entry(name))


#: conda packages that are no Python package (interpreters, toolchains, system libraries)
CONDA_NON_PYTHON = _NonPython(
    (
        "python",
        "pip",
        "setuptools",
        "wheel",
        "cudatoolkit",
        "cuda",
        "cuda-toolkit",
        "cuda-nvcc",
        "cuda-version",
        "cudnn",
        "nccl",
        "pytorch-cuda",
        "pytorch-mutex",
        "cpuonly",
        "mkl",
        "mkl-include",
        "blas",
        "openblas",
        "libblas",
        "liblapack",
        "nodejs",
        "git",
        "git-lfs",
        "make",
        "cmake",
        "ninja",
        "compilers",
        "c-compiler",
        "cxx-compiler",
        "fortran-compiler",
        "gcc",
        "gxx",
        "gcc_linux-64",
        "gxx_linux-64",
        "clang",
        "llvm",
        "libgcc",
        "libstdcxx-ng",
        "libgcc-ng",
        "openssl",
        "ca-certificates",
        "certifi-conda",
        "ffmpeg",
        "graphviz",
        "pandoc",
        "curl",
        "wget",
        "rust",
        "go",
        "openjdk",
        "r-base",
        "sqlite",
        "zlib",
        "hdf5",
        "libffi",
        "jupyterlab-git",
    )
)
#: conda packages of native programs -> the Python wrappers that run them (companions:
#: pdf2image runs poppler's pdftoppm/pdfinfo, pytesseract runs tesseract)
CONDA_BINARY_WRAPPERS: dict[str, tuple[str, ...]] = {
    "poppler": ("pdf2image",),
    "tesseract": ("pytesseract", "ocrmypdf"),
    "ghostscript": ("ocrmypdf", "camelot-py"),
}
#: conda package names that differ from the distribution they install
CONDA_TO_PYPI = {
    "pytorch": "torch",
    "py-opencv": "opencv-python",
    "matplotlib-base": "matplotlib",
    "pyqt": "pyqt5",
    "pytables": "tables",
    "msgpack-python": "msgpack",
    "tensorflow-gpu": "tensorflow",
}
