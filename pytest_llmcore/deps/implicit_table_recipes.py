"""Keys of training-recipe configs (YAML/JSON) that make their reader load a library.

A recipe read by transformers' ``HfArgumentParser`` / trl's ``TrlParser`` (its model and
training arguments: ``model_name_or_path:``, ``output_dir:``) or an accelerate config
(``compute_environment:``) names settings with which the reader imports a library it does
not require: ``load_in_4bit: true`` (bitsandbytes), ``use_peft: true`` (peft),
``use_liger_kernel: true`` (liger-kernel), ``distributed_type: DEEPSPEED`` (deepspeed), a
Jinja ``chat_template:`` (jinja2). A key counts only in a file whose own keys show such a
reader (``context``): the same word in another tool's YAML proves nothing.
"""

from __future__ import annotations

from .implicit_triggers import Trigger

__all__ = ["RECIPE_TRIGGERS"]

#: a transformers/trl argument file: its model or training arguments, at a line's start
_HF_ARGS = r"(?m)^[ \t]*[\"']?(?:model_name_or_path|output_dir|per_device_train_batch_size)\b"
#: an accelerate config file (``accelerate config`` writes these keys)
_ACCELERATE = r"(?m)^[ \t]*[\"']?(?:compute_environment|num_processes|mixed_precision)\b"
#: a key at a line's start (YAML) or quoted (JSON), then ``:``
_KEY = r"(?m)^[ \t]*[\"']?{}[\"']?[ \t]*:[ \t]*"
_TRUE = r"(?:true|True|TRUE)\b"

RECIPE_TRIGGERS: tuple[Trigger, ...] = (
    Trigger(
        ("bitsandbytes",),
        _KEY.format(r"load_in_(?:4|8)bit") + _TRUE,
        "a recipe loading the model in 4/8-bit (transformers' BitsAndBytesConfig)",
        ("load_in_",),
        _HF_ARGS,
    ),
    Trigger(
        ("peft",),
        _KEY.format("use_peft") + _TRUE,
        "a recipe training a PEFT adapter (trl's get_peft_config)",
        ("use_peft",),
        _HF_ARGS,
    ),
    Trigger(
        ("liger-kernel",),
        _KEY.format("use_liger(?:_kernel)?") + _TRUE,
        "a recipe patching the model with Liger kernels (TrainingArguments.use_liger_kernel)",
        ("use_liger",),
        _HF_ARGS,
    ),
    Trigger(
        ("deepspeed",),
        _KEY.format("distributed_type") + r"[\"']?DEEPSPEED\b",
        "an accelerate config launching with DeepSpeed",
        ("DEEPSPEED",),
        _ACCELERATE,
    ),
    Trigger(
        ("deepspeed",),
        _KEY.format("deepspeed") + r"[\"']?[\w./-]+\.json\b",
        "a recipe's DeepSpeed config (TrainingArguments.deepspeed)",
        ("deepspeed",),
        _HF_ARGS,
    ),
    Trigger(
        ("jinja2",),
        _KEY.format("chat_template") + r"(?:[|>][-+]?\s*|[\"'])?[^\n]*?(?:\{%|\{\{)",
        "a recipe's Jinja chat template (rendered by transformers' apply_chat_template)",
        ("chat_template",),
        _HF_ARGS,
    ),
)
