"""Which reader a file, a directory or an upload needs."""

import io
import json
import zipfile
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from hotline.directory.importer.datapackage import NOT_UTF8, directory_source, zip_source
from hotline.directory.importer.json_form import json_source
from hotline.directory.importer.source import Problem, Source


def open_source(path: Path, kind: str = "auto") -> Source:
    """A directory (datapackage), a .zip of one, or a .json file."""
    if path.is_dir():
        return directory_source(path)
    if path.suffix.lower() == ".zip":
        return _zip(path.open("rb"), path.name)
    size, most = path.stat().st_size, settings.HSDS_IMPORT_MAX_BYTES
    if size > most:
        # JSON is parsed whole: refuse it before reading it.
        message = f"is {size} bytes; at most {most} are taken (HSDS_IMPORT_MAX_BYTES)"
        return Source({}, False, {}, [Problem(path.name, "", "", message)])
    return _json(path.read_bytes(), path.name, kind)


def upload_source(name: str, content: bytes | IO[bytes], kind: str = "auto") -> Source:
    """An uploaded file: a .zip is read from the file itself, as a stream."""
    handle = io.BytesIO(content) if isinstance(content, bytes) else content
    if name.lower().endswith(".zip"):
        return _zip(handle, name)
    return _json(handle.read(), name, kind)


def _zip(handle: IO[bytes], name: str) -> Source:
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return Source({}, True, {}, [Problem(name, "", "", "is not a zip archive")])
    return zip_source(archive, name)


def _json(content: bytes, name: str, kind: str) -> Source:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return Source({}, False, {}, [Problem(name, f"line {line}", "", NOT_UTF8)])
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        where = getattr(error, "lineno", None)
        at = f" (line {where}, column {getattr(error, 'colno', '?')})" if where else ""
        message = f"is not valid JSON{at}: {getattr(error, 'msg', error)}"
        return Source({}, False, {}, [Problem(name, "", "", message)])
    except RecursionError:
        return Source({}, False, {}, [Problem(name, "", "", "is nested too deeply")])
    return json_source(data, name, kind)
