"""The lean inference network reproduces fastai's classifier exactly, in every precision."""
import pytest
import torch
from safetensors.torch import load_file

from models.sentiment import SentimentModel, artifacts
from models.sentiment.lean import LeanClassifier
from models.sentiment.network import pad_batch
from models.sentiment.text import PAD


def fastai_classifier(model: SentimentModel) -> torch.nn.Module:
    from fastai.text.all import AWD_LSTM, get_text_classifier

    r = model.recipe
    return get_text_classifier(AWD_LSTM, len(model.tokenizer.vocab), 2, seq_len=r.bptt,
                               config=r.awd_lstm_config(classifier=True), drop_mult=r.clas_drop_mult,
                               pad_idx=PAD, max_len=r.head + r.tail)


def test_lean_network_matches_fastai(tiny_model_dir):
    from safetensors.torch import load_model

    model = SentimentModel.load(tiny_model_dir, precision="fp32")
    reference = fastai_classifier(model)
    load_model(reference, str(tiny_model_dir / artifacts.WEIGHTS), device="cpu")
    reference.eval()
    texts = ["great film", "a dull and clumsy plot " * 30, "loved the actors, hated the ending", "superb"]
    ids = [torch.as_tensor(x) for x in model.encode(texts)]
    with torch.inference_mode():
        for seq, p_lean in zip(ids, model.p_positive([x.tolist() for x in ids])):
            reference.reset()
            batch = pad_batch([(seq,)], model.recipe.bptt)[0][0][None]
            p_fastai = torch.softmax(reference(batch)[0], -1)[0, 1].item()
            assert p_lean == pytest.approx(p_fastai, abs=1e-5)


@pytest.mark.parametrize("precision, tolerance", [("bf16", 0.03), ("int8", 0.05)])
def test_reduced_precisions_stay_close_to_fp32(tiny_model_dir, precision, tolerance):
    texts = ["great film", "a dull and clumsy plot that goes nowhere " * 10, "loved the actors", "boring waste"]
    exact = SentimentModel.load(tiny_model_dir, precision="fp32").predict(texts)
    reduced = SentimentModel.load(tiny_model_dir, precision=precision).predict(texts)
    for a, b in zip(exact, reduced):
        assert b.p_positive == pytest.approx(a.p_positive, abs=tolerance)
        assert b.label == a.label or a.confidence < 0.6


def test_the_default_precision_is_the_machines_own(tiny_model_dir, monkeypatch):
    from models.sentiment import model as model_module
    from tests.test_cpu import ZEN3, ZEN4, fake_cpu

    for flags, aten, expected in ((ZEN3, "AVX2", "fp32"), (ZEN4, "AVX512", "bf16")):
        monkeypatch.setattr(model_module, "cpu_info", lambda: fake_cpu(flags, aten))
        model = SentimentModel.load(tiny_model_dir)
        assert model.precision == expected
        assert model.net.embedding.weight.dtype == (torch.bfloat16 if expected == "bf16" else torch.float32)


def test_unknown_precision_is_refused(tiny_model_dir):
    with pytest.raises(ValueError, match="precision"):
        SentimentModel.load(tiny_model_dir, precision="fp8")


def test_lean_network_reads_every_weight(tiny_model_dir):
    state = load_file(str(tiny_model_dir / artifacts.WEIGHTS))
    loaded = list(LeanClassifier(state).state_dict().values())
    unused = [k for k, t in state.items()
              if not k.endswith("num_batches_tracked") and not any(u.shape == t.shape and torch.equal(u, t) for u in loaded)]
    assert unused == []
