#!/usr/bin/env python3
"""One anonymous session against a started interop server.

    smoke.py URL ROOT_WRITABLE_DIR

URL is what start.sh printed; ROOT_WRITABLE_DIR is the host path of the
writable directory (WRITABLE_DIR in NAME.env), used to check that the upload
landed on disk byte-exact.  Prints one "step: ok|FAIL detail" line per step
and exits 0 only if every step passed.
"""
import ftplib
import io
import os
import sys
import urllib.parse

TIMEOUT = 15
SIZE = 1024 * 1024


def main():
    url, host_dir = sys.argv[1], sys.argv[2]
    u = urllib.parse.urlsplit(url)
    path = urllib.parse.unquote(u.path) or "/"
    payload = os.urandom(SIZE)
    token = os.urandom(4).hex()
    dirname = f"smoke-{token}"
    filename = "random-1MiB.bin"
    results = []
    ftp = None

    def step(name, fn):
        try:
            detail = fn()
            results.append((name, True, " | ".join(str(detail or "").splitlines())))
            return True
        except Exception as e:  # report and go on where it makes sense
            results.append((name, False, " | ".join(f"{type(e).__name__}: {e}".splitlines())))
            return False

    def login():
        nonlocal ftp
        ftp = ftplib.FTP(timeout=TIMEOUT)
        greeting = ftp.connect(u.hostname, u.port)
        resp = ftp.login(u.username or "anonymous", "anonymous@example.com")
        if not resp.startswith("230"):
            raise RuntimeError(resp)
        return greeting.splitlines()[-1]

    def cwd():
        ftp.cwd(path)
        return ftp.pwd()

    def list_():
        lines = []
        ftp.retrlines("LIST", lines.append)
        return f"{len(lines)} entries"

    def mkd():
        ftp.mkd(dirname)
        ftp.cwd(dirname)
        return ftp.pwd()

    def stor():
        resp = ftp.storbinary(f"STOR {filename}", io.BytesIO(payload))
        ondisk = os.path.join(host_dir, dirname, filename)
        with open(ondisk, "rb") as f:
            if f.read() != payload:
                raise RuntimeError(f"{ondisk} differs from what was sent")
        return resp

    def size():
        n = ftp.size(filename)
        if n != SIZE:
            raise RuntimeError(f"SIZE says {n}")
        return str(n)

    def retr():
        buf = io.BytesIO()
        ftp.retrbinary(f"RETR {filename}", buf.write)
        if buf.getvalue() != payload:
            raise RuntimeError(f"got {len(buf.getvalue())} bytes, not the ones sent")
        return "byte-exact"

    def list_active():
        ftp.set_pasv(False)
        try:
            names = ftp.nlst()
        finally:
            ftp.set_pasv(True)
        if not any(n.rstrip("/").endswith(filename) for n in names):
            raise RuntimeError(f"{filename} not in {names}")
        return "PORT ok"

    def dele():
        return ftp.delete(filename)

    def rmd():
        ftp.cwd("..")
        ftp.rmd(dirname)
        if os.path.exists(os.path.join(host_dir, dirname)):
            raise RuntimeError("directory still on disk")
        return "gone"

    def quit_():
        return ftp.quit()

    if step("login", login):
        ok = step("cwd", cwd) and step("list", list_) and step("mkd", mkd)
        if ok and step("stor", stor):
            step("size", size)
            step("retr", retr)
            step("nlst-active", list_active)
            step("dele", dele)
        if ok:
            step("rmd", rmd)
        step("quit", quit_)

    for name, ok, detail in results:
        print(f"  {name:12} {'ok  ' if ok else 'FAIL'} {detail}".rstrip())
    failed = [r for r in results if not r[1]]
    return 1 if failed or len(results) < 10 else 0


if __name__ == "__main__":
    sys.exit(main())
