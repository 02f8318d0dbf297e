"""Find the submissions in a folder and read their exercise files, trusting nothing.

A submission is a folder or a .zip named after the student that holds an
`exercises/` folder (at its top or one level down). Only the files named like
the workbook's exercise modules are taken; links, special files, oversized
files and everything else are left out and named in the notes.
"""

import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

FILE_CAP = 256 * 1024
ZIP_TOTAL_CAP = 4 * 1024 * 1024
ZIP_MEMBERS_CAP = 2000
NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class Submission:
    name: str
    source: str
    files: dict = field(default_factory=dict)
    notes: list = field(default_factory=list)
    error: str = ""


def student_name(path):
    """Return a safe name for the student from a folder or zip name."""
    stem = path.name[:-4] if path.name.lower().endswith(".zip") else path.name
    return NAME.sub("-", stem).strip(".-")[:80] or "student"


def find(folder, modules, skipped=None):
    """Return the submissions in `folder`, sorted by student name.

    Entries that are neither a folder nor a .zip are named in `skipped`, if given.
    """
    folder = Path(folder)
    found, taken = [], set()
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if not (path.is_dir() and not path.is_symlink()) and not path.name.lower().endswith(".zip"):
            if skipped is not None:
                skipped.append(path.name)
            continue
        name = base = student_name(path)
        counter = 2
        while name in taken:
            name, counter = f"{base}-{counter}", counter + 1
        taken.add(name)
        reader = read_zip if path.name.lower().endswith(".zip") else read_folder
        found.append(reader(path, name, modules))
    return found


def read_folder(path, name, modules):
    """Read a folder submission without following links."""
    submission = Submission(name, str(path))
    if path.is_symlink():
        submission.error = "the submission is a symbolic link; it was not followed"
        return submission
    folder = _exercises_folder(path)
    if folder is None:
        submission.error = "no exercises/ folder"
        return submission
    if folder.is_symlink():
        submission.error = "exercises/ is a symbolic link; it was not followed"
        return submission
    return _read_exercises(submission, folder, modules)


def read_exercises(folder, name, modules):
    """Read a folder that is itself an exercises/ folder, such as solutions/."""
    return _read_exercises(Submission(name, str(folder)), Path(folder), modules)


def _read_exercises(submission, folder, modules):
    wanted = {f"{module}.py" for module in modules}
    ignored = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name not in wanted:
            if entry.name.endswith(".py") and entry.name != "__init__.py":
                ignored.append(entry.name)
            continue
        mode = entry.stat(follow_symlinks=False).st_mode
        if stat.S_ISLNK(mode):
            submission.notes.append(f"{entry.name} is a symbolic link: ignored")
        elif not stat.S_ISREG(mode):
            submission.notes.append(f"{entry.name} is not a regular file: ignored")
        else:
            _take(submission, entry.name, _read_plain(entry.path))
    _note_ignored(submission, ignored)
    _note_missing(submission, wanted)
    return submission


def _exercises_folder(path):
    direct = path / "exercises"
    if direct.is_dir():
        return direct
    inner = [p for p in path.iterdir() if p.is_dir() and not p.name.startswith((".", "__"))]
    if len(inner) == 1 and (inner[0] / "exercises").is_dir():
        return inner[0] / "exercises"
    return None


def _read_plain(path):
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(FILE_CAP + 1)


def read_zip(path, name, modules):
    """Read a zip submission from its members, never extracting it to disk."""
    submission = Submission(name, str(path))
    try:
        if path.is_symlink() or not path.is_file() or not zipfile.is_zipfile(path):
            submission.error = "not a zip file"
            return submission
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > ZIP_MEMBERS_CAP:
                submission.error = f"the zip holds more than {ZIP_MEMBERS_CAP} files"
                return submission
            prefix = _zip_prefix(members)
            if prefix is None:
                submission.error = "no exercises/ folder"
                return submission
            wanted = {f"{module}.py" for module in modules}
            ignored, total = [], 0
            for member in members:
                member_path = PurePosixPath(member.filename)
                if member.is_dir() or str(member_path.parent) + "/" != prefix:
                    continue
                if member_path.name not in wanted:
                    if member_path.suffix == ".py" and member_path.name != "__init__.py":
                        ignored.append(member_path.name)
                    continue
                if stat.S_ISLNK(member.external_attr >> 16):
                    submission.notes.append(f"{member_path.name} is a symbolic link: ignored")
                    continue
                if member.flag_bits & 0x1:
                    submission.notes.append(f"{member_path.name} is encrypted: ignored")
                    continue
                with archive.open(member) as handle:
                    content = handle.read(FILE_CAP + 1)
                total += len(content)
                if total > ZIP_TOTAL_CAP:
                    submission.error = "the zip's exercise files are too large"
                    return submission
                _take(submission, member_path.name, content)
            _note_ignored(submission, ignored)
            _note_missing(submission, wanted)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError) as exc:
        submission.error = f"the zip file is damaged: {exc}"[:200]
    return submission


def _zip_prefix(members):
    """Return the folder path ("exercises/" or "alice/exercises/") that holds the exercises."""
    prefixes = set()
    for member in members:
        parts = PurePosixPath(member.filename).parts
        if "__MACOSX" in parts:
            continue
        for depth in (0, 1):
            if len(parts) > depth + 1 and parts[depth] == "exercises":
                prefixes.add("/".join(parts[:depth + 1]) + "/")
    return min(prefixes, key=len) if prefixes else None


def _take(submission, filename, content):
    if len(content) > FILE_CAP:
        submission.notes.append(f"{filename} is larger than {FILE_CAP // 1024} KiB: ignored")
        return
    submission.files[filename] = content


def _note_ignored(submission, ignored):
    """Name the Python files that were left out (a conftest.py, helpers); not the rest."""
    if ignored:
        shown = ", ".join(sorted(ignored)[:10]) + (" ..." if len(ignored) > 10 else "")
        submission.notes.append(f"ignored files: {shown}")


def _note_missing(submission, wanted):
    if not submission.files and not submission.error:
        submission.error = "no exercise files in exercises/"
