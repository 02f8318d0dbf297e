"""Show emails and EmailLog rows in a notebook: HTML for people, plain text for diffs."""

import html

from IPython.display import display

# What show_message lists first; any other header is shown after them.
MAIN_HEADERS = ("subject", "from", "to", "cc", "reply-to")
HIDDEN_HEADERS = {"content-type", "content-transfer-encoding", "mime-version"}


def _iframe(document, height):
    # srcdoc + an empty sandbox: the email cannot run scripts or reach the notebook's origin.
    return (f'<iframe sandbox="" referrerpolicy="no-referrer" srcdoc="{html.escape(document)}" '
            f'style="width: 100%; max-width: 680px; height: {height}px; '
            'border: 1px solid #cbd5e0; background: #fff"></iframe>')


def show_html(document, height=420, title="HTML preview"):
    """Render an HTML email in a sandboxed iframe, as an inbox would."""
    display({"text/html": f"<p><strong>{html.escape(title)}</strong></p>"
                          + _iframe(document, height),
             "text/plain": f"[{title}: {len(document.encode()):,} bytes of HTML]"}, raw=True)


def show_message(message, height=420, headers=(), text=True):
    """Show a captured message: main headers, then the text part, then the HTML part.

    `headers` names extra headers to show, or "all" for every one.
    """
    rows = [(name.title(), value) for name in MAIN_HEADERS
            for value in message.headers.get(name, [])]
    extra = ([n for n in message.headers if n not in MAIN_HEADERS and n not in HIDDEN_HEADERS]
             if headers == "all" else [h.lower() for h in headers])
    rows += [(name.title(), value) for name in extra for value in message.headers.get(name, [])]
    if message.bcc:
        rows.append(("Bcc (envelope only)", ", ".join(message.bcc)))
    rows += [("Attachment", f"{a.filename} ({a.content_type}, {len(a.content):,} bytes)")
             for a in message.attachments]
    plain = "\n".join(f"{name}: {value}" for name, value in rows)
    table = "".join(f"<tr><th style='text-align:left;padding-right:1em'>{html.escape(n)}</th>"
                    f"<td style='text-align:left'>{html.escape(v)}</td></tr>" for n, v in rows)
    parts = [f"<table>{table}</table>"]
    if text:
        plain += f"\n\n--- text part ---\n{message.text.rstrip()}" if message.text else \
            "\n\n(no text part)"
        parts.append("<p><strong>Text part</strong></p><pre style='white-space: pre-wrap; "
                     f"max-width: 680px'>{html.escape(message.text or '(none)')}</pre>")
    if message.html:
        plain += f"\n\n--- HTML part: {len(message.html.encode()):,} bytes ---"
        parts.append("<p><strong>HTML part</strong></p>" + _iframe(message.html, height))
    else:
        plain += "\n\n(no HTML part)"
    display({"text/html": "\n".join(parts), "text/plain": plain}, raw=True)


def show_rows(rows, fields=("id", "kind", "recipient", "status", "attempts", "last_error")):
    """Show EmailLog rows (or any objects) as a small table, one line each."""
    rows = list(rows)
    if not rows:
        print("(no rows)")
        return
    values = [[_short(getattr(row, field)) for field in fields] for row in rows]
    widths = [max(len(f), *(len(v[i]) for v in values)) for i, f in enumerate(fields)]
    print("  ".join(f.ljust(w) for f, w in zip(fields, widths, strict=True)).rstrip())
    for line in values:
        print("  ".join(v.ljust(w) for v, w in zip(line, widths, strict=True)).rstrip())


def _short(value, limit=60):
    text = str(value).replace("\n", " ")
    return text if len(text) <= limit else text[:limit - 3] + "..."
