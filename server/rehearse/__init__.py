"""`pavilion rehearse`: a synthetic audience against a deployment, and its capacity report.

The command (runner.py) runs in an asyncio process; the Locust users (swarm.py, gevent) and the
WebRTC viewers (viewers.py, aiortc) run in child processes of their own, so that gevent's
monkey-patching never reaches an asyncio loop. Nothing here is imported by the server.
"""
