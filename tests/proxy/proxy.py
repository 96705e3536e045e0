#!/usr/bin/env python3
"""The production TLS proxy (docker/) outside Docker: Debian's nginx runs
docker/nginx.conf (its paths, upstream and ports rewritten into a temp
dir) through docker/proxy-entrypoint.sh, in front of a real lrsd on
loopback.  Checks:

  - nginx -t accepts the configuration;
  - the entrypoint makes a self-signed certificate on first start, reuses
    it on restart, and a mounted certificate wins over it;
  - HTTPS through the proxy: /xapi/about, /health, a POST of a statement
    read back, HSTS on every reply, plain HTTP redirected, /metrics kept
    inside;
  - lrsd sees the client's address through X-Forwarded-For (its access
    log), not the proxy's and not one the client made up;
  - docker/healthcheck.sh (the image's HEALTHCHECK) says yes to a live
    lrsd and no to a closed port;
  - slow clients: PROXY_IDLE idle keep-alive connections (default 400),
    PROXY_HEADS half-sent request heads (400) and PROXY_BODIES half-sent
    bodies (100) held open through the proxy while a fresh client (new
    TCP connection and TLS handshake) gets /xapi/about in under 100 ms,
    and no half-sent body reaches lrsd (proxy_request_buffering).

    python3 tests/proxy/proxy.py --lrsd bin/lrsd

Ends with "N passed, M failed"; exit 0 only when M == 0.  Needs nginx
and openssl (tools/deps.sh).
"""
import argparse, base64, json, os, re, resource, signal, socket, ssl
import statistics, subprocess, sys, tempfile, time, uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
AUTH = "Basic " + base64.b64encode(b"test:testsecret1").decode()
passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what, file=sys.stderr)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if proc.poll() is not None:
            return False
        try:
            s = socket.create_connection(("127.0.0.1", port), 0.5)
            # Retrying a loopback connect to a port in the ephemeral
            # range ends, now and then, connected to itself.
            self_connected = s.getsockname() == s.getpeername()
            s.close()
            if not self_connected:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def rewrite(conf, state, lrsd_port, tls_port, http_port):
    """docker/nginx.conf with its container paths and ports made local.
    Each rewrite must apply, so a change of the file breaks this loudly."""
    subs = [
        (r"/var/lib/lrsd-proxy", state),
        (r"server lrsd:8080;", "server 127.0.0.1:%d;" % lrsd_port),
        (r"listen 8443 ssl http2;", "listen 127.0.0.1:%d ssl http2;" % tls_port),
        (r"listen 8080;", "listen 127.0.0.1:%d;" % http_port),
        (r"\n *listen \[::\]:\d+[^;]*;", ""),
        (r"access_log /dev/stdout proxy;",
         "access_log %s/access.log proxy;" % state),
        # The slow-client check needs the held connections to outlive its
        # own setup on a busy machine: the timeouts are lengthened, not
        # the limits.
        (r"keepalive_timeout 5s;", "keepalive_timeout 120s;"),
        (r"client_header_timeout 10s;", "client_header_timeout 120s;"),
    ]
    for pat, rep in subs:
        conf, n = re.subn(pat, rep.replace("\\", "\\\\"), conf)
        check(n > 0, "nginx.conf still has %r to rewrite" % pat)
    if os.geteuid() == 0:
        # Workers would otherwise run as nobody, locked out of the state
        # directory the test made.
        conf = "user root;\n" + conf
    return conf


class Proxy:
    """docker/proxy-entrypoint.sh running nginx in the foreground."""

    def __init__(self, tmp, conf, certs, state, tls_port):
        self.env = dict(os.environ, LRSD_PROXY_CERTS=certs,
                        LRSD_PROXY_STATE=state, LRSD_PROXY_CONF=conf,
                        LRSD_PROXY_HOSTNAME="localhost")
        self.tls_port, self.tmp, self.proc, self.runs = tls_port, tmp, None, 0
        self.state = state

    def start(self):
        self.runs += 1
        self.logname = "%s/entrypoint-%d.log" % (self.tmp, self.runs)
        self.log = open(self.logname, "w")
        self.proc = subprocess.Popen(
            ["sh", os.path.join(ROOT, "docker/proxy-entrypoint.sh")],
            env=self.env, stdout=self.log, stderr=self.log)
        # The entrypoint's nginx -t binds the ports for a moment too: wait
        # for the pid file of the nginx it execs (same pid) first.
        pidfile, up, end = self.state + "/nginx.pid", False, time.time() + 30
        while time.time() < end and self.proc.poll() is None and not up:
            try:
                up = int(open(pidfile).read()) == self.proc.pid
            except (OSError, ValueError):
                time.sleep(0.05)
        up = up and wait_port(self.tls_port, self.proc)
        check(up, "proxy started (run %d): %s" % (self.runs, self.text()))
        return up

    def text(self):
        return open(self.logname).read()

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        try:
            rc = self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        check(rc == 0, "nginx stopped cleanly (exit %d)" % rc)


def served_cert(port):
    """The DER certificate the proxy presents."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), 5) as s:
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return t.getpeercert(binary_form=True)


def pem_der(path):
    return ssl.PEM_cert_to_DER_cert(open(path).read())


def tls_context(cafile):
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    return ctx


def tls_connect(ctx, port, source="127.0.0.1", timeout=10):
    s = socket.create_connection(("127.0.0.1", port), timeout,
                                 source_address=(source, 0))
    return ctx.wrap_socket(s, server_hostname="localhost")


def read_reply(sock):
    """One HTTP/1.1 reply with a Content-Length: (status, headers, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed before the reply head")
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        k, v = line.split(":", 1)
        headers[k.strip().lower()] = v.strip()
    want = int(headers.get("content-length", "0"))
    while len(body) < want:
        chunk = sock.recv(65536)
        if not chunk:
            raise OSError("closed inside the reply body")
        body += chunk
    return status, headers, body


def request(sock, method, path, body=None, headers=None):
    h = {"Host": "localhost", "X-Experience-API-Version": "1.0.3"}
    h.update(headers or {})
    if body is not None:
        h["Content-Length"] = str(len(body))
    text = "%s %s HTTP/1.1\r\n" % (method, path)
    text += "".join("%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    sock.sendall(text.encode() + (body or b""))
    return read_reply(sock)


def call(ctx, port, method, path, body=None, headers=None, source="127.0.0.1"):
    with tls_connect(ctx, port, source) as s:
        return request(s, method, path, body, headers)


def check_entrypoint_certs(tmp, proxy, state, certs, tls_port):
    """Self-signed on first start, the same after a restart, a mounted
    certificate over it.  Leaves the proxy stopped."""
    self_pem = os.path.join(state, "self/fullchain.pem")
    if not proxy.start():
        return
    check("making a self-signed one" in proxy.text(),
          "first start makes a certificate: %s" % proxy.text())
    first = pem_der(self_pem)
    check(served_cert(tls_port) == first, "the self-signed one is served")
    mode = os.stat(os.path.join(state, "self/privkey.pem")).st_mode & 0o777
    check(mode == 0o600, "the private key is 0600 (is %o)" % mode)
    proxy.stop()

    if not proxy.start():
        return
    check("reusing the self-signed" in proxy.text(),
          "restart reuses the certificate: %s" % proxy.text())
    check(served_cert(tls_port) == first, "the same certificate after restart")
    proxy.stop()

    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=DNS:localhost",
                    "-keyout", os.path.join(certs, "privkey.pem"),
                    "-out", os.path.join(certs, "fullchain.pem")],
                   check=True, capture_output=True)
    if not proxy.start():
        return
    mounted = pem_der(os.path.join(certs, "fullchain.pem"))
    check(served_cert(tls_port) == mounted and mounted != first,
          "a mounted certificate wins")
    check(pem_der(self_pem) == first, "the self-signed one is kept aside")
    proxy.stop()
    os.unlink(os.path.join(certs, "privkey.pem"))
    rc = subprocess.run(["sh", os.path.join(ROOT, "docker/proxy-entrypoint.sh")],
                        env=proxy.env, capture_output=True, text=True)
    check(rc.returncode == 1 and "only one of" in rc.stderr,
          "half a mounted pair is refused: %d %s" % (rc.returncode, rc.stderr))
    os.unlink(os.path.join(certs, "fullchain.pem"))


def check_traffic(ctx, tls_port, http_port, lrsd_log):
    st, h, body = call(ctx, tls_port, "GET", "/xapi/about")
    check(st == 200 and "version" in json.loads(body), "about through the proxy")
    hsts = h.get("strict-transport-security", "")
    check(re.match(r"max-age=\d{7,}", hsts) is not None,
          "HSTS on a reply: %r" % hsts)
    st, h, _ = call(ctx, tls_port, "GET", "/health")
    check(st == 200, "/health through the proxy (%d)" % st)
    st, h, _ = call(ctx, tls_port, "GET", "/xapi/nowhere")
    check(st >= 400 and "strict-transport-security" in h,
          "HSTS on an error reply too (%d %r)" % (st, h))
    st, _, _ = call(ctx, tls_port, "GET", "/metrics")
    check(st == 404, "/metrics is not published (%d)" % st)

    sid = str(uuid.uuid4())
    stmt = {"id": sid, "actor": {"mbox": "mailto:proxy@example.com"},
            "verb": {"id": "http://example.com/verbs/proxied"},
            "object": {"id": "http://example.com/activities/tls"}}
    st, _, body = call(ctx, tls_port, "POST", "/xapi/statements",
                       json.dumps(stmt).encode(),
                       {"Authorization": AUTH,
                        "Content-Type": "application/json",
                        "X-Forwarded-For": "6.6.6.6",
                        "X-Request-Id": "proxytest-post-1"},
                       source="127.0.0.7")
    check(st == 200 and json.loads(body) == [sid],
          "POST through the proxy (%d %r)" % (st, body[:200]))
    st, _, body = call(ctx, tls_port, "GET",
                       "/xapi/statements?statementId=" + sid,
                       headers={"Authorization": AUTH})
    check(st == 200 and json.loads(body)["verb"]["id"].endswith("proxied"),
          "the statement reads back (%d)" % st)

    with socket.create_connection(("127.0.0.1", http_port), 5) as s:
        s.sendall(b"GET /xapi/about HTTP/1.1\r\nHost: localhost\r\n"
                  b"Connection: close\r\n\r\n")
        head = s.recv(4096).decode("latin-1")
    check(" 301 " in head.split("\r\n")[0] and
          "Location: https://localhost/xapi/about" in head,
          "plain HTTP redirects to HTTPS: %r" % head[:120])

    time.sleep(0.3)
    lines = [l for l in open(lrsd_log).read().splitlines()
             if "proxytest-post-1" in l and " access " in l]
    check(len(lines) == 1 and " 127.0.0.7 " in lines[0] and
          "6.6.6.6" not in lines[0],
          "lrsd logs the client from X-Forwarded-For: %r" % lines)


def check_healthcheck(lrsd_port):
    script = os.path.join(ROOT, "docker/healthcheck.sh")
    env = dict(os.environ, LRSD_HEALTH_PORT=str(lrsd_port))
    rc = subprocess.run(["bash", script], env=env).returncode
    check(rc == 0, "healthcheck.sh: live lrsd is healthy (%d)" % rc)
    env["LRSD_HEALTH_PORT"] = str(free_port())
    rc = subprocess.run(["bash", script], env=env,
                        capture_output=True).returncode
    check(rc == 1, "healthcheck.sh: a closed port is unhealthy (%d)" % rc)


def lrsd_sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            n += os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:")
        except OSError:
            pass
    return n


def fresh_about(ctx, port):
    t = time.monotonic()
    st, _, _ = call(ctx, port, "GET", "/xapi/about")
    return st, (time.monotonic() - t) * 1000


def check_slow_clients(ctx, tls_port, lrsd_pid, nidle, nheads, nbodies):
    held = []
    sources = ["127.0.0.%d" % (10 + i % 200) for i in range(max(
        nidle, nheads, nbodies))]
    t0 = time.monotonic()
    try:
        for i in range(nidle):
            s = tls_connect(ctx, tls_port, sources[i])
            st, _, _ = request(s, "GET", "/xapi/about")
            if st != 200:
                break
            held.append(s)
        check(len(held) == nidle, "%d idle keep-alive connections opened "
              "(%d)" % (nidle, len(held)))
        for i in range(nheads):
            s = tls_connect(ctx, tls_port, sources[i])
            s.sendall(b"GET /xapi/about HTTP/1.1\r\nHost: localhost\r\n"
                      b"X-Experience-API-Version: 1.0.3\r\n")
            held.append(s)
        for i in range(nbodies):
            s = tls_connect(ctx, tls_port, sources[i])
            s.sendall(b"POST /xapi/statements HTTP/1.1\r\nHost: localhost\r\n"
                      b"Authorization: " + AUTH.encode() + b"\r\n"
                      b"X-Experience-API-Version: 1.0.3\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: 4000\r\n\r\n{\"actor\":")
            held.append(s)
        setup = time.monotonic() - t0
        time.sleep(0.5)
        times = []
        for _ in range(7):
            st, ms = fresh_about(ctx, tls_port)
            check(st == 200, "fresh about with %d held (%d)" % (len(held), st))
            times.append(ms)
        med = statistics.median(times)
        print("proxy: %d idle + %d half-sent heads + %d half-sent bodies held "
              "(set up in %.1f s); fresh /xapi/about over new TLS: median "
              "%.1f ms, max %.1f ms" % (nidle, nheads, nbodies, setup, med,
                                        max(times)))
        check(med < 100, "fresh client under 100 ms (median %.1f ms)" % med)
        socks = lrsd_sockets(lrsd_pid)
        check(socks < 40, "half-sent bodies never reach lrsd (it holds %d "
              "sockets)" % socks)
        # The held connections are still there: the idle ones still answer.
        alive = 0
        for s in held[:nidle][:: max(1, nidle // 20)]:
            try:
                alive += request(s, "GET", "/xapi/about")[0] == 200
            except OSError:
                pass
        check(alive == len(held[:nidle][:: max(1, nidle // 20)]),
              "idle connections still served after the measure (%d)" % alive)
    finally:
        for s in held:
            s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lrsd", required=True)
    args = ap.parse_args()
    nidle = int(os.environ.get("PROXY_IDLE", "400"))
    nheads = int(os.environ.get("PROXY_HEADS", "400"))
    nbodies = int(os.environ.get("PROXY_BODIES", "100"))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    tmp = tempfile.mkdtemp(prefix="lrsd-proxy-")
    state, certs = os.path.join(tmp, "state"), os.path.join(tmp, "certs")
    os.makedirs(state)
    os.makedirs(certs)
    lrsd_port, tls_port, http_port = free_port(), free_port(), free_port()
    conf = os.path.join(tmp, "nginx.conf")
    with open(conf, "w") as f:
        f.write(rewrite(open(os.path.join(ROOT, "docker/nginx.conf")).read(),
                        state, lrsd_port, tls_port, http_port))

    lrsd_log = os.path.join(tmp, "lrsd.log")
    lrsd = subprocess.Popen(
        [args.lrsd, "serve", "--listen", "127.0.0.1:%d" % lrsd_port,
         "--data", os.path.join(tmp, "data"), "--admin", "test:testsecret1",
         "--access-log", "--trusted-proxies", "127.0.0.1",
         "--max-per-address", "0", "--threads", "8"],
        stdout=open(lrsd_log, "w"), stderr=subprocess.STDOUT)
    proxy = Proxy(tmp, conf, certs, state, tls_port)
    try:
        check(wait_port(lrsd_port, lrsd), "lrsd started")
        check_healthcheck(lrsd_port)
        check_entrypoint_certs(tmp, proxy, state, certs, tls_port)
        if proxy.start():
            # The entrypoint has linked the certificate nginx.conf names.
            rc = subprocess.run(["nginx", "-e", "stderr", "-t", "-c", conf],
                                capture_output=True, text=True)
            check(rc.returncode == 0 and "test is successful" in rc.stderr,
                  "nginx -t: %s" % rc.stderr)
            ctx = tls_context(os.path.join(state, "self/fullchain.pem"))
            check_traffic(ctx, tls_port, http_port, lrsd_log)
            check_slow_clients(ctx, tls_port, lrsd.pid, nidle, nheads, nbodies)
            proxy.stop()
    finally:
        if proxy.proc and proxy.proc.poll() is None:
            # SIGTERM: the master takes its workers along (SIGKILL would
            # leave them orphaned).
            proxy.proc.terminate()
            proxy.proc.wait()
        lrsd.terminate()
        rc = lrsd.wait()
        check(rc == 0, "lrsd stopped cleanly (exit %d)" % rc)
    if failed:
        sys.stderr.write("lrsd log tail:\n" + open(lrsd_log).read()[-3000:])
    else:
        subprocess.run(["rm", "-rf", tmp])
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
