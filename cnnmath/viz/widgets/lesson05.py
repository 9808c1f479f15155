"""viz/widgets for lesson05 (filled in with the lesson)."""

__all__: list[str] = []
