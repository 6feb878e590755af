"""One parser per monitoring source: the source's own payload in, `ExternalEvent`s out.

Each parser is pure (no I/O): authentication (secrets, SNS signatures) happens before it, the alert
intake after it. A payload that is not the source's shape raises `PayloadError` naming the problem.
"""
