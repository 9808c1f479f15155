"""viz/plots for lesson00 (filled in with the lesson)."""

__all__: list[str] = []
