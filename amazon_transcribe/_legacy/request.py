"""0.6.4's HTTP request objects: :class:`Request`, :class:`PreparedRequest`, :class:`HeadersDict`.

0.6.4 built the StartStreamTranscription request as a :class:`Request`,
turned it into a :class:`PreparedRequest` and signed that. Our client builds
its requests as plain ``(name, value)`` header lists from each operation's
table (:mod:`amazon_transcribe.operations`) and never uses these classes;
they are kept, with 0.6.4's behaviour, for code that builds or signs requests
itself.

Imports only the exception tree: the signer and the serializer of this layer
build on these classes, not the other way round.
"""

from __future__ import annotations

from io import BufferedIOBase, BytesIO
from typing import Any, Dict, Iterator, List, MutableMapping, Optional, Tuple, Union

from ..exceptions import ValidationException

__all__ = [
    "LIST_TYPE",
    "HEADER_VALUE_TYPE",
    "BODY_TYPE",
    "HeadersDict",
    "Request",
    "PreparedRequest",
]

#: A header given as several values (joined with ``;`` when stored).
LIST_TYPE = Union[Tuple[str, ...], List[str]]
#: What a header may be set to: one value, or several.
HEADER_VALUE_TYPE = Union[str, LIST_TYPE]
#: What a prepared request's body is: a binary file-like object.
BODY_TYPE = Union[BytesIO, BufferedIOBase]


def _clean(text: str) -> str:
    # A CR or LF inside a header would let a value inject further headers
    # (or end the header block), so they are dropped, not escaped.
    return text.replace("\r", "").replace("\n", "").strip(" ")


class HeadersDict(MutableMapping[str, Optional[str]]):
    """HTTP headers: a mapping whose keys compare case-insensitively.

    Names and values are stored cleaned: carriage returns and line feeds
    are removed and surrounding spaces stripped. A list or tuple value is
    stored as its items joined with ``;`` (``None`` items left out); any
    other value that is not a string or ``None`` is stored as ``str(value)``.
    A ``None`` value is kept, but :meth:`as_list` leaves it out. Iteration
    yields each name as it was first set.

    :param args: a mapping or an iterable of ``(name, value)`` pairs, as for
        :meth:`dict.update`.
    :param kwargs: more headers by name.
    :raises ValidationException: a header name is ``None`` (or not a string).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Folded name -> (name as first set, value).
        self._entries: Dict[str, Tuple[str, Optional[str]]] = {}
        self.update(*args, **kwargs)

    def __setitem__(self, key: Optional[str], value: Any) -> None:
        if key is None:
            raise ValidationException("a header name must not be None")
        if not isinstance(key, str):
            raise ValidationException(
                f"a header name must be a str, not {type(key).__name__}"
            )
        name = _clean(key)
        folded = name.lower()
        kept = self._entries.get(folded)
        self._entries[folded] = (name if kept is None else kept[0], self._value(value))

    @staticmethod
    def _value(value: Any) -> Optional[str]:
        if value is None:
            return None
        if isinstance(value, (list, tuple)):
            return ";".join(_clean(str(item)) for item in value if item is not None)
        return _clean(value if isinstance(value, str) else str(value))

    def __getitem__(self, key: str) -> Optional[str]:
        return self._entries[key.lower()][1]

    def __delitem__(self, key: str) -> None:
        del self._entries[key.lower()]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return repr(dict(self._entries.values()))

    def copy(self) -> "HeadersDict":
        """An independent copy.

        :returns: a new :class:`HeadersDict` with the same headers.
        """
        return HeadersDict(self.items())

    def as_list(self) -> List[Tuple[str, str]]:
        """The headers as ``(name, value)`` pairs, leaving out ``None`` values.

        :returns: the pairs, in the order the names were first set.
        """
        return [(name, value) for name, value in self._entries.values() if value is not None]


class Request:
    """An HTTP request before it is prepared: 0.6.4's request builder.

    Nothing is checked until :meth:`prepare`. Our client does not build
    requests this way: it hands an operation's header table to its signer
    and transport directly (see
    :meth:`amazon_transcribe.operations.OperationSpec.request_headers`).

    :param endpoint: the endpoint URL (scheme and host, e.g.
        ``https://transcribestreaming.us-east-1.amazonaws.com``).
    :param path: the request path.
    :param method: the HTTP method (upper-cased when prepared).
    :param headers: the headers; the mapping is kept, not copied.
    :param body: ``None``, ``str``, ``bytes`` or a binary file-like object
        (:class:`io.BufferedIOBase`).
    :param params: query parameters; a ``None`` value sends the bare name.
    """

    def __init__(
        self,
        endpoint: str,
        path: str = "/",
        method: str = "GET",
        headers: Optional[MutableMapping[str, Any]] = None,
        body: Any = None,
        params: Optional[MutableMapping[str, Any]] = None,
    ) -> None:
        #: The endpoint URL.
        self.endpoint: str = endpoint
        #: The request path.
        self.path: str = path
        #: The HTTP method as given.
        self.method: str = method
        #: The headers as given.
        self.headers: MutableMapping[str, Any] = headers if headers is not None else {}
        #: The query parameters as given.
        self.params: MutableMapping[str, Any] = params if params is not None else {}
        #: The body as given.
        self.body: Any = body

    def prepare(self) -> "PreparedRequest":
        """Prepare the request: method, query string, headers and body.

        :returns: the prepared request.
        :raises ValidationException: a header name is ``None``, or the body
            has a type a request cannot carry.
        """
        method = self.prepare_method()
        query = self.prepare_params()
        headers = self.prepare_headers()
        body = self.prepare_body()
        return PreparedRequest(self.endpoint, self.path, method, headers, body, query)

    def prepare_method(self) -> str:
        """The method, upper-cased.

        :returns: e.g. ``"POST"``.
        """
        return self.method.upper()

    def prepare_params(self) -> str:
        """The query string: ``name=value`` pairs joined with ``&``.

        Names and values are used as given, not percent-encoded (as in
        0.6.4): encode them before setting them if they need it. A ``None``
        value contributes the bare name.

        :returns: the query string, without a leading ``?`` (empty when
            there are no parameters).
        """
        return "&".join(
            str(name) if value is None else f"{name}={value}" for name, value in self.params.items()
        )

    def prepare_headers(self) -> HeadersDict:
        """The headers, cleaned and keyed case-insensitively.

        :returns: a new :class:`HeadersDict`.
        :raises ValidationException: a header name is ``None``.
        """
        prepared = HeadersDict()
        prepared.update(self.headers)
        return prepared

    def prepare_body(self) -> BODY_TYPE:
        """The body as a binary file-like object.

        :returns: a :class:`io.BytesIO` of the body for ``None`` (empty),
            ``str`` (UTF-8) and ``bytes``; a :class:`io.BufferedIOBase`
            body itself.
        :raises ValidationException: the body is of any other type.
        """
        body = self.body
        if body is None:
            return BytesIO(b"")
        if isinstance(body, str):
            return BytesIO(body.encode("utf-8"))
        if isinstance(body, bytes):
            return BytesIO(body)
        if isinstance(body, BufferedIOBase):
            return body
        raise ValidationException(
            f"a request body must be bytes, str or a binary file-like object, "
            f"not {type(body).__name__}"
        )


class PreparedRequest:
    """A request ready to be signed and sent.

    :param endpoint: the endpoint URL.
    :param path: the request path.
    :param method: the HTTP method.
    :param headers: the headers.
    :param body: the body.
    :param query_str: the query string, without ``?`` (may be empty).
    """

    def __init__(
        self,
        endpoint: str,
        path: str,
        method: str,
        headers: HeadersDict,
        body: BODY_TYPE,
        query_str: str,
    ) -> None:
        #: The endpoint URL.
        self.endpoint: str = endpoint
        #: The request path.
        self.path: str = path
        #: The HTTP method.
        self.method: str = method
        #: The headers.
        self.headers: HeadersDict = headers
        #: The body.
        self.body: BODY_TYPE = body
        #: The query string, without ``?``.
        self.query: str = query_str

    @property
    def uri(self) -> str:
        """The full URI: endpoint, one ``/``, path, then ``?query`` if any."""
        uri = f"{self.endpoint.rstrip('/')}/{self.path.lstrip('/')}"
        return f"{uri}?{self.query}" if self.query else uri
