#!/usr/bin/env python3
# Regenerate signed.json, the signed-statement fixtures of
# tests/http_statements.c: for each xAPI version, statements with a JWS
# (RS256 with an x5c certificate, RS512 without, a tampered signature, a
# payload that is another statement, HS256), the expected status, and the
# length and SHA-256 of the JWS (the tests cannot hash without libcrypto).
# Needs the openssl command.  Usage: python3 gen-signed.py > signed.json
import base64, hashlib, hmac, json, os, subprocess, tempfile

os.chdir(tempfile.mkdtemp())
subprocess.run("openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem "
               "-out cert.pem -days 36500 -subj /CN=lrsd-test && "
               "openssl x509 -in cert.pem -outform DER -out cert.der",
               shell=True, check=True, capture_output=True)
cert = base64.b64encode(open('cert.der', 'rb').read()).decode()

def b64u(b):
    return base64.urlsafe_b64encode(b).rstrip(b'=').decode()

def sign(payload, alg='RS256', x5c=True, tamper=False):
    h = {"alg": alg}
    if x5c:
        h["x5c"] = [cert]
    inp = (b64u(json.dumps(h, separators=(',', ':')).encode()) + '.' +
           b64u(json.dumps(payload, separators=(',', ':')).encode()))
    if alg.startswith('RS'):
        sig = subprocess.run(['openssl', 'dgst', '-sha' + alg[2:], '-sign',
                              'key.pem'], input=inp.encode(),
                             capture_output=True, check=True).stdout
    else:
        sig = hmac.new(b'secret', inp.encode(), hashlib.sha256).digest()
    if tamper:
        sig = bytes([sig[0] ^ 1]) + sig[1:]
    return inp + '.' + b64u(sig)

out = {}
for v, pfx in (("1.0.3", "6b3c1a52-7f43-4c5e-9d0e-1d2f3a4b5c0"),
               ("2.0.0", "6b3c1a52-7f43-4c5e-9d0e-1d2f3a4b5d0")):
    def st(i):
        return {"id": pfx + str(i + 1),
                "actor": {"objectType": "Agent",
                          "mbox": "mailto:signer@example.com"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/attested",
                         "display": {"en-US": "attested"}},
                "object": {"objectType": "Activity",
                           "id": "http://example.com/activities/signed"}}
    other = st(3)
    other["verb"] = {"id": "http://adlnet.gov/expapi/verbs/failed"}
    cases = [
        ("good RS256 with x5c", 200, st(0), sign(st(0))),
        ("good RS512 without x5c", 200, st(1),
         sign(st(1), 'RS512', x5c=False)),
        ("bad signature (x5c does not verify)", 400, st(2),
         sign(st(2), tamper=True)),
        ("payload is another statement", 400, st(3), sign(other)),
        ("HS256 is not allowed", 400, st(4), sign(st(4), 'HS256', x5c=False)),
    ]
    out[v] = [{"name": n, "expect": e, "statement": s, "jws": j,
               "sha2": hashlib.sha256(j.encode()).hexdigest(),
               "length": len(j)} for n, e, s, j in cases]
print(json.dumps(out, indent=1))
