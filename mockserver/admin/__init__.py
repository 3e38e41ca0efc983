"""Handlers of the control API (spec/admin.yaml), served under /_mock: :mod:`.control` (clock,
reset, overrides), :mod:`.files` (signed download URLs), :mod:`.traffic` (journal, faults)."""
