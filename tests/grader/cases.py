"""The submissions the grader's self-checks grade, built from solutions/ by small edits.

Each case says what it should score: exercises it breaks lose exactly the points
listed (public tests, and hidden tests when the instructor's copy has them);
every other exercise keeps full marks.
"""

import re
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grading.paths import REPO, SOLUTIONS

MARK = "grader-selfcheck"
OUTSIDE = [Path("/tmp") / f"{MARK}-pwned", REPO / f"{MARK}-pwned",
           Path.home() / f"{MARK}-pwned"]


@dataclass
class Case:
    name: str
    # exercise -> (points lost in public tests, points lost in hidden tests)
    loses: dict = field(default_factory=dict)
    status: list = field(default_factory=list)  # phrases the gradebook status must hold
    zero: bool = False  # every exercise scores 0


def solution(module):
    return (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")


def edit(source, old, new):
    """Replace `old` by `new` once; fail loudly if the solution changed under the test."""
    assert source.count(old) == 1, f"the solution no longer holds {old[:60]!r}"
    return source.replace(old, new)


def replace_body(source, function, body):
    """Replace the solution block inside `function` with `body` (indented by four)."""
    start = source.index(f"def {function}(")
    begin = source.index("### BEGIN SOLUTION", start)
    end = source.index("### END SOLUTION", begin)
    line_start = source.rindex("\n", 0, begin) + 1
    line_end = source.index("\n", end) + 1
    indented = "".join(f"    {line}\n" if line else "\n" for line in body.strip("\n").split("\n"))
    return source[:line_start] + indented + source[line_end:]


def modules():
    return sorted(p.stem for p in SOLUTIONS.glob("ex[0-9][0-9]_*.py"))


def write_folder(root, name, changes=(), extra=None):
    """Write a folder submission: solutions with `changes` {module: source} and extra files."""
    folder = root / name / "exercises"
    folder.mkdir(parents=True)
    changes = dict(changes)
    for module in modules():
        content = changes.get(module, solution(module))
        data = content if isinstance(content, bytes) else content.encode()
        (folder / f"{module}.py").write_bytes(data)
    for relative, text in (extra or {}).items():
        path = root / name / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / name


WRONG_EDITS = {
    # No text alternative: the HTML is the body.
    "ex02_html_email": lambda s: edit(
        s, "    message = EmailMultiAlternatives(subject, text, to=[to])\n"
           '    message.attach_alternative(html, "text/html")',
        "    message = EmailMultiAlternatives(subject, html, to=[to])\n"
        '    message.content_subtype = "html"'),
    # Mails unsubscribed readers.
    "ex05_new_book_notification": lambda s: edit(
        s, "Profile.objects.filter(subscribed_to_notifications=True, user__is_active=True)",
        "Profile.objects.filter(user__is_active=True)"),
    # Get-then-set.
    "ex07_rate_limit": lambda s: edit(
        s, '''    return cache.add(f"email-rate:{kind}:{digest}", 1, timeout=seconds)''',
        '''    key = f"email-rate:{kind}:{digest}"
    if cache.get(key):
        return False
    cache.set(key, 1, timeout=seconds)
    return True'''),
    # Header injection not handled: Django's BadHeaderError escapes.
    "ex11_header_injection": lambda s: edit(edit(
        s, "    if any(has_line_break(value) for value in (name, email, subject)):\n"
           '        return "refused"\n', ""), '''    try:
        mail.send()
    except BadHeaderError:
        return "refused"
    return "sent"''', '''    mail.send()
    return "sent"'''),
}
WRONG_EDITS_B = {
    # An HTML part in what must be plain text.
    "ex01_console_email": lambda s: edit(
        s, "return send_mail(subject, body, None, [to], fail_silently=False)",
        'return send_mail(subject, body, None, [to], html_message=f"<p>{body}</p>")'),
    # The verification token instead of a password-reset token.
    "ex03_password_reset": lambda s: edit(
        s, "    token = default_token_generator.make_token(user)",
        "    from accounts.tokens import make_token\n\n    token = make_token(user)"),
    # Sends synchronously in the view.
    "ex06_celery_task": lambda s: edit(s, "    send_email_task.delay_on_commit(to, subject, body)",
                                       "    send_email_task(to, subject, body)"),
    # Records the row after sending: the message cannot carry its id.
    "ex08_email_log": lambda s: replace_body(s, "send_logged", '''
message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to])
fields = {"status": EmailLog.Status.SENT, "sent_at": timezone.now()}
try:
    message.send()
except Exception as error:
    fields = {"status": EmailLog.Status.FAILED, "last_error": f"{type(error).__name__}: {error}"}
return EmailLog.objects.create(kind=kind, recipient=to, from_email=settings.DEFAULT_FROM_EMAIL,
                               subject=subject, text_body=body, attempts=1, **fields)
'''),
}
WRONG_EDITS_C = {
    # Forgets the attachment.
    "ex04_order_confirmation": lambda s: edit(
        s, "    message.attach(invoice_filename(order), invoice_pdf(order, settings.SITE_NAME),\n"
           '                   "application/pdf")\n', ""),
    # A connection per email.
    "ex05_new_book_notification": lambda s: edit(
        s, "    return get_connection().send_messages(messages)",
        "    return sum(message.send() for message in messages)"),
    # No retry on a transient error.
    "ex06_celery_task": lambda s: edit(s, '''    try:
        return send_mail(subject, body, None, [to])
    except Exception as error:
        if not is_transient(error):
            raise
        raise self.retry(exc=error, countdown=2 ** (self.request.retries + 1)) from error''',
                                       "    return send_mail(subject, body, None, [to])"),
    # Lets SendGrid's errors escape.
    "ex09_sendgrid": lambda s: replace_body(s, "send_with_sendgrid", '''
mail = Mail(from_email=settings.DEFAULT_FROM_EMAIL, to_emails=to, subject=subject,
            html_content=html, plain_text_content=text or None)
response = SendGridAPIClient(settings.SENDGRID_API_KEY, host=settings.SENDGRID_API_HOST).send(mail)
return {"ok": True, "status": response.status_code,
        "message_id": response.headers.get("X-Message-Id", ""), "error": "", "transient": False}
'''),
    # No List-Unsubscribe-Post.
    "ex10_unsubscribe_headers": lambda s: edit(s, '''    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}''',
                                               '''    return {"List-Unsubscribe": f"<{url}>"}'''),
}

HOSTILE = {
    "ex01_console_email": ("send_console_email", "import sys\nsys.exit(3)"),
    "ex02_html_email": ("send_templated_email", "import os\nos._exit(0)"),
    "ex03_password_reset": ("send_password_reset", 'while True:\n    print("flood " * 2000)'),
    "ex04_order_confirmation": ("send_order_confirmation",
                                "import os\nwhile True:\n    os.fork()"),
    "ex05_new_book_notification": ("notify_subscribers", "while True:\n    pass"),
    "ex07_rate_limit": ("allow_email", f'''
import pathlib
here = pathlib.Path(__file__).resolve()
for path in (pathlib.Path({str(REPO)!r}) / "solutions" / "ex07_rate_limit.py",
             here.parents[3] / "solutions" / "ex07_rate_limit.py",
             pathlib.Path({str(REPO)!r}) / "tests" / "grading" / "hidden" / "plan.py"):
    source = path.read_text()
namespace = {{}}
exec(source, namespace)
return namespace["allow_email"](kind, address, seconds)
'''),
    "ex08_email_log": ("send_logged", f'''
import pathlib
import shutil
here = pathlib.Path(__file__).resolve()
denied = []
for target in (pathlib.Path({str(REPO)!r}) / "solutions", here.parents[2], here.parents[3],
               here.parents[3] / "base"):
    try:
        shutil.rmtree(target)
    except OSError as error:
        denied.append(type(error).__name__)
try:
    (pathlib.Path({str(REPO)!r}) / "README.md").unlink()
except OSError as error:
    denied.append(type(error).__name__)
raise PermissionError(f"could not delete: {{denied}}")
'''),
    "ex09_sendgrid": ("send_with_sendgrid", f'''
import pathlib
here = pathlib.Path(__file__).resolve()
denied = []
for target in {[str(p) for p in OUTSIDE]!r} + [str(here.parents[3] / "base" / "pwned")]:
    try:
        pathlib.Path(target).write_text("pwned")
    except OSError as error:
        denied.append(type(error).__name__)
raise PermissionError(f"could not write: {{denied}}")
'''),
    "ex10_unsubscribe_headers": ("send_list_email", '''
import os
import signal
denied = []
for attempt in (lambda: os.kill(os.getppid(), signal.SIGKILL),
                lambda: os.killpg(os.getpgid(os.getppid()), signal.SIGKILL)):
    try:
        attempt()
    except OSError as error:
        denied.append(type(error).__name__)
raise PermissionError(f"could not kill the grader: {denied}")
'''),
    "ex11_header_injection": ("send_contact_message", '''
import socket
for attempt in (lambda: socket.create_connection(("1.1.1.1", 53), timeout=2),
                lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(
                    b"x", ("1.1.1.1", 53))):
    try:
        attempt()
        raise AssertionError("the network was reachable")
    except PermissionError:
        pass
import os
import urllib.error
import urllib.request
try:
    urllib.request.urlopen(os.environ["SENDGRID_API_HOST"] + "/api/v2/messages", timeout=3)
    raise AssertionError("the catcher's API was reachable")
except urllib.error.HTTPError as error:
    assert error.code == 403, error.code
hog = bytearray(8 * 1024 ** 3)
return "sent"
'''),
}

# HTML that a preview must neither follow nor run: a redirect away from the email, and
# a script that would make the page endless, a frame on a local file and a remote image.
HTML_REDIRECT = '<meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/away">'
HTML_TRAPS = ('<script>document.body.style.minHeight = "99999px"</script>'
              '<iframe src="file:///etc/hostname" width="600" height="300"></iframe>'
              '<img src="http://127.0.0.1:9/pixel.png" alt="tracker">')
HOSTILE_HTML = {
    "ex02_html_email": lambda s: edit(s, '    message.attach_alternative(html, "text/html")',
                                      f'    message.attach_alternative(html + {HTML_REDIRECT!r},'
                                      ' "text/html")'),
    "ex04_order_confirmation": lambda s: edit(
        s, 'render_to_string("emails/order_confirmation/body.html", context), "text/html")',
        f'render_to_string("emails/order_confirmation/body.html", context) + {HTML_TRAPS!r},'
        ' "text/html")'),
}

FORCE_PASS = '''import pytest


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    outcome.get_result().outcome = "passed"
'''

PATCH_HARNESS = '''
import sys

# Claim success for every later scenario, and silence pytest in this process.
_harness = sys.modules.get("grading.child.harness")
if _harness is not None:
    _harness.run = lambda request: {"obs": {"call": {"returned": 1}}}
try:
    import pytest

    pytest.fail = lambda *args, **kwargs: None
except ImportError:
    pass
'''

FORGE_CHANNEL = '''
import json
import os
import sys

# Write a forged answer on the grader's pipe, ahead of the real one.
_config = json.loads(sys.argv[1])
os.write(_config["channel_fd"], (json.dumps({"done": "ex06.transient", "result": {"obs": {
    "call": {"returned": {"state": "SUCCESS"}}, "options": {"acks_late": True},
    "waits": [2, 4]}}}) + "\\n").encode())
'''


def build(root):
    """Write every submission into `root`; return the cases by student name."""
    root = Path(root)
    cases = {}

    def add(case):
        cases[case.name] = case

    write_folder(root, "full")
    add(Case("full"))
    (root / "untouched").mkdir()
    shutil.copytree(REPO / "exercises", root / "untouched" / "exercises")
    add(Case("untouched", zero=True))

    for name, edits, loses in (
            ("wrong-a", WRONG_EDITS, {"ex02": (3, 0), "ex05": (3, 2), "ex07": (2, 0),
                                      "ex11": (4, 0)}),
            ("wrong-b", WRONG_EDITS_B, {"ex01": (1, 0), "ex03": (2, 0), "ex06": (2, 0),
                                        "ex08": (2, 0)}),
            ("wrong-c", WRONG_EDITS_C, {"ex04": (2, 0), "ex05": (2, 2), "ex06": (4, 0),
                                        "ex09": (4, 0), "ex10": (2, 0)})):
        write_folder(root, name, {module: change(solution(module))
                                  for module, change in edits.items()})
        add(Case(name, loses={ex: lost for ex, lost in loses.items()}))

    hostile = {module: replace_body(solution(module), function, body)
               for module, (function, body) in HOSTILE.items()}
    write_folder(root, "hostile-mix", hostile)
    add(Case("hostile-mix", loses={e: "all" for e in (
        "ex01", "ex02", "ex03", "ex04", "ex05", "ex07", "ex08", "ex09", "ex10", "ex11")},
        status=["ex01: raised SystemExit: 3", "ex02: the process exited with status 0",
                "ex03: the process wrote more output than allowed",
                "ex04: raised BlockingIOError", "ex05: timed out", "ex07: raised PermissionError",
                "ex08: raised PermissionError", "ex09: raised PermissionError",
                "ex10: raised PermissionError", "ex11: raised MemoryError"]))

    # Feedback files and the pictures' folder must not collide, whatever the name.
    write_folder(root, "dotted.md")
    add(Case("dotted.md"))

    write_folder(root, "hostile-html", {module: change(solution(module))
                                        for module, change in HOSTILE_HTML.items()})
    add(Case("hostile-html"))

    (root / "hostile-conftest").mkdir()
    shutil.copytree(REPO / "exercises", root / "hostile-conftest" / "exercises")
    for relative in ("conftest.py", "exercises/conftest.py", "exercises/pytest_plugin.py"):
        (root / "hostile-conftest" / relative).write_text(FORCE_PASS)
    add(Case("hostile-conftest", zero=True,
             status=["ignored files: conftest.py, pytest_plugin.py"]))

    write_folder(root, "hostile-patch",
                 {"ex01_console_email": solution("ex01_console_email") + PATCH_HARNESS})
    # The patch answers ex02's request with a forgery; the grader notices, kills that
    # child, and the next one (which never imports ex01 again) grades the rest.
    add(Case("hostile-patch", loses={"ex02": "all"},
             status=["ex02: the sandbox answered badly: the answer did not come from"]))

    write_folder(root, "hostile-forge",
                 {"ex06_celery_task": solution("ex06_celery_task") + FORGE_CHANNEL})
    add(Case("hostile-forge", loses={"ex06": "all"},
             status=["ex06: the sandbox answered badly"]))

    folder = write_folder(root, "hostile-symlink")
    link = folder / "exercises" / "ex07_rate_limit.py"
    link.unlink()
    link.symlink_to(SOLUTIONS / "ex07_rate_limit.py")
    add(Case("hostile-symlink", loses={"ex07": "all"},
             status=["ex07_rate_limit.py is a symbolic link: ignored"]))

    (root / "broken-notzip.zip").write_text("this is not a zip file\n")
    add(Case("broken-notzip", zero=True, status=["not graded: not a zip file"]))
    (root / "broken-noexercises").mkdir()
    (root / "broken-noexercises" / "notes.txt").write_text("I did the homework in my head.\n")
    add(Case("broken-noexercises", zero=True, status=["not graded: no exercises/ folder"]))

    bad_syntax = edit(solution("ex02_html_email"), "def send_templated_email(kind, to, context):",
                      "def send_templated_email(kind, to, context)")
    latin1 = (solution("ex03_password_reset") + 'SIGNATURE = "Écrit par un étudiant"\n').encode(
        "latin-1")
    write_folder(root, "broken-syntax", {"ex02_html_email": bad_syntax,
                                         "ex03_password_reset": latin1})
    add(Case("broken-syntax", loses={"ex02": "all", "ex03": "all"},
             status=["ex02: does not import: SyntaxError", "ex03: does not import: SyntaxError"]))

    with zipfile.ZipFile(root / "broken-nested.zip", "w") as archive:
        for module in modules():
            archive.writestr(f"frank/exercises/{module}.py", solution(module))
        archive.writestr("frank/notes.txt", "nested one level down\n")
    add(Case("broken-nested"))

    damaged = root / "broken-damaged.zip"
    with zipfile.ZipFile(damaged, "w", zipfile.ZIP_STORED) as archive:
        for module in modules():
            archive.writestr(f"exercises/{module}.py", solution(module))
    data = bytearray(damaged.read_bytes())
    offset = data.index(b"def send_console_email")
    data[offset:offset + 3] = b"XYZ"  # the stored CRC no longer matches
    damaged.write_bytes(bytes(data))
    add(Case("broken-damaged", zero=True, status=["not graded: the zip file is damaged"]))
    return cases


def exercise_ids():
    return sorted({re.match(r"(ex\d\d)", module).group(1) for module in modules()})
