"""Loopback stand-in for the crawled services: recorded responses at the real paths, and faults.

Run ``python tests/mockserver.py``; it binds 127.0.0.1 on a free port and prints its base URL.
Bodies come unmodified from ``<shared>/fixtures`` except where a route says *scripted*:
the end page of a ctgov search, the esearch Count scaled to the date span asked for, and
HTML wrappers around the clinic text excerpts (the fixtures hold text only).

Faults are queued per path with ``POST /_mock/faults {"<path>": ["429", ...]}``; each request to
that path consumes one: ``429`` (Retry-After: 1), ``503``, ``malformed``, ``html_error``,
``latin1``, ``huge`` (20 MB), ``redirect_loop``, ``slow`` (2 s delay, then normal). ``GET
/_mock/log`` lists requests; ``POST /_mock/reset`` clears faults and the log; ``POST
/_mock/robots`` with body ``wikipedia`` serves the real Wikipedia robots.txt (BOM included).
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
import threading
import time
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(os.environ.get("CELLVIGIL_SHARED", "../shared")) / "fixtures"
WP_POST_PATH = (
    "/en/the-critical-role-of-tissue-factor-in-the-endovenous-safety-of-mesenchymal-stem-cell-"
    "therapies/"
)
# Clinic text excerpts at the paths of the URLs they were published at.
CLINIC_PAGES = {
    "/the-procedure/": "clinics/page_novastem_mx_the_procedure.txt",
    "/en/stem-cells/how-to-choose-clinic": "clinics/page_regeneristherapy_how_to_choose_clinic.txt",
    "/stem-cells/how-are-stem-cells-prepared/": (
        "clinics/page_bluehorizonstemcells_how_prepared.txt"
    ),
    "/en/products/allogenic-stem-cells-therapy": (
        "clinics/page_biogenesisofficial_allogenic_stem_cells.txt"
    ),
}
ROBOTS_BLOCKED = ["/w/index.php?title=Stem_cell_therapy", "/wiki/Special:Random"]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


class State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.faults: dict[str, list[str]] = {}
        self.log: list[dict[str, object]] = []
        self.robots: str | None = None

    def pop_fault(self, path: str) -> str | None:
        with self.lock:
            queue = self.faults.get(path)
            return queue.pop(0) if queue else None


STATE = State()


def clinic_page(text: str, extra_head: str = "", links: list[str] | None = None) -> bytes:
    """Scripted: an HTML page around a recorded text excerpt (first line = title)."""
    lines = text.strip().split("\n")
    paras = "".join(f"<p>{html.escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    anchors = "".join(f'<a href="{html.escape(u)}">{html.escape(u)}</a> ' for u in links or [])
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(lines[0])}</title>"
        f"{extra_head}</head><body><nav>{anchors}</nav><main><article>{paras}</article></main>"
        "</body></html>"
    ).encode()


def homepage() -> bytes:
    links = list(CLINIC_PAGES) + [WP_POST_PATH, "/bad/latin1/", "http://example.com/elsewhere"]
    links += ROBOTS_BLOCKED
    head = '<link rel="https://api.w.org/" href="/en/wp-json/">'
    return clinic_page("Stem cell clinic\n\nTreatments, procedure and products.", head, links)


class Handler(BaseHTTPRequestHandler):
    server_version = "CellVigilMock/1.0"

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def send(self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def json(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None):
        self.send(status, body, "application/json;charset=UTF-8", headers)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path = urlsplit(self.path).path
        with STATE.lock:
            if path == "/_mock/faults":
                for key, actions in json.loads(body).items():
                    STATE.faults.setdefault(key, []).extend(actions)
            elif path == "/_mock/reset":
                STATE.faults.clear()
                STATE.log.clear()
                STATE.robots = None
            elif path == "/_mock/robots":
                STATE.robots = body.decode() or None
        self.json(b'{"ok":true}')

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        path, query = parts.path, parse_qs(parts.query)
        if path == "/_mock/log":
            with STATE.lock:
                self.json(json.dumps(STATE.log).encode())
            return
        with STATE.lock:
            STATE.log.append({"path": path, "query": parts.query, "t": time.time()})
        fault = STATE.pop_fault(path)
        if fault and self.fault(fault, path):
            return
        self.route(path, query)

    def fault(self, name: str, path: str) -> bool:
        """Serve a scripted fault; False means 'carry on with the normal answer'."""
        if name == "429":
            self.json(b'{"error":"Too Many Requests"}', 429, {"Retry-After": "1"})
        elif name == "503":
            self.send(503, b"<html><body>Service Unavailable</body></html>", "text/html")
        elif name == "malformed" and "/eutils/" in path:
            self.send(200, fixture("pubmed/efetch_pubmed_11748933_11700088.xml")[:900], "text/xml")
        elif name == "malformed":
            self.json(fixture("ctgov/search_page2_phelan_mcdermid.json")[:700])
        elif name == "html_error":
            body = b"<!DOCTYPE html><html><body><h1>Maintenance</h1>Back soon.</body></html>"
            self.send(200, body, "text/html; charset=utf-8")
        elif name == "latin1":
            body = '{"studies": [], "note": "caf\u00e9 r\u00e9sum\u00e9"}'.encode("latin-1")
            ctype = "text/html; charset=utf-8" if path.startswith("/bad/") else "application/json"
            if path.startswith("/bad/"):
                body = "<html><body><p>Cl\u00ednica de c\u00e9lulas madre</p></body></html>".encode(
                    "latin-1"
                )
            self.send(200, body, ctype)
        elif name == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(20 * 1024 * 1024))
            self.end_headers()
            chunk = b" " * (1024 * 1024)
            try:
                for _ in range(20):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif name == "redirect_loop":
            self.send(302, b"", "text/plain", {"Location": "/_loop/a"})
        elif name == "slow":
            time.sleep(2)
            return False
        else:
            return False
        return True

    def route(self, path: str, query: dict[str, list[str]]) -> None:
        if path == "/robots.txt":
            if STATE.robots == "wikipedia":
                self.send(200, fixture("robots/wikipedia_robots.txt"), "text/plain; charset=utf-8")
            else:
                self.send(404, b"not found", "text/plain")
        elif path.startswith("/_loop/"):
            target = "/_loop/b" if path.endswith("/a") else "/_loop/a"
            self.send(302, b"", "text/plain", {"Location": target})
        elif path == "/api/v2/studies":
            self.ctgov_search(query)
        elif m := re.fullmatch(r"/api/v2/studies/(NCT\d{8})", path):
            found = sorted(FIXTURES.glob(f"ctgov/study_{m.group(1)}_*.json"))
            if found:
                self.json(found[0].read_bytes())
            else:
                self.json(b'{"message":"Study not found"}', 404)
        elif path == "/entrez/eutils/esearch.fcgi":
            self.esearch(query)
        elif path == "/entrez/eutils/efetch.fcgi":
            self.send(200, fixture("pubmed/efetch_pubmed_11748933_11700088.xml"), "text/xml")
        elif path == "/europepmc/webservices/rest/search":
            self.europepmc(query)
        elif path.endswith("/wp-json/wp/v2/posts"):
            post = fixture("clinics/wp_post_stemcelltherapyargentina.json")
            page = int((query.get("page") or ["1"])[0])
            if page == 1:
                body = b"[" + post + b"]"
                self.json(body, headers={"X-WP-Total": "1", "X-WP-TotalPages": "1"})
            else:
                err = b'{"code":"rest_post_invalid_page_number","message":"out of range"}'
                self.json(err, 400)
        elif path in ("/", "/en/"):
            self.send(200, homepage(), "text/html; charset=utf-8")
        elif path in CLINIC_PAGES:
            text = fixture(CLINIC_PAGES[path]).decode("utf-8")
            self.send(200, clinic_page(text, links=["/"]), "text/html; charset=utf-8")
        elif path == WP_POST_PATH:
            post = json.loads(fixture("clinics/wp_post_stemcelltherapyargentina.json"))
            head = (
                '<link rel="alternate" type="application/json" href="/en/wp-json/wp/v2/posts/3654">'
            )
            body = clinic_page(
                post["title"]["rendered"] + "\n\n" + post["excerpt"]["rendered"], head
            )
            self.send(200, body, "text/html; charset=utf-8")
        elif path == "/bad/latin1/":
            self.fault("latin1", path)
        else:
            self.send(404, b"<html><body>Not Found</body></html>", "text/html")

    def ctgov_search(self, query: dict[str, list[str]]) -> None:
        page1 = fixture("ctgov/search_page1_phelan_mcdermid.json")
        page2 = fixture("ctgov/search_page2_phelan_mcdermid.json")
        token = (query.get("pageToken") or [None])[0]
        if token is None:
            self.json(page1)
        elif token == json.loads(page1)["nextPageToken"]:
            self.json(page2)
        else:  # scripted: the page after a full last page has no studies and no token
            self.json(b'{"studies":[]}')

    def esearch(self, query: dict[str, list[str]]) -> None:
        body = fixture("pubmed/esearch_xml_cancer_usehistory.xml")
        lo, hi = (query.get("mindate") or [None])[0], (query.get("maxdate") or [None])[0]
        if lo and hi:  # scripted: two records per day asked for, so slicing can be exercised
            span = date.fromisoformat(hi.replace("/", "-")) - date.fromisoformat(
                lo.replace("/", "-")
            )
            count = 2 * (span.days + 1)
            body = re.sub(rb"<Count>\d+</Count>", b"<Count>%d</Count>" % count, body, count=1)
        self.send(200, body, "text/xml; charset=UTF-8")

    def europepmc(self, query: dict[str, list[str]]) -> None:
        page1 = fixture("europepmc/search_core_cancer_page1_cursor.json")
        empty = fixture("europepmc/search_no_results.json")
        q = (query.get("query") or [""])[0]
        cursor = (query.get("cursorMark") or ["*"])[0]
        if q.startswith("EXT_ID:"):
            self.json(fixture("europepmc/search_ext_id_single_hit.json"))
        elif q == json.loads(empty)["request"]["queryString"]:
            self.json(empty)
        elif cursor == "*":
            self.json(page1)
        else:  # past the recorded page: the recorded empty result ends the cursor walk
            self.json(empty)


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    if not FIXTURES.is_dir():
        sys.exit(f"fixtures not found at {FIXTURES} (set CELLVIGIL_SHARED)")
    main()
