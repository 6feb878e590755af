"""Declared incidents (SPEC §4, Monzo's Response and what it lacked): the incident, its lifecycle,
its comms channel's name, the commands spoken in that channel, its timeline and its reminders."""
