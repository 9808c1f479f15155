"""viz/plots for lesson02 (filled in with the lesson)."""

__all__: list[str] = []
