"""Modes as plain data, and how a user's prompt becomes model input: the instruct chat template when the
tokenizer has one (SmolLM2), a plain "instruction + blank line" prompt otherwise (GPT-2 family)."""
from __future__ import annotations

from dataclasses import dataclass

SCENE_FORMAT = ("Format it like a script: a scene heading (INT. or EXT. PLACE - TIME), action lines, "
                "and each CHARACTER cue in capitals on its own line above their dialogue.")


@dataclass(frozen=True)
class Mode:
    label: str
    instruction: str          # {prompt} is replaced by the user's text
    example: str


MODES: dict[str, Mode] = {
    "story": Mode("Short story", "Write a short story about: {prompt}",
                  "a lighthouse keeper who finds a message in a bottle addressed to her, dated tomorrow"),
    "scene": Mode("Screenplay scene", "Write a screenplay scene. " + SCENE_FORMAT + "\nPremise: {prompt}",
                  "two rival food-truck owners are stuck in the same elevator during a blackout"),
    "logline": Mode("Logline", "Write a one-sentence movie logline for this idea: {prompt}",
                    "a retired stuntman is hired to double for the actor who once replaced him"),
    "synopsis": Mode("Synopsis", "Write a three-paragraph movie synopsis (beginning, middle, end) for: {prompt}",
                     "a small-town cinema that only shows films that have never been made"),
    "review": Mode("Movie review", "Write a movie review in three to five sentences. {prompt}",
                   "The movie is Casablanca (1942). I loved the ending and Bogart's last scene; the middle drags."),
}


def scene_instruction(genres: list[str]) -> str:
    """The instruction used when training on screenplay chunks (no premise: the chunk is the answer)."""
    kind = f" ({', '.join(genres)})" if genres else ""
    return f"Write a screenplay scene{kind}. " + SCENE_FORMAT


def render(tokenizer, instruction: str) -> str:
    """The text the model continues: chat template with a generation prompt, or the bare instruction."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template([{"role": "user", "content": instruction}],
                                             tokenize=False, add_generation_prompt=True)
    return instruction + "\n\n"


def build(tokenizer, prompt: str, mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    return render(tokenizer, MODES[mode].instruction.format(prompt=prompt.strip()))


def fit(tokenizer, prompt: str, mode: str, budget: int) -> tuple[str, bool]:
    """The model input for `prompt`, with the prompt trimmed from the left so the whole input stays within
    `budget` tokens; also whether it was trimmed."""
    overhead = len(tokenizer(build(tokenizer, "", mode), add_special_tokens=False).input_ids)
    allowed = budget - overhead
    if allowed < 1:
        raise ValueError(f"the context has no room for a prompt (budget {budget}, template {overhead} tokens)")
    ids = tokenizer(prompt.strip(), add_special_tokens=False).input_ids
    if len(ids) <= allowed:
        return build(tokenizer, prompt, mode), False
    return build(tokenizer, tokenizer.decode(ids[-allowed:]), mode), True
