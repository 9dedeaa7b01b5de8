"""Review sentiment: a fastai AWD-LSTM classifier trained here (ULMFiT recipe).

    from models.sentiment import SentimentModel
    model = SentimentModel.load()             # shipped weights in models/sentiment/weights
    model.predict(["A joy from start to finish."])   # [SentimentResult(label='pos', p_positive=0.97)]
"""
from .artifacts import ArtifactError
from .model import DEFAULT_DIR, SentimentModel, SentimentResult, validate_texts

__all__ = ["ArtifactError", "DEFAULT_DIR", "SentimentModel", "SentimentResult", "validate_texts"]
