"""Signing SNS deliveries in tests, as SNS would, with a certificate of the tests' own.

The real fixtures' own signatures can be checked only for aws-sdk-ruby's three messages, whose certificate was
published with them; the CloudWatch alarms and the subscription confirmation were signed with certificates
nobody kept. Those are re-signed here (SignatureVersion 1 or 2, the fields SNS signs, unchanged otherwise) with
a key whose certificate names sns.amazonaws.com, and tests serve that certificate for the message's own,
pinned SigningCertURL - never fetched from AWS.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from functools import cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from klaxon.monitoring import sns

VALID_FROM, VALID_UNTIL = datetime(2015, 1, 1, tzinfo=UTC), datetime(2035, 1, 1, tzinfo=UTC)


class SnsSigner:
    """A signing key and its certificate, issued to sns.amazonaws.com and valid 2015-2035."""

    def __init__(self) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
        certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                       .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                       .not_valid_before(VALID_FROM).not_valid_after(VALID_UNTIL).sign(self.key, hashes.SHA256()))
        self.pem = certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, payload: dict[str, Any], version: str = "1") -> dict[str, Any]:
        """The delivery with its SignatureVersion and Signature as SNS would have made them with this key."""
        signed = {**payload, "SignatureVersion": version}
        algorithm: hashes.HashAlgorithm = hashes.SHA1() if version == "1" else hashes.SHA256()  # noqa: S303
        signature = self.key.sign(sns.envelope(signed).string_to_sign(), padding.PKCS1v15(), algorithm)
        signed["Signature"] = base64.b64encode(signature).decode()
        return signed


@cache
def signer() -> SnsSigner:
    """One signer for the whole test run (an RSA key takes a moment to make)."""
    return SnsSigner()
