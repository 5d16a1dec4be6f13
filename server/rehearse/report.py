"""The capacity report: in the terminal (rich tables) and as one self-contained HTML file (inline
CSS and SVG charts, nothing fetched), from the same figures (figures.py)."""

from __future__ import annotations

from html import escape
from pathlib import Path

from rich.console import Console
from rich.table import Table

from server import __version__
from server.rehearse import figures
from server.rehearse.charts import line_chart
from server.rehearse.record import Rehearsed


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f} ms" if value >= 10 else f"{value:.1f} ms"


def _seconds(run: Rehearsed) -> float:
    if run.final is not None:
        return float(run.final.get("seconds") or 0.0)
    return sum(float(t["seconds"]) for t in run.ticks)


def headline(run: Rehearsed) -> str:
    state = f"interrupted ({run.interrupted})" if run.interrupted else "completed"
    return (
        f"Rehearsal {run.rehearsal} of {run.url} · forum {run.forum} · room {run.room} · "
        f"{run.attendees} attendees ({run.webrtc} over WebRTC) · "
        f"{_seconds(run):.0f} s of {run.planned_seconds:.0f} s · {state}"
    )


def cleanup_line(run: Rehearsed) -> str:
    """What the rehearsal left behind, in one sentence."""
    if run.removal_error is not None:
        return (
            f"NOT removed: {run.removal_error}. The server removes it at "
            f"its expiry; or run DELETE /api/v1/forums/{run.forum}/rehearsals/{run.rehearsal}."
        )
    if run.removal is None:
        return "not removed yet"
    if run.left_behind:
        return (
            f"left behind: {run.removal.get('accounts')} accounts, {run.removal.get('remaining')}"
        )
    return "left behind: nothing (every rehearsal account and every row they made is gone)"


# --- terminal -------------------------------------------------------------------------------


def print_report(console: Console, run: Rehearsed) -> None:
    rows = figures.step_rows(run)
    console.print(f"\n[bold]{headline(run)}[/bold]")
    console.print(_step_table(rows))
    errors = figures.error_rows(rows)
    if errors:
        table = Table(title="Failures by kind")
        for column in ("step", "kind", "count"):
            table.add_column(column, justify="right" if column == "count" else "left")
        for step, kind, n in errors:
            table.add_row(step, kind, str(n))
        console.print(table)
    viewers = figures.viewer_rows(run, _seconds(run))
    if viewers:
        console.print(_pairs("WebRTC viewers (aiortc, WHEP)", viewers))
    server = figures.server_rows(run.scrapes)
    if server:
        title = f"The server's own figures (/metrics, {len(run.scrapes.readings)} readings)"
        console.print(_pairs(title, server))
    for problem in run.problems + run.scrapes.failures[:3]:
        console.print(f"[yellow]{problem}[/yellow]")
    colour = "green" if run.left_behind is False else "red"
    console.print(f"[{colour}]{cleanup_line(run)}[/{colour}]")


def _step_table(rows: list[figures.StepRow]) -> Table:
    """Failures are counted here and told apart by kind in the next table."""
    table = Table(title="Per step (latencies of successful requests)")
    table.add_column("step", no_wrap=True)
    for column in ("requests", "rate/s", "p50", "p99", "max", "failed"):
        table.add_column(column, justify="right", no_wrap=True)
    for row in [*rows, figures.totals(rows)]:
        table.add_row(
            row.step,
            f"{row.count:,}",
            f"{row.rate:.1f}",
            _ms(row.p50),
            _ms(row.p99),
            _ms(row.max),
            f"{row.failures:,}",
        )
    return table


def _pairs(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value")
    for label, value in rows:
        table.add_row(label, value)
    return table


# --- HTML -----------------------------------------------------------------------------------

CSS = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;
 margin:0;background:#f6f7f9}
main{max-width:1080px;margin:0 auto;padding:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#57606a;margin:0 0 16px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:16px 0}
.card{background:#fff;border:1px solid #d8dee4;border-radius:8px;padding:10px 14px;min-width:150px}
.card b{display:block;font-size:22px}.card span{color:#57606a;font-size:13px}
table{border-collapse:collapse;background:#fff;width:100%;font-size:14px}
th,td{border-bottom:1px solid #e6e9ed;padding:5px 8px;text-align:right;white-space:nowrap}
th{background:#eef1f4;font-weight:600}
td:first-child,th:first-child,td.text,th.text{text-align:left}
td.text{white-space:normal;color:#57606a}
tr.total td{font-weight:600;border-top:2px solid #c9d1d9}
.ok{color:#1a7f37}.bad{color:#cf222e}.warn{color:#9a6700}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:12px}
svg.chart{background:#fff;border:1px solid #d8dee4;border-radius:8px;width:100%;height:auto}
svg .title{font-size:14px;font-weight:600;fill:#1b1f24}svg .unit{font-weight:400;fill:#57606a}
svg .tick,svg .legend{font-size:11.5px;fill:#57606a}svg .grid{stroke:#e6e9ed}
svg .empty{font-size:13px;fill:#8c959f;text-anchor:middle}
footer{color:#8c959f;font-size:12px;margin-top:32px}
"""


def render_html(run: Rehearsed) -> str:
    """The whole report as one HTML document."""
    rows = figures.step_rows(run)
    seconds = _seconds(run)
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        f"<title>Rehearsal {run.rehearsal} — capacity report</title><style>{CSS}</style>",
        "<main>",
        f"<h1>Dress rehearsal {run.rehearsal}: capacity report</h1>",
        f'<p class="sub">{escape(headline(run))}<br>'
        f"started {escape(run.started_at.isoformat(timespec='seconds'))}</p>",
        _cards(run, rows),
        _cleanup_html(run),
        "<h2>Per step</h2>",
        '<p class="sub">Rate over the whole run; p50, p99 and max of successful requests '
        "(the client's view: network and queueing included). HTTP steps are routes; WS steps "
        "are operations on the room socket; <i>hls.playlist (nothing on air)</i> counts the "
        "players that found no live stream because nobody was publishing.</p>",
        _steps_html(rows),
        _errors_html(rows),
        "<h2>Over time</h2><div class=charts>",
        line_chart("Throughput", "requests/s", figures.throughput_lines(run, rows)),
        line_chart("p99 per interval", "ms, log scale", figures.p99_lines(run, rows), log=True),
        line_chart("Audience", "people", figures.user_lines(run)),
        line_chart("The load generator", "% of one core", figures.cpu_lines(run)),
        "</div>",
        _problems_html(run),
        _viewers_html(run, seconds),
        _server_html(run),
        f"<footer>pavilion rehearse {escape(__version__)}</footer></main></html>",
    ]
    return "\n".join(p for p in parts if p)


def _problems_html(run: Rehearsed) -> str:
    notes = run.problems + run.scrapes.failures[:3]
    return "".join(f'<p class="warn">{escape(note)}</p>' for note in notes)


def _cards(run: Rehearsed, rows: list[figures.StepRow]) -> str:
    total = figures.totals(rows)
    failed = total.failures / total.count if total.count else 0.0
    joins = next((r for r in rows if r.step == "WS room.join"), None)
    signins = next((r for r in rows if r.step == "POST auth.login"), None)
    cards = [
        (f"{run.users or run.attendees:,}", "attendees (Locust users)"),
        (f"{total.count:,}", "requests and operations"),
        (f"{total.rate:.1f}/s", "throughput"),
        (f"{failed:.1%}", "failed"),
        (_ms(signins.p99 if signins else None), "sign-in p99"),
        (_ms(joins.p99 if joins else None), "room join p99"),
    ]
    inner = "".join(
        f"<div class=card><b>{escape(v)}</b><span>{escape(k)}</span></div>" for v, k in cards
    )
    return f"<div class=cards>{inner}</div>"


def _cleanup_html(run: Rehearsed) -> str:
    kind = "ok" if run.left_behind is False else "bad"
    return f'<p class="{kind}"><b>{escape(cleanup_line(run))}</b></p>'


def _steps_html(rows: list[figures.StepRow]) -> str:
    head = "".join(
        f"<th>{h}</th>" for h in ("step", "requests", "rate/s", "p50", "p99", "max", "failed")
    )
    head += "<th class=text>errors by kind</th>"
    body = [_step_tr(row) for row in rows]
    body.append(_step_tr(figures.totals(rows), "total"))
    return f"<table class=steps><tr>{head}</tr>{''.join(body)}</table>"


def _step_tr(row: figures.StepRow, css: str = "") -> str:
    errors = ", ".join(f"{k} ×{n}" for k, n in row.errors.items())
    failed = f'<span class="bad">{row.failures:,}</span>' if row.failures else "0"
    cells = [
        escape(row.step),
        f"{row.count:,}",
        f"{row.rate:.2f}",
        _ms(row.p50),
        _ms(row.p99),
        _ms(row.max),
        failed,
    ]
    tds = "".join(f"<td>{c}</td>" for c in cells) + f'<td class="text">{escape(errors)}</td>'
    return f'<tr class="{css}">{tds}</tr>'


def _errors_html(rows: list[figures.StepRow]) -> str:
    errors = figures.error_rows(rows)
    if not errors:
        return '<p class="ok">No request failed.</p>'
    body = "".join(
        f"<tr><td>{escape(step)}</td><td class=text>{escape(kind)}</td><td>{n:,}</td></tr>"
        for step, kind, n in errors
    )
    return (
        "<h2>Failures by kind</h2><p class=sub>A 429 or a 503 is the server refusing in time "
        "(Retry-After was obeyed).</p>"
        f"<table><tr><th>step</th><th class=text>kind</th><th>count</th></tr>{body}</table>"
    )


def _viewers_html(run: Rehearsed, seconds: float) -> str:
    rows = figures.viewer_rows(run, seconds)
    if not rows:
        return ""
    return "<h2>WebRTC viewers (aiortc over WHEP)</h2>" + _pairs_html(rows)


def _pairs_html(rows: list[tuple[str, str]]) -> str:
    body = "".join(f"<tr><td>{escape(k)}</td><td class=text>{escape(v)}</td></tr>" for k, v in rows)
    return f"<table><tr><th>figure</th><th class=text>value</th></tr>{body}</table>"


def _server_html(run: Rehearsed) -> str:
    scrapes = run.scrapes
    if not scrapes.readings:
        reason = "; ".join(scrapes.failures[:1]) or "not read"
        return f"<h2>The server's own figures</h2><p class=warn>/metrics: {escape(reason)}</p>"
    parts = [
        "<h2>The server's own figures</h2>",
        f"<p class=sub>/metrics of the node that answered, read {len(scrapes.readings)} times "
        "(at the start, every few seconds, at the end); over the run.</p>",
        _pairs_html(figures.server_rows(scrapes)),
    ]
    routes = figures.route_rows(scrapes)
    if routes:
        body = "".join(
            f"<tr><td>{escape(r)}</td><td>{n:,}</td><td>{p50}</td><td>{p99}</td></tr>"
            for r, n, p50, p99 in routes
        )
        parts.append(
            "<h2>Busiest routes, as the server timed them</h2><table><tr><th>route</th>"
            f"<th>answers</th><th>p50</th><th>p99</th></tr>{body}</table>"
        )
    charts = figures.server_charts(scrapes)
    if charts:
        parts.append("<div class=charts>")
        parts += [line_chart(title, unit, lines, log=log) for title, unit, lines, log in charts]
        parts.append("</div>")
    return "\n".join(parts)


def write_html(run: Rehearsed, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(run), encoding="utf-8")
    return path
