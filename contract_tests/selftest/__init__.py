"""Material for testing the kit itself: deliberately broken servers (see broken.py)."""
