"""Which reader a file, a directory or an upload needs."""

import io
import json
import zipfile
from pathlib import Path

from hotline.directory.importer.datapackage import directory_source, zip_source
from hotline.directory.importer.json_form import json_source
from hotline.directory.importer.source import Problem, Source


def open_source(path: Path, kind: str = "auto") -> Source:
    """A directory (datapackage), a .zip of one, or a .json file."""
    if path.is_dir():
        return directory_source(path)
    if path.suffix.lower() == ".zip":
        return zip_source(zipfile.ZipFile(path))
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        return Source({}, False, {}, [Problem(path.name, "", "", f"is not JSON: {error}")])
    return json_source(data, path.name, kind)


def upload_source(name: str, content: bytes, kind: str = "auto") -> Source:
    if name.lower().endswith(".zip"):
        try:
            return zip_source(zipfile.ZipFile(io.BytesIO(content)))
        except zipfile.BadZipFile:
            return Source({}, True, {}, [Problem(name, "", "", "is not a zip archive")])
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        return Source({}, False, {}, [Problem(name, "", "", f"is not JSON: {error}")])
    return json_source(data, name, kind)
