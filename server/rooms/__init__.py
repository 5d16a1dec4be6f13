"""Live-room features on top of the realtime layer: chat, Q&A, polls, reactions, presence,
raised hands and announcements."""
