"""Version pins: requirements that projects pin beside the distributions requiring them.

Re-exported by :mod:`.implicit_table` (``PINNED_REQUIREMENTS``); read by
:func:`.companions.pinned_parent` when installed metadata and the lock file don't answer.
"""

from __future__ import annotations

__all__ = ["PINNED_REQUIREMENTS"]

#: requirement -> declared distributions that require it. A declaration of the requirement
#: with a version constraint beside one of them pins it (``urllib3<2.0`` for vcrpy), and is
#: reported as ``unused-companion``. Installed metadata answers this when it is there; the
#: table covers the widely pinned transitive requirements when it is not.
PINNED_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    "urllib3": (
        "requests",
        "botocore",
        "boto3",
        "vcrpy",
        "pytest-vcr",
        "pytest-recording",
        "kubernetes",
        "selenium",
        "elasticsearch",
        "opensearch-py",
        "docker",
        "responses",
    ),
    "certifi": ("requests", "httpx", "urllib3", "httpcore"),
    "idna": ("requests", "httpx", "anyio", "yarl"),
    "charset-normalizer": ("requests", "aiohttp"),
    "h11": ("httpx", "httpcore", "uvicorn"),
    "httpcore": ("httpx",),
    "anyio": ("httpx", "starlette", "fastapi", "openai", "anthropic"),
    "sniffio": ("httpx", "anyio", "openai", "anthropic"),
    "starlette": ("fastapi",),
    "jmespath": ("botocore", "boto3"),
    "s3transfer": ("boto3",),
    "wrapt": ("vcrpy", "deprecated"),
    "markupsafe": ("jinja2",),
    "grpcio-status": ("google-api-core",),
    "apache-tvm-ffi": ("tilelang",),
    # docs toolchains, pinned wherever they are declared (``docutils<0.18`` beside sphinx
    # in a dev requirements file: sphinx issue 9727)
    "mistune": ("nbconvert", "mkdocs-jupyter", "nbsphinx", "m2r2"),
    "docutils": ("sphinx", "sphinx-rtd-theme", "recommonmark", "myst-parser", "nbsphinx", "m2r2"),
    "jinja2": ("sphinx", "mkdocs", "nbconvert", "flask"),
    "markdown": ("mkdocs", "mkdocs-material", "pymdown-extensions"),
    "pymdown-extensions": ("mkdocs-material",),
}
