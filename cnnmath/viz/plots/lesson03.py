"""viz/plots for lesson03 (filled in with the lesson)."""

__all__: list[str] = []
