"""A book project: one folder, with a sandbox that no filename can leave."""

from __future__ import annotations

import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from collections.abc import Iterator
from typing import BinaryIO, Callable

from ..core.language import count_words

ALLOWED_SUFFIXES = (".md", ".txt")
MAX_NAME_LENGTH = 200
MAX_PROJECT_NAME = 100
MAX_NAME_BYTES = 240  # per folder or file name: 255 on most file systems, less room for a temporary file
STATE_DIR = ".kimi_writer"
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9_-]")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


class ProjectError(ValueError):
    """A file operation the model asked for that cannot be done (the message says why)."""


class PathRefused(ProjectError):
    """A filename that would leave the project or is not a manuscript file."""


def sanitize_project_name(name: str) -> str:
    """Spaces become `_`; only letters, digits, `_` and `-` remain."""
    cleaned = _UNSAFE_NAME_CHARS.sub("", name.strip().replace(" ", "_"))
    if not cleaned.strip("_-"):
        raise PathRefused(
            f"project name {name!r} has no letters or digits; use a name like 'Victorian_Mystery'"
        )
    return cleaned[:MAX_PROJECT_NAME]


@dataclass(frozen=True)
class FileInfo:
    """A manuscript file as listed to the model and the user."""

    name: str  # relative to the project root, with forward slashes
    words: int
    size: int
    modified: int = field(default=0, compare=False)  # st_mtime_ns: with the size, tells a changed file


def atomic_write_text(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves half a file; a new file
    follows the umask, a replaced one keeps its mode."""
    data = text.encode("utf-8")
    replace_atomically(path, lambda handle: handle.write(data))


_CREATE_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_ATTEMPTS = 100


def replace_atomically(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Let `write` fill a temporary file beside `path`, fsync it and rename it to `path`. A new
    file gets the mode the umask allows (0644 under 022); a replaced file keeps its mode.

    On any failure the temporary file is removed and `path` is left as it was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp, handle = _create_beside(path)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _create_beside(path: Path) -> tuple[Path, BinaryIO]:
    """A new, exclusively created `.NAME.RANDOM.tmp` in `path`'s folder, open for writing."""
    keep_mode = _mode_of(path)
    for _ in range(_ATTEMPTS):
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, _CREATE_NEW, 0o666)  # the kernel applies the umask
        except FileExistsError:
            continue
        if keep_mode is not None:
            os.fchmod(fd, keep_mode)
        return tmp, os.fdopen(fd, "wb")
    raise FileExistsError(f"could not create a temporary file beside {path}")


def _mode_of(path: Path) -> int | None:
    """The permission bits of the file at `path`, or None when there is no such file."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None


def _read_exact(path: Path, name: str) -> str:
    """The file's text with its line endings as they are; a non-UTF-8 file is an error."""
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return handle.read()
    except UnicodeDecodeError:
        raise ProjectError(f"{name} is not UTF-8 text; kimi-writer leaves it as it is, so that none of its "
                           "bytes are lost: write to another file") from None


def _resolved(path: Path) -> Path | None:
    """`path` with every link followed, or None for a link loop."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return None


def _folder_links_under(folder: Path) -> Iterator[Path]:
    """Every link to a folder under `folder` (none followed). A file there that is a link is replaced
    whole when written (a rename), never written through; a file written into a linked folder would be."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.is_symlink() and _is_folder(entry):
            yield Path(entry.path)
        elif entry.is_dir(follow_symlinks=False):
            yield from _folder_links_under(Path(entry.path))


def _is_folder(entry: os.DirEntry) -> bool:
    """Whether a listed entry is a folder, links followed; a link loop is none."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _check_name_bytes(filename: str, relative: PurePosixPath) -> None:
    for part in relative.parts:
        size = len(part.encode("utf-8", errors="surrogatepass"))
        if size > MAX_NAME_BYTES:
            raise PathRefused(f"filename {filename!r} has a part of {size} bytes; keep each folder and file "
                              f"name under {MAX_NAME_BYTES} bytes (an emoji takes 4)")


def writable_problem(folder: Path) -> str | None:
    """Why files cannot be made in `folder` (or, while it does not exist, in the folder that would
    hold it), or None when they can. Nothing is left behind."""
    existing = Path(folder).absolute()
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        return f"{existing} is not a folder"
    try:
        with tempfile.TemporaryFile(dir=existing):
            return None
    except OSError as error:
        return f"{existing} is not writable ({error.strerror or error})"


class Project:
    """One book's folder. Every path the model names is resolved inside it, or refused."""

    def __init__(self, root: Path):
        self.root = Path(root).resolve()
        self._texts: dict[str, tuple[tuple[int, int, int], str, int]] = {}  # by path, checked by file identity

    def _cached(self, path: Path | str, name: str, status: os.stat_result | None = None) -> tuple[str, int]:
        """(exact text, words) of a file, read again only when its inode, mtime or size changed."""
        status = status or os.stat(path)
        key = (status.st_ino, status.st_mtime_ns, status.st_size)
        cached = self._texts.get(str(path))
        if cached is None or cached[0] != key:
            text = _read_exact(path, name)
            cached = self._texts[str(path)] = (key, text, count_words(text))
        return cached[1], cached[2]

    def _text(self, path: Path, name: str) -> str:
        return self._cached(path, name)[0]

    @classmethod
    def open_or_create(cls, projects_dir: Path, name: str) -> tuple["Project", bool]:
        """The project `name` under `projects_dir`, made if missing; returns (project, created)."""
        root = Path(projects_dir) / sanitize_project_name(name)
        created = not root.exists()
        root.mkdir(parents=True, exist_ok=True)
        return cls(root), created

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    def resolve(self, filename: str) -> Path:
        """The absolute path of `filename`, refused if it could leave the project."""
        relative = self._checked(filename)
        path = _resolved(self.root / relative)
        if path is None:
            raise PathRefused(f"filename {filename!r} is a link that cannot be followed (a loop?)")
        if not path.is_relative_to(self.root):
            raise PathRefused(f"filename {filename!r} points outside the project (through a link)")
        return path

    def refuse_link(self, filename: str) -> None:
        """PathRefused when the file `filename` names, or a folder on its way, is a link: nothing is
        written through one, even one that points inside the project."""
        relative = self._checked(filename)
        if (self.root / relative).is_symlink():
            raise PathRefused(f"{filename.strip()} in {self.root} is a link; kimi-writer never writes through a "
                              "link in a project: replace it with a real file.")
        for depth in range(1, len(relative.parts)):
            folder = PurePosixPath(*relative.parts[:depth])
            if (self.root / folder).is_symlink():
                raise PathRefused(f"{folder} in {self.root} is a link to a folder; kimi-writer never writes through "
                                  f"a link in a project, so it cannot write {filename.strip()}: replace the link "
                                  "with a real folder.")

    def _checked(self, filename: str) -> PurePosixPath:
        """`filename` as a path relative to the project (`.md` added when it has no suffix), refused
        when it is empty, absolute, hidden, too long, uses '..' or has a suffix that cannot be written."""
        if not isinstance(filename, str) or not filename.strip():
            raise PathRefused("filename is empty; give a name like 'chapter_01.md'")
        filename = filename.strip()
        if len(filename) > MAX_NAME_LENGTH:
            raise PathRefused(f"filename is {len(filename)} characters long; keep it under {MAX_NAME_LENGTH}")
        if _CONTROL_CHARS.search(filename):
            raise PathRefused(f"filename {filename!r} contains control characters")
        if "\\" in filename or filename.startswith("/") or re.match(r"^[A-Za-z]:", filename):
            raise PathRefused(
                f"filename {filename!r} is absolute; use a path relative to the project, "
                "like 'chapters/chapter_01.md'"
            )
        relative = PurePosixPath(filename)
        if not relative.name or relative.name == ".":
            raise PathRefused(f"filename {filename!r} names no file; give a name like 'chapter_01.md'")
        if any(part == ".." for part in relative.parts):
            raise PathRefused(f"filename {filename!r} uses '..'; files must stay inside the project")
        if any(part.startswith(".") for part in relative.parts):
            raise PathRefused(f"filename {filename!r} names a hidden file; hidden files are reserved")
        if not relative.suffix:
            relative = relative.with_suffix(".md")
        _check_name_bytes(filename, relative)
        if relative.suffix.lower() not in ALLOWED_SUFFIXES:
            raise PathRefused(
                f"filename {filename!r} has the suffix {relative.suffix!r}; only .md and .txt files "
                "can be written"
            )
        return relative

    def contains(self, path: Path) -> bool:
        """Whether `path`, with every link followed, stays inside the project."""
        resolved = _resolved(path)
        return resolved is not None and resolved.is_relative_to(self.root)

    def _inside(self, folder: str, entry: os.DirEntry, folders: dict[str, bool]) -> bool:
        """contains(the entry), asking once per folder: a file that is no link, in a folder that stays
        inside, stays inside."""
        if folder not in folders:
            folders[folder] = self.contains(Path(folder))
        return folders[folder] and (not entry.is_symlink() or self.contains(Path(entry.path)))

    def safe_name(self, filename: object) -> str | None:
        """The project-relative name of `filename`, or None when the sandbox refuses it."""
        try:
            return self.relative_name(self.resolve(filename))  # type: ignore[arg-type]
        except PathRefused:
            return None

    def read_if_file(self, filename: str) -> str | None:
        """The text of a file inside the project (bytes that are not UTF-8 replaced); None when it is
        missing or its name or a link leads outside: nothing outside is ever read."""
        name = self.safe_name(filename)
        path = self.root / name if name is not None else None
        if path is None or not path.is_file():
            return None
        try:
            return self._text(path, filename)
        except ProjectError:
            return path.read_text(encoding="utf-8", errors="replace")

    def read_bytes_if_file(self, filename: str) -> bytes | None:
        """The exact bytes of a file inside the project; None when it is missing or leads outside."""
        name = self.safe_name(filename)
        path = self.root / name if name is not None else None
        if path is None or not path.is_file():
            return None
        return path.read_bytes()

    def check_state_dir(self) -> None:
        """Refuse a state folder (`.kimi_writer/`) that is a link, an entry in it that is a link pointing
        outside (never followed), or a link to a folder at any depth in it (never written through)."""
        state = self.state_dir
        entries = [state] + (sorted(state.iterdir()) if state.is_dir() and self.contains(state) else [])
        for path in entries:
            if (path.is_symlink() or path.exists()) and not self.contains(path):
                raise PathRefused(f"{path} is a link that points outside the project; kimi-writer does not "
                                  "follow it: replace it with a real folder or file.")
        link = next(_folder_links_under(state), None) if state.is_dir() and not state.is_symlink() else state
        if link is not None and link.is_symlink():
            raise PathRefused(f"{link} is a link to a folder; kimi-writer never writes through a link in a "
                              "project: replace it with a real folder.")

    def relative_name(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def write(self, filename: str, content: str, mode: str, bytes_kept: bool = False) -> tuple[str, int]:
        """Write `content` by `mode` (create|append|overwrite); returns (name, words in the file). A file
        that is not UTF-8 is never overwritten unless its exact bytes were kept elsewhere (`bytes_kept`)."""
        path = self.resolve(filename)
        name = self.relative_name(path)
        self.refuse_link(filename)
        if path.is_dir():
            raise FileExistsError(f"{name} is a folder, not a file")
        if mode == "overwrite" and not bytes_kept and path.is_file():
            self._text(path, name)  # ProjectError when it is not UTF-8: its bytes would be lost
        if mode == "create" and path.exists():
            raise FileExistsError(
                f"{name} already exists; use mode 'append' to add to it or 'overwrite' to replace it"
            )
        if mode == "append" and path.exists():
            content = self._text(path, name) + content
        try:
            atomic_write_text(path, content)
        except UnicodeEncodeError:
            raise ProjectError(f"the content for {name} has characters that cannot be saved as UTF-8 "
                               "(a broken emoji or escape?); send it again without them") from None
        return name, count_words(content)

    def read(self, filename: str) -> tuple[str, str]:
        """Returns (name, text) of a file in the project."""
        path = self.resolve(filename)
        name = self.relative_name(path)
        if not path.is_file():
            raise FileNotFoundError(f"{name} does not exist; call list_files to see the files")
        return name, self._text(path, name)

    def files(self) -> list[FileInfo]:
        """The manuscript files (.md, .txt), hidden ones and state left out, sorted by name."""
        found: list[FileInfo] = []
        folders: dict[str, bool] = {str(self.root): True}  # whether each folder stays inside, once per listing
        for name, folder, entry in self._visible():
            if os.path.splitext(entry.name)[1].lower() not in ALLOWED_SUFFIXES \
                    or not self._inside(folder, entry, folders):
                continue  # a link that points outside the project (or a link loop)
            try:
                status = entry.stat()
            except OSError:
                continue
            if stat.S_ISREG(status.st_mode):
                try:
                    words = self._cached(entry.path, name, status)[1]
                except ProjectError:  # not UTF-8: still listed
                    words = count_words(Path(entry.path).read_text(encoding="utf-8", errors="replace"))
                found.append(FileInfo(name, words, status.st_size, status.st_mtime_ns))
        return found

    def _visible(self) -> list[tuple[str, str, os.DirEntry]]:
        """(name, folder, entry) of each file under the root with no hidden part in its name, by name; hidden
        folders are never walked, nor a folder outside the project, nor one twice (a link loop)."""
        found: list[tuple[str, str, os.DirEntry]] = []
        self._scan(str(self.root), "", found, set())
        return sorted(found, key=lambda item: item[0].split("/"))

    def _scan(self, folder: str, base: str, found: list, walked: set[str]) -> None:
        real = os.path.realpath(folder)
        if real in walked or not (real == str(self.root) or real.startswith(str(self.root) + os.sep)):
            return
        walked.add(real)
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            if _is_folder(entry):
                self._scan(entry.path, f"{base}{entry.name}/", found, walked)
            else:
                found.append((f"{base}{entry.name}", folder, entry))
