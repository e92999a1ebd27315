"""Test-only helpers that run outside the test process too (email backends, a real Celery worker)."""
