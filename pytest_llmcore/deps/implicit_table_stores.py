"""Vector stores whose backend library their integration imports only when the store is built.

``FAISS.from_documents(docs, emb)`` (langchain_community.vectorstores) imports faiss, which
neither langchain package requires; the project never imports it. Each row is the store's
class, built or loaded (``Cls(...)``, ``Cls.from_texts(...)``, ``Cls.load_local(...)``),
in a file that imports from the integration's package (the row's context: a class called
``Chroma`` elsewhere is someone else's). Sources, langchain-community 0.3.27's
vectorstores/: faiss.py:56 ``import faiss``, chroma.py:83 ``import chromadb``,
qdrant.py:78 ``from qdrant_client import QdrantClient``, milvus.py:149 ``from pymilvus
import ...``, pgvector.py:111 ``from pgvector.sqlalchemy import Vector``, annoy.py:26
``guard_import("annoy")``, lancedb.py:22 ``guard_import("lancedb")``; llama-index-vector-
stores-faiss 0.7.0 base.py:76 ``import faiss`` (its metadata requires only llama-index-core).
llama-index's other stores (chroma, qdrant...) require their backend: no row needed.
Merged into :func:`.implicit_triggers.builtin_triggers`.
"""

from __future__ import annotations

__all__ = ["FAISS_DISTS", "STORE_TRIGGERS"]

#: the distributions that provide the ``faiss`` module (any one of them serves)
FAISS_DISTS = ("faiss-cpu", "faiss-gpu", "faiss", "faiss-gpu-cu11", "faiss-gpu-cu12")

#: an import from a langchain package (langchain, langchain_community, langchain_chroma...)
_LANGCHAIN = r"\b(?:from|import)[ \t]+langchain\w*"
_LLAMA_INDEX = r"\b(?:from|import)[ \t]+llama_index\b"
#: building or loading a store: the class called, or one of its class-method constructors
_BUILD = r"\s*(?:\.\s*a?(?:from_\w+|load_local|deserialize_from_bytes))?\s*\("

#: store class -> (its backend distributions, the package context)
_STORES: dict[str, tuple[tuple[str, ...], str]] = {
    "FAISS": (FAISS_DISTS, _LANGCHAIN),
    "Chroma": (("chromadb",), _LANGCHAIN),
    "Qdrant": (("qdrant-client",), _LANGCHAIN),
    "Milvus": (("pymilvus",), _LANGCHAIN),
    "PGVector": (("pgvector",), _LANGCHAIN),
    "Annoy": (("annoy",), _LANGCHAIN),
    "LanceDB": (("lancedb",), _LANGCHAIN),
    "FaissVectorStore": (FAISS_DISTS, _LLAMA_INDEX),
}

#: (distributions, pattern, what, context, needle): the class name is the needle
STORE_TRIGGERS: list[tuple[tuple[str, ...], str, str, str, str]] = [
    (dists, rf"\b{cls}{_BUILD}", f"the vector store {cls}, which imports its backend", ctx, cls)
    for cls, (dists, ctx) in _STORES.items()
]
