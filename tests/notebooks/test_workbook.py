"""The helpers the notebooks import: service checks, exercise cells and message display."""

import io
import smtplib
from contextlib import redirect_stdout

import pytest

import workbook
from mailroom.runner import free_ports
from outbox import parse
from workbook import display, exercises, lab


def printed(function, *args, **kwargs):
    out = io.StringIO()
    with redirect_stdout(out):
        function(*args, **kwargs)
    return out.getvalue()


@pytest.fixture
def nothing_listens(monkeypatch, settings):
    """Point every service at ports where nothing listens."""
    smtp, secure, http, redis = free_ports(4)
    monkeypatch.setenv("MAILROOM_SMTP_PORT", str(smtp))
    monkeypatch.setenv("MAILROOM_SECURE_PORT", str(secure))
    settings.MAILHOG_URL = settings.SENDGRID_API_HOST = f"http://127.0.0.1:{http}"
    settings.BROKER_URL = f"redis://127.0.0.1:{redis}/0"


def test_a_missing_service_is_named_with_how_to_start_it(nothing_listens):
    out = io.StringIO()
    with redirect_stdout(out), pytest.raises(workbook.StopExecution) as stopped:
        workbook.require("smtp", "redis")

    text = out.getvalue()
    assert "MISSING  mail catcher, SMTP" in text and "MISSING  Redis" in text
    assert "`make run`" in text and "run this cell again" in text
    assert "`make services`" in text and "REDIS_URL" in text
    # Jupyter shows what _render_traceback_ returns instead of a traceback: nothing.
    assert stopped.value._render_traceback_() == []


def test_without_stop_the_advice_is_printed_and_the_cell_goes_on(nothing_listens):
    text = printed(workbook.require, *workbook.SERVICES, stop=False)

    assert text.count("MISSING") == len(workbook.SERVICES)
    assert "the worker of `make run`" in text


def test_a_notebook_that_needs_nothing_says_so():
    assert "needs no running service" in printed(workbook.require)


def test_an_unknown_service_is_a_clear_error():
    with pytest.raises(ValueError, match="no service 'smpt'"):
        workbook.services("smpt")


def test_an_unfinished_exercise_prints_not_done_yet():
    def stub():
        raise NotImplementedError("write send_console_email")

    def body():
        with workbook.attempt():
            stub()
        print("the cell goes on")

    assert printed(body) == "Not done yet: write send_console_email\nthe cell goes on\n"


def test_a_broken_exercise_prints_its_error_and_where():
    def body():
        with workbook.attempt():
            {}["missing"]

    text = printed(body)
    assert text.startswith("Your code raised KeyError: 'missing'")
    assert "test_workbook.py, line" in text


def test_a_missing_exercise_file_reads_as_not_done(monkeypatch, tmp_path):
    monkeypatch.setattr(exercises, "REPO", tmp_path)
    module = workbook.exercise("ex99")

    def body():
        with workbook.attempt():
            module.anything()

    assert printed(body) == "Not done yet: there is no exercises/ex99_*.py\n"


def test_paths_are_shown_relative_to_the_project(monkeypatch, tmp_path):
    monkeypatch.setenv("WORKBOOK_VAR_DIR", str(tmp_path / "wb"))
    monkeypatch.setenv("MAILROOM_DATA_DIR", str(tmp_path / "mail"))

    assert lab.display_path(tmp_path / "wb" / "01.sqlite3") == "var/workbook/01.sqlite3"
    assert lab.display_path(tmp_path / "mail" / "certs" / "ca.pem") == "var/mailroom/certs/ca.pem"
    assert lab.display_path(lab.REPO / "templates" / "emails") == "templates/emails"
    assert lab.display_path("/somewhere/else/file.txt") == "file.txt"


def test_show_message_gives_people_html_and_diffs_plain_text(monkeypatch):
    shown = []
    monkeypatch.setattr(display, "display", lambda bundle, raw: shown.append(bundle))
    message = parse(b"Subject: Hi\r\nFrom: a@example.com\r\nTo: b@example.com\r\n"
                    b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi <script>x()</script></p>")

    display.show_message(message)

    [bundle] = shown
    assert bundle["text/plain"].startswith("Subject: Hi\nFrom: a@example.com\nTo: b@example.com")
    assert "(no text part)" in bundle["text/plain"]
    # The email's HTML only ever appears escaped, inside a sandboxed srcdoc.
    assert '<iframe sandbox=""' in bundle["text/html"] and "<script>" not in bundle["text/html"]


def test_transient_errors_shown_in_notebook_05_are_classified_as_it_says():
    from notifications.failures import is_transient

    assert not is_transient(smtplib.SMTPSenderRefused(530, b"Must issue a STARTTLS", "a@b.c"))
    assert not is_transient(smtplib.SMTPAuthenticationError(535, b"invalid"))
    assert is_transient(smtplib.SMTPServerDisconnected("timed out"))


@pytest.fixture
def exercise_folder(monkeypatch, tmp_path):
    """An exercises/ folder of the test's own, importable like the real one."""
    monkeypatch.setattr(exercises, "REPO", tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setenv("WORKBOOK_EXERCISES", "exercises_under_test")
    folder = tmp_path / "exercises_under_test"
    folder.mkdir()
    return folder


def test_a_stub_that_raises_on_import_reads_as_not_done(exercise_folder):
    (exercise_folder / "ex98_task.py").write_text(
        "raise NotImplementedError('decorate the task with @shared_task')\n")
    module = workbook.exercise("ex98")

    def body():
        with workbook.attempt():
            module.send_email_task.apply()

    assert printed(body) == "Not done yet: decorate the task with @shared_task\n"


def test_a_syntax_error_says_where_it_is(exercise_folder):
    (exercise_folder / "ex97_broken.py").write_text("def send(:\n    pass\n")
    module = workbook.exercise("ex97")

    def body():
        with workbook.attempt():
            module.send()

    text = printed(body)
    assert text.startswith("Your code raised SyntaxError")
    assert "exercises_under_test/ex97_broken.py, line 1" in text


def test_an_edited_exercise_is_read_again(exercise_folder):
    path = exercise_folder / "ex96_answer.py"
    path.write_text("def answer():\n    return 1\n")
    assert workbook.exercise("ex96").answer() == 1
    path.write_text("def answer():\n    return 22\n")  # another size: a new .pyc for sure
    assert workbook.exercise("ex96").answer() == 22


def test_a_check_without_the_grader_says_so_and_goes_on(monkeypatch):
    monkeypatch.setattr(exercises.importlib.util, "find_spec", lambda name: None)

    assert printed(workbook.check, "ex01") == (
        "Exercise ex01: the grader is not available yet, so nothing was checked.\n")
