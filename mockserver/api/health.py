"""GET /ping."""


def ping() -> tuple[str, int]:
    return "pong", 200
