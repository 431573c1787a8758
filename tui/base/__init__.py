"""Shared basics: config, paths, clock and durations, the sanitizer, storage."""
