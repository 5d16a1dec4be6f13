"""Telling people what changed: one notice per person and event, pushed to their own room and
mailed in their language and zone unless they turned mail off for that kind."""
