"""The forum program: forums, venues, tracks, sessions, people, and their exports."""
