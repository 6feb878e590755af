"""Silences (SPEC §5): matchers over an alert's facts, for a while.

A silenced alert is recorded (and counted in `/klaxon report`), but neither posted nor paged.
"""
