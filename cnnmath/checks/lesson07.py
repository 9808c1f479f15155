"""checks for lesson07 (filled in with the lesson)."""

__all__: list[str] = []
