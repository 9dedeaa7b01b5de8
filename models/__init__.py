"""One package per model: load, predict, train, evaluate, plus its artifacts."""
