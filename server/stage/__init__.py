"""The stage: speakers publish over WebRTC (WHIP), a moderator takes one on air, viewers watch
one program feed encoded once (DESIGN.md section 5)."""
