"""How request bodies are read: never past the size limit, and JSON nested too deeply is bad
input (400), not a crash."""

from __future__ import annotations

from typing import IO, Any

from flask import Request as FlaskRequest
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_content_length, get_input_stream


class NestedTooDeeply(ValueError):
    """JSON nested deeper than the parser's recursion limit (``"[" * 1000 + "]" * 1000``)."""


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, except that nesting too deep is a ValueError like any other unreadable
    body: Flask answers 400 for it (``request.get_json``, the forms that read JSON) and the API
    names the body."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise NestedTooDeeply("JSON nested too deeply") from None


class _BoundedStream(LimitedStream):
    """The body of a request without Content-Length (``Transfer-Encoding: chunked``), at most
    ``max_content_length`` bytes. Werkzeug's stream for it ends quietly at the limit when read
    whole, so a longer body would be cut and read as if complete; this one looks one byte
    further and refuses it (413)."""

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted and self._stream.read(1):
            raise RequestEntityTooLarge()
        return data


class Request(FlaskRequest):
    @cached_property
    def stream(self) -> IO[bytes]:
        if self.shallow:
            raise RuntimeError("This request was created with 'shallow=True'.")
        limit = self.max_content_length
        if (
            limit is not None
            and "wsgi.input_terminated" in self.environ
            and get_content_length(self.environ) is None
        ):
            return _BoundedStream(self.environ["wsgi.input"], limit, is_max=True)
        return get_input_stream(self.environ, max_content_length=limit)
