"""AI story studio: SmolLM2-135M-Instruct (or any local causal LM) with a screenplay LoRA adapter."""
