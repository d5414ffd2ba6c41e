#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A scripted feed server for the feed integration tests (loopback only).

The same URL (/feed) answers according to the mode written in DIR/mode, so a test can
walk one feed through every failure without changing the config (the ETag and cache stay
those of one feed). Modes:
  ok           200 with DIR/list.txt (ETag; 304 when If-None-Match matches)
  ok-gzip      200, Content-Encoding: gzip of DIR/list.txt
  raw-gzip     200, a .gz payload without Content-Encoding
  other        200 with DIR/other.txt
  status-401   401 with AbuseIPDB's JSON error body
  status-429   429, Retry-After: 3600
  status-500   500 with an HTML page
  html-200     200 with an HTML page (a bot wall)
  json-error   200 with {"errors":[...]}
  empty        200 with an empty body
  slow         sends half the body, then stalls past the client's timeout
  truncated    Content-Length larger than the body, then closes
  oversize     an endless body (stopped by the client's byte cap)
  redirect-loop  302 to itself
  to-http      302 to http://127.0.0.1:HTTP_PORT/feed (used over TLS)
  to-location  302 to the URL in DIR/location (another origin: the API-key tests)
Every request is logged to DIR/requests.log with whether it carried a Key header.
Usage: feed_server.py DIR PORT [--tls CERT KEY] [--http-port N]
"""
import gzip
import http.server
import os
import socketserver
import ssl
import sys
import time

DIR = sys.argv[1]
PORT = int(sys.argv[2])
TLS = "--tls" in sys.argv
HTTP_PORT = int(sys.argv[sys.argv.index("--http-port") + 1]) if "--http-port" in sys.argv else 0


def read(name):
    with open(os.path.join(DIR, name), "rb") as f:
        return f.read()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        with open(os.path.join(DIR, "requests.log"), "a") as f:
            f.write("%s %s key=%s inm=%s\n" % (self.command, self.path,
                                               "yes" if self.headers.get("Key") else "no",
                                               self.headers.get("If-None-Match", "-")))

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        mode = read("mode").decode().strip()
        if mode in ("ok", "ok-gzip", "raw-gzip", "other"):
            body = read("other.txt" if mode == "other" else "list.txt")
            etag = '"%x"' % (hash(body) & 0xffffffff)
            if self.headers.get("If-None-Match") == etag:
                return self.reply(304, b"", [("ETag", etag)])
            headers = [("ETag", etag), ("Content-Type", "text/plain")]
            if mode == "ok-gzip":
                body = gzip.compress(body)
                headers.append(("Content-Encoding", "gzip"))
            elif mode == "raw-gzip":
                body = gzip.compress(body)
                headers = [("Content-Type", "application/gzip")]
            return self.reply(200, body, headers)
        if mode == "status-401":
            return self.reply(401, b'{"errors":[{"detail":"Authentication failed. Your API key is either missing, incorrect, or revoked.","status":401}]}',
                              [("Content-Type", "application/json")])
        if mode == "status-429":
            return self.reply(429, b'{"errors":[{"detail":"Daily rate limit of 5 requests exceeded.","status":429}]}',
                              [("Retry-After", "3600"), ("Content-Type", "application/json")])
        if mode == "status-500":
            return self.reply(500, b"<html><body><h1>500 Internal Server Error</h1></body></html>",
                              [("Content-Type", "text/html")])
        if mode == "html-200":
            return self.reply(200, b"<!DOCTYPE html><html><title>Just a moment...</title></html>",
                              [("Content-Type", "text/html")])
        if mode == "json-error":
            return self.reply(200, b'{"errors":[{"detail":"Daily rate limit of 5 requests exceeded.","status":429}]}')
        if mode == "empty":
            return self.reply(200, b"")
        if mode == "slow":
            body = read("list.txt")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            time.sleep(8)
            return
        if mode == "truncated":
            body = read("list.txt")
            self.send_response(200)
            self.send_header("Content-Length", str(len(body) + 1000))
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "oversize":
            self.send_response(200)
            self.end_headers()
            chunk = b"198.51.100.1\n" * 10000
            try:
                for _ in range(10000):  # bounded: ~1.3 GB at most, the client stops far earlier
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        if mode == "redirect-loop":
            return self.reply(302, b"", [("Location", "/feed")])
        if mode == "to-location":
            return self.reply(302, b"", [("Location", read("location").decode().strip())])
        if mode == "to-http":
            return self.reply(302, b"", [("Location", "http://127.0.0.1:%d/feed" % HTTP_PORT)])
        return self.reply(500, b"unknown mode")


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", PORT), Handler)
if TLS:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    i = sys.argv.index("--tls")
    ctx.load_cert_chain(sys.argv[i + 1], sys.argv[i + 2])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
