"""The read-only base every sandboxed child sees, built once per grading run.

The base holds copies of the sandbox project, the email templates and the
child-side grading code: no solutions/, no tests. Each submission then gets a
work folder of its own with only its exercise files and a fresh database copied
from a template migrated once.
"""

import compileall
import hashlib
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

from grading.paths import REPO, SANDBOX, TEMPLATES

CACHE = REPO / "var" / "grading"
_IGNORED = shutil.ignore_patterns("var", "*.sqlite3*", ".pytest_cache", "templates")


class Workspace:
    def __init__(self, root):
        self.root = Path(root)
        self.base = self.root / "base"
        self.template_db = self.root / "template.sqlite3"
        self.secret_key = secrets.token_urlsafe(48)

    def build(self):
        """Copy what a child needs into the base and prepare the database template."""
        self.base.mkdir(parents=True)
        shutil.copytree(SANDBOX, self.base / "sandbox_project",
                        ignore=shutil.ignore_patterns("*.sqlite3*"))
        shutil.copytree(TEMPLATES, self.base / "templates")
        shutil.copytree(REPO / "grading", self.base / "grading", ignore=_IGNORED)
        # settings.py creates var/ beside the project; the base is read-only to children.
        (self.base / "var").mkdir()
        compileall.compile_dir(self.base, quiet=1, workers=1)
        shutil.copyfile(template_database(), self.template_db)
        return self

    def new_work(self, name):
        """Return a fresh work folder for one submission, with its own database."""
        work = self.root / "work" / name
        for sub in ("exercises", "tmp", "broker", "var"):
            (work / sub).mkdir(parents=True)
        (work / "exercises" / "__init__.py").write_text("")
        shutil.copyfile(self.template_db, work / "db.sqlite3")
        return work


def template_database():
    """Return a migrated SQLite database with the cache table, built once per schema."""
    digest = hashlib.sha256()
    for path in sorted(SANDBOX.glob("*/migrations/*.py")):
        digest.update(path.name.encode() + path.read_bytes())
    import django

    digest.update(django.__version__.encode())
    target = CACHE / f"template-{digest.hexdigest()[:16]}.sqlite3"
    if target.exists():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    building = target.with_suffix(f".{os.getpid()}.tmp")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{building}",
           "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("REDIS_URL", None)
    script = ("import django; django.setup(); from django.core.management import call_command;"
              "call_command('migrate', verbosity=0, interactive=False);"
              "call_command('createcachetable', verbosity=0);"
              # One self-contained file: no WAL left beside it when it is copied.
              "from django.db import connection;"
              "connection.cursor().execute('PRAGMA journal_mode=DELETE'); connection.close()")
    subprocess.run([sys.executable, "-c", script], cwd=SANDBOX, env=env, check=True,
                   stdout=subprocess.DEVNULL)
    os.replace(building, target)
    return target
