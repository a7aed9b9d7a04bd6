"""pytest-llmcore: a pytest plugin and CI gate for projects that run LLMs locally.

Importing this package is cheap: heavy libraries (torch, numba, llama_cpp, pynvml)
are imported only by the features that need them.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
