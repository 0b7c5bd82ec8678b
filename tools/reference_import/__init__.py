"""The parts of ``tools/import_reference.py``, one per section of what it writes (see there)."""
