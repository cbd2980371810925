"""A local Amazon Transcribe Streaming emulator (install the ``emulator`` extra).

HTTP/2 over TLS with a generated local CA, SigV4 verification, event-stream
framing, the service's errors and pluggable recognition engines.
"""
