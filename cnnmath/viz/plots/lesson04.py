"""viz/plots for lesson04 (filled in with the lesson)."""

__all__: list[str] = []
