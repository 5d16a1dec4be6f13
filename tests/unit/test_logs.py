import json
import logging

from server.logs import JsonFormatter


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
