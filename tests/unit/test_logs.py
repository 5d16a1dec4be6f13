import json
import logging

from server.logs import JsonFormatter, RedactSecrets


def test_json_logs_are_one_object_per_line_with_extra_fields() -> None:
    record = logging.makeLogRecord(
        {
            "name": "pavilion.access",
            "levelno": 20,
            "levelname": "INFO",
            "msg": "GET %s",
            "args": ("/x",),
        }
    )
    record.request_id = "abc"

    line = JsonFormatter().format(record)

    entry = json.loads(line)
    assert "\n" not in line
    assert {k: entry[k] for k in ("level", "logger", "msg", "request_id")} == {
        "level": "info",
        "logger": "pavilion.access",
        "msg": "GET /x",
        "request_id": "abc",
    }


def test_bearer_tokens_and_feed_secrets_never_reach_a_log_line() -> None:
    socket_line = logging.makeLogRecord(
        {
            "name": "uvicorn.error",
            "levelno": 20,
            "levelname": "INFO",
            "msg": '%s - "WebSocket %s" [accepted]',
            "args": ("127.0.0.1:5", "/ws?token=Zm9v-YmFy_secret&x=1"),
            "color_message": '%s - "WebSocket %s" [accepted]',
        }
    )
    feed_line = logging.makeLogRecord(
        {"name": "pavilion.access", "msg": "GET %s 200", "args": ("/api/v1/agenda/s3cr3t.ics",)}
    )
    feed_line.path = "/api/v1/agenda/s3cr3t.ics"
    plain = logging.makeLogRecord({"msg": "POST /api/v1/me/agenda/feed 201"})

    for record in (socket_line, feed_line, plain):
        assert RedactSecrets().filter(record) is True
    lines = [JsonFormatter().format(r) for r in (socket_line, feed_line, plain)]

    assert [json.loads(line)["msg"] for line in lines] == [
        '127.0.0.1:5 - "WebSocket /ws?token=***&x=1" [accepted]',
        "GET /api/v1/agenda/***.ics 200",
        "POST /api/v1/me/agenda/feed 201",
    ]
    assert json.loads(lines[1])["path"] == "/api/v1/agenda/***.ics"
    assert not any("secret" in line or "s3cr3t" in line for line in lines)
