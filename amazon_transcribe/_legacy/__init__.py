"""0.6.4's internals, rebuilt on our core: the compatibility layer.

Code written against amazon-transcribe 0.6.4 sometimes reaches past the
documented API into its internals: it encodes events with
``eventstream.EventStreamMessageSerializer``, builds requests with
``request.Request``, signs them with ``signer.SigV4RequestSigner``... Those
names live here, one module per 0.6.4 module, and are re-exported at their
0.6.4 import paths (:mod:`amazon_transcribe.eventstream`,
:mod:`amazon_transcribe.request`, ...).

Each class keeps 0.6.4's signature and observable behaviour (return types,
the exceptions it raises) but is built on our core: the codec of
:mod:`amazon_transcribe._eventstream`, the event signer of
:mod:`amazon_transcribe._signer`, the exception tree. The core and the client
never import this package (``tests/test_layers.py`` holds them to it): our
own client streams through :mod:`amazon_transcribe.protocol` and
:mod:`amazon_transcribe.streams`, never through these classes.
"""
