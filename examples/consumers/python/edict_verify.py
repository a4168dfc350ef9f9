"""Verify the signature of an Edict decision table (consumer spec, section 7).

Written from compiler/docs/consumer-spec.md, independently of the Rust
verifier. Needs the `cryptography` package for Ed25519; everything else is
the standard library.

    from edict_verify import load_public_key, verify
    keys = [load_public_key(open("regulator.pub", "rb").read())]
    kid = verify(table_bytes, signature_bytes, keys)   # raises SignatureError

A signature is a JWS (RFC 7515) in compact form with a detached payload: the
payload is the table file's exact bytes, the algorithm EdDSA (RFC 8037), the
key id the key's RFC 7638 thumbprint.
"""

import base64
import binascii
import hashlib
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from edict_eval import parse_json

TYP = "edict-table-signature+jws"
MAX_SIGNATURE = 64 << 10
HEADER_MEMBERS = {"alg", "typ", "kid", "iat", "edict"}
CLAIM_MEMBERS = {"policy", "digest", "label"}
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")


class SignatureError(Exception):
    """A refused table: `code` is E0801-E0804."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def b64url_decode(text):
    """Strict base64url without padding: no `=`, no other characters, and
    unused low bits zero (one encoding per byte string)."""
    if not B64URL.match(text) or len(text) % 4 == 1:
        raise ValueError("not base64url without padding")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data


def b64url_encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def thumbprint(raw):
    """RFC 7638 thumbprint of an Ed25519 public key's 32 bytes."""
    jwk = '{"crv":"Ed25519","kty":"OKP","x":"%s"}' % b64url_encode(raw)
    return b64url_encode(hashlib.sha256(jwk.encode("ascii")).digest())


class PublicKey:
    def __init__(self, raw):
        self.key = Ed25519PublicKey.from_public_bytes(raw)
        self.kid = thumbprint(raw)


def load_public_key(data):
    """A trusted key from an SPKI PEM file (`NAME.pub`) or a JWK (`NAME.jwk`)."""
    text = data.decode("utf-8").strip()
    if text.startswith("{"):
        jwk = parse_json(text.encode("utf-8"))
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "d" in jwk:
            raise ValueError("not a public Ed25519 JWK")
        raw = b64url_decode(jwk["x"])
        if len(raw) != 32:
            raise ValueError("the JWK's x is not 32 bytes")
        key = PublicKey(raw)
        if "kid" in jwk and jwk["kid"] != key.kid:
            raise ValueError("the JWK's kid is not its RFC 7638 thumbprint")
        return key
    loaded = serialization.load_pem_public_key(text.encode("ascii"))
    if not isinstance(loaded, Ed25519PublicKey):
        raise ValueError("not an Ed25519 public key")
    return PublicKey(loaded.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def verify(table, signature, trusted):
    """Checks `signature` (bytes of TABLE.sig) over the exact bytes `table`
    with one of `trusted` (PublicKey list); returns the header on success."""
    def malformed(message):
        return SignatureError("E0802", message)

    # 1. The envelope: ASCII, three parts, the middle one empty.
    if len(signature) > MAX_SIGNATURE:
        raise malformed("the signature file is too large")
    try:
        text = signature.decode("ascii").strip()
    except UnicodeDecodeError:
        raise malformed("the signature file is not ASCII text")
    parts = text.split(".")
    if len(parts) != 3:
        raise malformed(f"a compact JWS has 3 parts; this has {len(parts)}")
    protected, payload, sig = parts
    if payload:
        raise malformed("the payload must be detached")
    # 2. The protected header: strict JSON, exactly the members Edict writes,
    #    and the algorithm checked before anything else is trusted.
    try:
        header = parse_json(b64url_decode(protected))
    except (ValueError, binascii.Error) as e:
        raise malformed(f"the header is not base64url JSON without repeated members: {e}")
    if not isinstance(header, dict):
        raise malformed("the header is not an object")
    if header.get("alg") != "EdDSA":
        raise malformed(f"the algorithm {header.get('alg')!r} is not accepted; only EdDSA is")
    claims = header.get("edict")
    if (set(header) != HEADER_MEMBERS or header["typ"] != TYP or not isinstance(header["kid"], str)
            or type(header["iat"]) is not int or header["iat"] < 0
            or not isinstance(claims, dict) or set(claims) != CLAIM_MEMBERS
            or not all(isinstance(v, str) for v in claims.values())):
        raise malformed("the header is not an Edict signature header")
    try:
        sig = b64url_decode(sig)
    except (ValueError, binascii.Error):
        sig = b""
    if len(sig) != 64:
        raise malformed("the signature is not 64 bytes of base64url")
    # 3. The key: one of the trusted ones, by id.
    key = next((k for k in trusted if k.kid == header["kid"]), None)
    if key is None:
        raise SignatureError("E0803", f"signed by key {header['kid']!r}, which is not trusted")
    # 4. The signature over BASE64URL(header) '.' BASE64URL(table bytes).
    try:
        key.key.verify(sig, protected.encode("ascii") + b"." + b64url_encode(table).encode("ascii"))
    except InvalidSignature:
        raise SignatureError("E0804", "the signature does not match the table's bytes")
    # 5. The claims: the table's digest and policy.
    digest = "sha256:" + hashlib.sha256(table).hexdigest()
    if claims["digest"] != digest:
        raise SignatureError("E0804", "the signed digest is not the table's")
    try:
        policy = parse_json(table).get("policy")
    except (ValueError, AttributeError):
        policy = None
    if claims["policy"] != policy:
        raise SignatureError("E0804", "the signed policy is not the table's")
    return header
